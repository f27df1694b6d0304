/* The C helpers of the test runner (lua/lib/test.lua): the networks a
 * script made, the C library's seed, and each type's methods for the Lua
 * library to extend. */
#include <lauxlib.h>
#include <stdlib.h>

#include "lua/lunet.h"

/* lunet._networks(): every network made in this state, in order. */
static int l_networks(lua_State *L)
{
	lua_Integer i, n;

	lnet_push_all(L);
	n = (lua_Integer)luaL_len(L, -1);
	lua_createtable(L, (int)n, 0);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -2, i);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

static int l_srandom(lua_State *L)
{
	srandom((unsigned)luaL_checkinteger(L, 1));
	return 0;
}

/* Adds the methods table of metatable mt (the upvalue of its __index) to
 * the table on top as field name. */
static void add_methods(lua_State *L, const char *mt, const char *name)
{
	luaL_getmetatable(L, mt);
	lua_getfield(L, -1, "__index");
	if (lua_getupvalue(L, -1, 1))
		lua_setfield(L, -4, name);
	lua_pop(L, 2);
}

void ltest_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "_srandom", l_srandom },
		{ "_networks", l_networks },
		{ NULL, NULL },
	};

	/* The methods of each type, for the Lua library to extend. */
	lua_newtable(L);
	add_methods(L, LNET_MT, "network");
	add_methods(L, LNODE_MT, "node");
	add_methods(L, LLINK_MT, "link");
	lua_setfield(L, -2, "_methods");
	luaL_setfuncs(L, fns, 0);
}
