/* The C helpers of fault exploration (lua/lib/explore_run.lua): a router's
 * routing daemons killed, with its links left up, and started again.
 * net:reset() starts again daemons that are gone, so a kill is a fault
 * the reset between schedules undoes. */
#include <lauxlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "core/routing/routing.h"
#include "lua/lunet.h"
#include "topo/topo.h"

static uint32_t routed_node(lua_State *L, struct lnet **n)
{
	uint32_t i = lnode_check(L, 1, n);

	lnet_need_running(L, *n);
	if (emu_remote((*n)->emu))
		luaL_error(L, "node %s: daemon faults do not work across "
			   "machines yet", (*n)->topo->nodes[i].name);
	if (!(*n)->topo->nodes[i].routing)
		luaL_error(L, "node %s runs no routing daemons",
			   (*n)->topo->nodes[i].name);
	return i;
}

/* lunet._daemons_kill(node) -> how many were killed */
static int l_daemons_kill(lua_State *L)
{
	struct lnet *n;
	uint32_t i = routed_node(L, &n);
	int killed = routing_node_kill(n->topo, i);

	if (killed < 0)
		return luaL_error(L, "node %s: cannot kill its daemons: %s",
				  n->topo->nodes[i].name, strerror(-killed));
	levent(L, "daemon_kill", "net:s", n->topo->name, "node:s",
	       n->topo->nodes[i].name, "daemons:i", (long long)killed, NULL);
	lua_pushinteger(L, killed);
	return 1;
}

/* lunet._daemons_restart(node) -> how many were gone */
static int l_daemons_restart(lua_State *L)
{
	struct lnet *n;
	uint32_t i = routed_node(L, &n);
	struct err err;
	int total, gone;

	err_clear(&err);
	gone = routing_node_restart(n->topo, i, &total, &err);
	if (gone < 0)
		return luaL_error(L, "%s", err.msg);
	if (gone > 0)
		levent(L, "daemons_restart", "net:s", n->topo->name, "node:s",
		       n->topo->nodes[i].name, "daemons:i", (long long)total,
		       NULL);
	lua_pushinteger(L, gone);
	return 1;
}

void lexplore_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "_daemons_kill", l_daemons_kill },
		{ "_daemons_restart", l_daemons_restart },
		{ NULL, NULL },
	};

	luaL_setfuncs(L, fns, 0);
}
