/* The "lunet" module: C types plus the Lua library compiled in. */
#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

#include "lua/lopts.h"
#include "lua/lunet.h"

extern const char lunet_lua_src[];
extern const char lunet_topo_src[];
extern const char lunet_test_src[];
extern const char lunet_routing_src[];
extern const char lunet_explore_src[];
extern const char lunet_explore_run_src[];
extern const char lunet_explore_main_src[];
extern const char lunet_replay_src[];

/* Runs one embedded Lua file with the module table (on top) as its
 * argument. */
static int run_lib(lua_State *L, const char *src, const char *name)
{
	int rc = luaL_loadbuffer(L, src, strlen(src), name);

	if (rc)
		return rc;
	lua_pushvalue(L, -2);
	rc = lua_pcall(L, 1, 0, 0);
	return rc;
}

int lunet_open(lua_State *L)
{
	int rc;

	lnode_open(L);
	llink_open(L);
	lua_newtable(L);
	lnet_open(L);
	lopts_open(L);
	ltime_open(L);
	lfault_open(L);
	lprobe_open(L);
	levent_open(L);
	ltest_open(L);
	lrouting_open(L);
	lexplore_open(L);
	rc = run_lib(L, lunet_lua_src, "=lunet.lua");
	if (!rc)
		rc = run_lib(L, lunet_topo_src, "=topo.lua");
	if (!rc)
		rc = run_lib(L, lunet_test_src, "=test.lua");
	if (!rc)
		rc = run_lib(L, lunet_routing_src, "=routing.lua");
	if (!rc)
		rc = run_lib(L, lunet_explore_src, "=explore.lua");
	if (!rc)
		rc = run_lib(L, lunet_explore_run_src, "=explore_run.lua");
	if (!rc)
		rc = run_lib(L, lunet_explore_main_src, "=explore_main.lua");
	if (!rc)
		rc = run_lib(L, lunet_replay_src, "=replay.lua");
	if (rc)
		return rc;
	lua_pushvalue(L, -1);
	lua_setglobal(L, "lunet");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "lunet");
	lua_pop(L, 2);
	return 0;
}
