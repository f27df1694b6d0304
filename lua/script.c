#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "core/sys/intr.h"
#include "lua/lunet.h"
#include "lua/script.h"

extern const char lunet_default_src[];

static void on_count(lua_State *L, lua_Debug *ar)
{
	if (intr_signal)
		luaL_error(L, "interrupted by signal %d", (int)intr_signal);
}

/* The message handler: the error as the user should read it, with a
 * traceback when LUNET_TRACE is set. */
int script_msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	if (getenv("LUNET_TRACE"))
		luaL_traceback(L, L, msg, 1);
	else
		lua_pushstring(L, msg);
	return 1;
}

static int pcall(lua_State *L, int nargs, struct err *err)
{
	int base = lua_gettop(L) - nargs, rc;

	lua_pushcfunction(L, script_msgh);
	lua_insert(L, base);
	rc = lua_pcall(L, nargs, 1, base);
	lua_remove(L, base);
	if (rc) {
		err_set(err, -1, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}

lua_State *script_new(struct err *err)
{
	lua_State *L = luaL_newstate();

	if (!L) {
		err_set(err, -1, "cannot create a Lua state: out of memory");
		return NULL;
	}
	luaL_openlibs(L);
	if (lunet_open(L)) {
		err_set(err, -1, "lunet library: %s", lua_tostring(L, -1));
		lua_close(L);
		return NULL;
	}
	lua_sethook(L, on_count, LUA_MASKCOUNT, 10000);
	return L;
}

void script_close(lua_State *L)
{
	if (L)
		lua_close(L);
}

int script_dofile(lua_State *L, const char *file, struct err *err)
{
	int rc;

	if (file)
		rc = luaL_loadfile(L, file);
	else
		rc = luaL_loadbuffer(L, lunet_default_src,
				     strlen(lunet_default_src), "=default");
	if (rc) {
		err_set(err, -1, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	/* For errors that lost their line to a tail call (lopts.c). */
	lua_pushstring(L, file ? file : "default");
	lua_setfield(L, LUA_REGISTRYINDEX, LNET_FILE);
	rc = pcall(L, 0, err);
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LNET_FILE);
	return rc;
}

int script_method(lua_State *L, int obj, const char *name, struct err *err)
{
	obj = lua_absindex(L, obj);
	lua_getfield(L, obj, name);
	lua_pushvalue(L, obj);
	return pcall(L, 1, err);
}

int script_lib(lua_State *L, const char *name, int idx, struct err *err)
{
	idx = lua_absindex(L, idx);
	lua_getglobal(L, "lunet");
	lua_getfield(L, -1, name);
	lua_remove(L, -2);
	lua_pushvalue(L, idx);
	return pcall(L, 1, err);
}

/* Pushes one "key=value" or "value" of a topology spec into the table on
 * top of the stack. */
static void spec_item(lua_State *L, const char *item, size_t len,
		      lua_Integer *pos)
{
	const char *eq = memchr(item, '=', len);
	const char *v = eq ? eq + 1 : item;
	size_t vlen = eq ? len - (size_t)(eq + 1 - item) : len;

	if (eq)
		lua_pushlstring(L, item, (size_t)(eq - item));
	lua_pushlstring(L, v, vlen);
	if (lua_stringtonumber(L, lua_tostring(L, -1)))
		lua_remove(L, -2);
	if (eq)
		lua_settable(L, -3);
	else
		lua_rawseti(L, -2, ++*pos);
}

int script_dotopo(lua_State *L, const char *spec, struct err *err)
{
	size_t nlen = strcspn(spec, ",");
	lua_Integer pos = 0;
	const char *p;
	size_t len;

	lua_getglobal(L, "lunet");
	lua_getfield(L, -1, "topo");
	lua_remove(L, -2);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return err_set(err, -1, "--topo: no topology generators");
	}
	lua_pushlstring(L, spec, nlen);
	if (lua_gettable(L, -2) != LUA_TFUNCTION) {
		lua_pop(L, 2);
		return err_set(err, -1, "--topo: unknown topology '%.*s'",
			       (int)nlen, spec);
	}
	lua_remove(L, -2);
	lua_newtable(L);
	for (p = spec + nlen; *p == ','; p += len) {
		p++;
		len = strcspn(p, ",");
		if (len)
			spec_item(L, p, len, &pos);
	}
	return pcall(L, 1, err);
}
