/* lunet explore: seeded fault exploration of a topology against its
 * invariants, each failure shrunk and written as a scenario file; and the
 * options of the search.  The search itself is lunet._explore_run
 * (lua/lib/explore_main.lua). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/sys/intr.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"

struct explore_opts {
	const char *file, *out, *junit, *json, *name;
	long long seed, trials;
	double budget;
	bool random;
};

/* A duration as lunet takes them: 90, "90s", "2m", "500ms". */
static double parse_duration(const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return d;
	if (!strcmp(end, "ms"))
		return d / 1e3;
	if (!strcmp(end, "m") || !strcmp(end, "min"))
		return d * 60;
	if (!strcmp(end, "h"))
		return d * 3600;
	return -1;
}

static int parse(int argc, char **argv, struct explore_opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "junit", required_argument, NULL, 'j' },
		{ "json", required_argument, NULL, 'J' },
		{ "budget", required_argument, NULL, 'b' },
		{ "trials", required_argument, NULL, 'T' },
		{ "random", no_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->seed = -1;
	o->out = "out";
	o->budget = -1;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "explore", "hn:o:", longopts)) !=
	       -1) {
		switch (c) {
		case 's':
			errno = 0;
			o->seed = strtoll(optarg, &end, 0);
			if (errno || *end || o->seed < 0 ||
			    o->seed > 0x7fffffff)
				return cli_fail("--seed: '%s' is not a number "
						"from 0 to 2147483647", optarg);
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'j':
			o->junit = optarg;
			break;
		case 'J':
			o->json = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'r':
			o->random = true;
			break;
		case 'b':
			o->budget = parse_duration(optarg);
			if (!(o->budget > 0))
				return cli_fail("--budget: '%s' is not a "
						"duration (90s, 2m)", optarg);
			break;
		case 'T':
			errno = 0;
			o->trials = strtoll(optarg, &end, 0);
			if (errno || *end || o->trials < 1)
				return cli_fail("--trials: '%s' is not a "
						"number of schedules", optarg);
			break;
		case 'h':
			cli_help_exit("explore");
			break;
		}
	}
	if (optind != argc - 1) {
		if (optind == argc)
			cli_usage_exit("explore");
		cli_bad_args("explore", "unexpected argument '%s'",
			     argv[optind + 1]);
	}
	o->file = argv[optind];
	if (o->seed < 0)
		o->seed = cli_pick_seed();
	return 0;
}

static void set_string(lua_State *L, const char *key, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, key);
}

static int int_field(lua_State *L, const char *key)
{
	int v;

	lua_getfield(L, -1, key);
	v = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

int cmd_explore(int argc, char **argv)
{
	struct explore_opts o = { 0 };
	char abspath[PATH_MAX];
	struct err err;
	lua_State *L;
	int rc = 0;

	if (parse(argc, argv, &o))
		return 1;
	if (access(o.file, R_OK) < 0)
		return cli_fail("%s: %s", o.file, strerror(errno));
	if (cli_need_root() || intr_install() || cli_make_dir(o.out))
		return 1;
	L = script_new(&err);
	if (!L)
		return cli_fail("%s", err.msg);
	if (o.name) {
		lua_pushstring(L, o.name);
		lua_setfield(L, LUA_REGISTRYINDEX, LNET_NAME);
	}
	lua_createtable(L, 0, 10);
	set_string(L, "path", o.file);
	set_string(L, "abspath", realpath(o.file, abspath) ? abspath : NULL);
	set_string(L, "out", o.out);
	set_string(L, "junit", o.junit);
	set_string(L, "json", o.json);
	lua_pushinteger(L, o.seed);
	lua_setfield(L, -2, "seed");
	if (o.trials) {
		lua_pushinteger(L, o.trials);
		lua_setfield(L, -2, "trials");
	}
	if (o.budget > 0) {
		lua_pushnumber(L, o.budget);
		lua_setfield(L, -2, "budget");
	}
	lua_pushboolean(L, o.random);
	lua_setfield(L, -2, "random");
	lua_pushboolean(L, isatty(STDERR_FILENO) && !getenv("LUNET_NO_PROGRESS"));
	lua_setfield(L, -2, "tty");
	if (script_lib(L, "_explore_run", -1, &err)) {
		rc = cli_fail("%s", err.msg);
	} else {
		if (int_field(L, "failures") || int_field(L, "flaky"))
			rc = 1;
		lua_getfield(L, -1, "interrupted");
		if (lua_toboolean(L, -1))
			rc = 1;
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	script_close(L);
	return rc ? 1 : 0;
}
