/* lunet replay: the faults of a recorded run's event log applied again to
 * its topology, at the same relative times (lunet._replay_run in
 * lua/lib/replay.lua). */
#include <errno.h>
#include <getopt.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sys/intr.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *events = NULL, *name = NULL, *log, *file = NULL;
	struct err err;
	lua_State *L;
	int c, rc = 0;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "replay", "hn:", longopts)) != -1) {
		if (c == 'e')
			events = optarg;
		else if (c == 'n')
			name = optarg;
		else if (c == 'h')
			cli_help_exit("replay");
	}
	if (optind == argc)
		cli_usage_exit("replay");
	if (argc - optind > 2)
		cli_bad_args("replay", "unexpected argument '%s'",
			     argv[optind + 2]);
	log = argv[optind];
	if (argc - optind == 2)
		file = argv[optind + 1];
	if (access(log, R_OK) < 0)
		return cli_fail("%s: %s", log, strerror(errno));
	if (cli_need_root() || intr_install())
		return 1;
	L = script_new(&err);
	if (!L)
		return cli_fail("%s", err.msg);
	if (name) {
		lua_pushstring(L, name);
		lua_setfield(L, LUA_REGISTRYINDEX, LNET_NAME);
	}
	if (events) {
		lua_getglobal(L, "lunet");
		lua_getfield(L, -1, "_events_open");
		lua_pushstring(L, events);
		if (lua_pcall(L, 1, 0, 0)) {
			rc = cli_fail("%s: %s", events, lua_tostring(L, -1));
			goto out;
		}
		lua_pop(L, 1);
	}
	lua_createtable(L, 0, 2);
	lua_pushstring(L, log);
	lua_setfield(L, -2, "log");
	if (file) {
		lua_pushstring(L, file);
		lua_setfield(L, -2, "path");
	}
	if (script_lib(L, "_replay_run", -1, &err))
		rc = cli_fail("%s", err.msg);
	else if (lua_getfield(L, -1, "errors"), lua_tointeger(L, -1) > 0)
		rc = 1;
out:
	script_close(L);
	return rc;
}
