/* "lunet run" and "lunet up": a topology file (or --topo) built, then
 * checked and torn down, or left running under a daemon. */
#include <lauxlib.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/engine/engine.h"
#include "core/sys/intr.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"
#include "topo/topo.h"

static void print_up(struct lnet *n)
{
	cli_progress_clear();
	if (cli_machines_opt)
		cli_say("lunet: %s up on %s: %u nodes, %u links in %.2f s\n",
			n->topo->name, cli_machines_opt, n->topo->nnodes,
			n->topo->nlinks, n->started);
	else
		cli_say("lunet: %s up: %u nodes, %u links in %.2f s\n",
			n->topo->name, n->topo->nnodes, n->topo->nlinks,
			n->started);
}

/* Starts the network the script returned, if it has not started it. */
static int start_returned(lua_State *L, struct lnet *n)
{
	struct err err;

	if (n->emu)
		return 0;
	if (script_method(L, -1, "start", &err))
		return cli_fail("%s", err.msg);
	lua_pop(L, 1);
	print_up(n);
	return 0;
}

/* With routing daemons, the protocols must converge before pingall
 * means anything: net:converged{} waits for every FIB (60 s at most). */
static int wait_converged(lua_State *L, struct lnet *n)
{
	struct err err;

	if (!topo_has_daemons(n->topo))
		return 0;
	if (script_method(L, -1, "converged", &err))
		return cli_fail("%s", err.msg);
	lua_getfield(L, -1, "time");
	cli_say("lunet: %s converged in %.2f s\n", n->topo->name,
		lua_tonumber(L, -1));
	lua_pop(L, 2);
	return 0;
}

static int check_reachability(lua_State *L, struct lnet *n)
{
	struct err err;
	int ok;

	if (wait_converged(L, n))
		return 1;
	if (script_method(L, -1, "pingall", &err))
		return cli_fail("%s", err.msg);
	lua_getfield(L, -1, "loss");
	ok = lua_tonumber(L, -1) == 0;
	lua_pop(L, 1);
	if (script_lib(L, "format_pingall", -1, &err))
		return cli_fail("%s", err.msg);
	cli_say("%s\n", lua_tostring(L, -1));
	lua_pop(L, 2);
	return ok ? 0 : 1;
}

/* Stops (or, for "up", leaves running) every network the script made. */
static int finish_all(lua_State *L, bool leave_up)
{
	struct lnet *n;
	struct err err;
	int rc = 0;
	double t0;
	lua_Integer i;

	lnet_push_all(L);
	for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		n = lnet_check(L, -1);
		lua_pop(L, 1);
		if (!n->emu)
			continue;
		if (leave_up) {
			if (cli_daemon(L, n)) {
				rc = 1;
				continue;
			}
			cli_say("lunet: %s is up; 'lunet down %s' removes it\n",
			    n->topo->name, n->topo->name);
			continue;
		}
		t0 = cli_now();
		lcapture_stop_net(L, n);
		err_clear(&err);
		if (emu_stop(n->emu, &err))
			rc = cli_fail("%s", err.msg);
		n->emu = NULL;
		cli_progress_clear();
		cli_say("lunet: %s down in %.2f s\n", n->topo->name,
			cli_now() - t0);
	}
	lua_pop(L, 2);
	return rc;
}

/* Whether the script started a network itself (running or not now). */
static bool started_any(lua_State *L)
{
	bool any = false;
	lua_Integer i;

	lnet_push_all(L);
	for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		any = any || lnet_check(L, -1)->built;
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	return any;
}

/* What a file returned instead of a network, the value on top: nothing
 * is fine from a script that started its networks itself; anything else
 * would be ignored, so it is an error that says what it was. */
static int check_returned(lua_State *L, const char *file)
{
	const char *hint = "(end the file with 'return net')";
	const char *type = luaL_typename(L, -1), *q;

	if (lua_isnil(L, -1))
		return started_any(L) ? 0 :
			cli_fail("%s: returned nothing and started no network "
				 "%s", file, hint);
	if (lua_istable(L, -1) || lua_isfunction(L, -1) ||
	    lua_isthread(L, -1))
		return cli_fail("%s: returned a %s, not a network %s", file,
				type, hint);
	/* a handle: its type's name says more than "userdata" */
	if (lua_isuserdata(L, -1) &&
	    luaL_getmetafield(L, -1, "__name") == LUA_TSTRING) {
		type = lua_tostring(L, -1);
		lua_insert(L, -2);
	}
	q = lua_type(L, -1) == LUA_TSTRING ? "\"" : "";
	return cli_fail("%s: returned a %s (%s%.60s%s), not a network %s",
			file, type, q, luaL_tolstring(L, -1, NULL), q, hint);
}

/* The event log written to path as it goes (lunet._events_open()). */
static int events_to(lua_State *L, const char *path)
{
	lua_getglobal(L, "lunet");
	lua_getfield(L, -1, "_events_open");
	lua_remove(L, -2);
	lua_pushstring(L, path);
	if (lua_pcall(L, 1, 0, 0) == LUA_OK)
		return 0;
	cli_fail("--events: %s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return -1;
}

/* Runs file (or --topo); then use, when given, gets the network it
 * started ("lunet console"); else "run" checks it and "up" leaves it. */
static int run_file(const char *file, bool leave_up,
		    int (*use)(lua_State *L, struct lnet *n))
{
	struct lnet *n = NULL;
	struct err err;
	lua_State *L;
	int rc = 0;

	if (cli_need_root())
		return 1;
	if (intr_install())
		return cli_fail("cannot install signal handlers");
	cli_progress_install();
	L = script_new(&err);
	if (!L)
		return cli_fail("%s", err.msg);
	if (cli_name_opt) {
		lua_pushstring(L, cli_name_opt);
		lua_setfield(L, LUA_REGISTRYINDEX, LNET_NAME);
	}
	if (cli_events_opt && events_to(L, cli_events_opt)) {
		script_close(L);
		return 1;
	}
	if (cli_topo_opt && file) {
		rc = cli_fail("give a FILE or --topo, not both");
	} else if (cli_topo_opt ? script_dotopo(L, cli_topo_opt, &err) :
			      script_dofile(L, file, &err)) {
		rc = cli_fail("%s", err.msg);
	} else {
		n = luaL_testudata(L, -1, LNET_MT);
		if (n)
			rc = start_returned(L, n);
		else
			rc = check_returned(L, file ? file : "default");
		if (!n && !rc && leave_up)
			cli_say("lunet: %s returned no network\n",
			    file ? file : "default");
		if (!rc && use)
			rc = use(L, n);
		else if (!rc && n && !leave_up)
			rc = check_reachability(L, n);
	}
	if (finish_all(L, leave_up && !rc))
		rc = 1;
	script_close(L);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	int i = cli_common_opts(argc, argv, "run");

	if (argc - i > 1)
		cli_bad_args("run", "unexpected argument '%s'", argv[i + 1]);
	return run_file(i < argc ? argv[i] : NULL, false, NULL);
}

int cmd_up(int argc, char **argv)
{
	int i = cli_common_opts(argc, argv, "up");

	if (argc - i > 1)
		cli_bad_args("up", "unexpected argument '%s'", argv[i + 1]);
	return run_file(i < argc ? argv[i] : NULL, true, NULL);
}

int cli_run_file(const char *file, const char *topo, const char *name,
		 int (*use)(lua_State *L, struct lnet *n))
{
	cli_topo_opt = topo;
	cli_name_opt = name;
	return run_file(file, false, use);
}

