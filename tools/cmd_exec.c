/* "lunet exec": a command run inside a node of a running emulation. */
#include <errno.h>
#include <string.h>

#include "core/control/state.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"
#include "tools/cli.h"
#include "topo/topo.h"

int cmd_exec(int argc, char **argv)
{
	int i = cli_plain_opts(argc, argv, "exec", -1), rc;
	char path[NETNS_PATHSIZ];
	struct state_info info;
	struct topo *t;
	struct err err;

	if (argc - i < 3)
		cli_usage_exit("exec");
	if (cli_need_root())
		return 1;
	err_clear(&err);
	rc = state_read(argv[i], &t, &info, &err);
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", argv[i]);
	if (rc)
		return cli_fail("%s", err.msg);
	if (topo_node_find(t, argv[i + 1]) == TOPO_NONE) {
		topo_free(t);
		return cli_fail("no node '%s' in emulation '%s'", argv[i + 1],
			    argv[i]);
	}
	topo_free(t);
	netns_path(path, sizeof(path), argv[i], argv[i + 1]);
	rc = proc_exec(path, argv + i + 2);
	cli_fail("%s: %s", argv[i + 2], strerror(-rc));
	return rc == -ENOENT ? 127 : 126;
}

