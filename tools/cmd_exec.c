/* "lunet exec": a command run inside a node of a running emulation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cluster/coord.h"
#include "core/control/state.h"
#include "core/routing/routing.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"
#include "tools/cli.h"
#include "topo/topo.h"

/* "vtysh ..." or "birdc ..." in a router that runs FRR or BIRD: the
 * options that reach the router's own daemons go first, so that
 * "lunet exec fab leaf1 vtysh -c 'show ip bgp'" just works.  Returns the
 * argv to run (cmd itself otherwise); the strings live until exec. */
static char **with_daemons(const struct topo *t, uint32_t node, char **cmd,
			   int n)
{
	static char buf[ROUTING_PATHSIZ + 16];
	char *pre[8], **out;
	int k, count;

	count = routing_cli_argv(t, node, cmd[0], pre, buf, sizeof(buf));
	if (count < 0)
		return cmd;
	out = calloc((size_t)(count + n + 1), sizeof(*out));
	if (!out)
		return NULL;
	for (k = 0; k < count; k++)
		out[k] = strdup(pre[k]);
	for (k = 1; k < n; k++)
		out[count + k - 1] = cmd[k];
	return out;
}

/* A node of an emulation across machines: "lunet exec" again on the
 * node's machine, through its transport, with the terminal when we have
 * one.  args: NAME NODE COMMAND [ARG...]. */
static int exec_remote(int n, char **args)
{
	char *rest[64], *argv[128];
	const char *nspath;
	struct err err;
	int k, rc;

	if (n > 60)
		return cli_fail("exec: too many arguments for a remote node");
	rest[0] = "exec";
	for (k = 0; k < n; k++)
		rest[k + 1] = args[k];
	rest[n + 1] = NULL;
	err_clear(&err);
	rc = cluster_remote_argv(args[0], args[1], isatty(0) && isatty(1),
				 rest, argv, 128, &nspath, &err);
	if (rc == -ENOENT)
		return cli_fail("no node '%s' in emulation '%s'", args[1],
				args[0]);
	if (rc < 0)
		return cli_fail("%s", err.msg);
	rc = proc_exec(nspath, argv);
	cli_fail("%s: %s", argv[0], strerror(-rc));
	return rc == -ENOENT ? 127 : 126;
}

int cmd_exec(int argc, char **argv)
{
	int i = cli_plain_opts(argc, argv, "exec", -1), rc;
	char path[NETNS_PATHSIZ], **cmd;
	uint32_t node;
	struct state_info info;
	struct topo *t;
	struct err err;

	if (argc - i < 3)
		cli_usage_exit("exec");
	if (cli_need_root())
		return 1;
	err_clear(&err);
	if (cluster_recorded(argv[i]))
		return exec_remote(argc - i, argv + i);
	rc = state_read(argv[i], &t, &info, &err);
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", argv[i]);
	if (rc)
		return cli_fail("%s", err.msg);
	node = topo_node_find(t, argv[i + 1]);
	if (node == TOPO_NONE) {
		topo_free(t);
		return cli_fail("no node '%s' in emulation '%s'", argv[i + 1],
			    argv[i]);
	}
	cmd = with_daemons(t, node, argv + i + 2, argc - i - 2);
	topo_free(t);
	if (!cmd)
		return cli_fail("out of memory");
	netns_path(path, sizeof(path), argv[i], argv[i + 1]);
	rc = proc_exec(path, cmd);
	cli_fail("%s: %s", argv[i + 2], strerror(-rc));
	return rc == -ENOENT ? 127 : 126;
}

