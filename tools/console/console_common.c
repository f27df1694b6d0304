/* What the console's commands share: their errors, node names, and
 * protected calls into the Lua API on the console's network. */
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>

#include "lua/script.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"

int console_fail(struct console *c, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (cmd)
		fprintf(c->err, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	return 1;
}

uint32_t console_node(struct console *c, const char *cmd, const char *name)
{
	uint32_t i = topo_node_find(c->n->topo, name);

	if (i == TOPO_NONE)
		console_fail(c, cmd, "no node '%s' in %s", name,
			     c->n->topo->name);
	return i;
}

int console_pcall(struct console *c, const char *cmd, int nargs, int nres)
{
	lua_State *L = c->L;
	int base = lua_gettop(L) - nargs;

	lua_pushcfunction(L, script_msgh);
	lua_insert(L, base);
	if (lua_pcall(L, nargs, nres, base)) {
		console_fail(c, cmd, "%s", lua_tostring(L, -1));
		lua_pop(L, 2);
		return -1;
	}
	lua_remove(L, base);
	return 0;
}

int console_call(struct console *c, const char *cmd, lua_CFunction fn,
		 int nargs, int nres)
{
	lua_State *L = c->L;

	lua_pushcfunction(L, fn);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
	lua_rotate(L, -2 - nargs, 2);
	return console_pcall(c, cmd, nargs + 1, nres);
}
