/* "lunet down" and "lunet clean": emulations torn down from their
 * records alone, and what a lunet that died left behind removed. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "core/control/state.h"
#include "core/engine/engine.h"
#include "core/engine/neigh.h"
#include "tools/cli.h"

int cmd_down(int argc, char **argv)
{
	int i = cli_plain_opts(argc, argv, "down", -1), rc = 0;
	struct err err;
	double t0;

	if (i == argc)
		cli_usage_exit("down");
	if (cli_need_root())
		return 1;
	for (; i < argc; i++) {
		t0 = cli_now();
		err_clear(&err);
		if (emu_destroy(argv[i], &err))
			rc = cli_fail("%s", err.msg);
		else
			cli_say("lunet: %s down in %.2f s\n", argv[i],
				cli_now() - t0);
	}
	return rc;
}

/* A directory claimed by a lunet that died before writing any state. */
static bool empty_claim(const char *name)
{
	char path[256];
	struct stat st;

	if (state_path(path, sizeof(path), name, NULL) || stat(path, &st))
		return false;
	return time(NULL) - st.st_mtime > 10;
}

static int clean_one(const char *name, bool all, bool named)
{
	struct state_info info;
	struct err err;
	int rc;

	rc = state_read_info(name, &info);
	if (rc == -ENOENT && (named || empty_claim(name))) {
		state_remove(name);
		cli_say("lunet: removed the empty record of %s\n", name);
		return 0;
	}
	if (rc)
		return named ? cli_fail("no emulation named '%s'", name) : 0;
	if (!named && !all && !state_is_stale(&info))
		return 0;
	err_clear(&err);
	if (emu_destroy(name, &err))
		return cli_fail("%s", err.msg);
	cli_say("lunet: removed %s (%u nodes)\n", name, info.nnodes);
	return 0;
}

int cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	char **names;
	size_t n, k;
	int c, i, rc = 0;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "clean", "ahq", longopts)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'q')
			cli_quiet = true;
		else if (c == 'h')
			cli_help_exit("clean");
	}
	if (cli_need_root())
		return 1;
	for (i = optind; i < argc; i++)
		rc |= clean_one(argv[i], false, true);
	if (optind == argc) {
		if (state_list(&names, &n))
			return cli_fail("%s: cannot list", state_dir());
		for (k = 0; k < n; k++)
			rc |= clean_one(names[k], all, false);
		state_list_free(names, n);
	}
	neigh_release(NULL);
	return rc;
}

