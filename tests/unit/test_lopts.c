/* Unit tests for lua/lopts.c: the messages of options tables refused
 * (unknown keys, wrong types, not a table), where they point, the typed
 * getters, and lunet._check_opts() from Lua.  Only Lua and lopts.o. */
#include <lauxlib.h>
#include <lualib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/impair/impair.h"
#include "lua/lopts.h"
#include "lua/lunet.h"

static const struct lopt known[] = {
	{ "n", LOPT_INTEGER },
	{ "b", LOPT_BOOLEAN },
	{ "d", LOPT_DURATION },
	{ "s", LOPT_STRING },
	{ "old", LOPT_INTEGER | LOPT_HIDDEN },
	{ NULL, 0 },
};

/* check(t): lopts_check() of t, as a binding does it. */
static int l_check(lua_State *L)
{
	lopts_check(L, 1, known, "check(%s)", "x");
	return 0;
}

static int l_none(lua_State *L)
{
	static const struct lopt nothing[] = { { NULL, 0 } };

	lopts_check(L, 1, nothing, "none()");
	return 0;
}

/* get(t): the getters' values, as a string. */
static int l_get(lua_State *L)
{
	const char *s;

	lopts_check(L, 1, known, "get()");
	s = lopts_string(L, 1, "s");
	/* Lua's %f is %.14g */
	lua_pushfstring(L, "%d %d %f %s", (int)lopts_integer(L, 1, "n", -1),
			(int)lopts_boolean(L, 1, "b", true),
			(double)lopts_number(L, 1, "d", 0.5), s ? s : "-");
	return 1;
}

static lua_State *state(void)
{
	lua_State *L = luaL_newstate();

	assert_non_null(L);
	luaL_openlibs(L);
	lua_register(L, "check", l_check);
	lua_register(L, "none", l_none);
	lua_register(L, "get", l_get);
	lua_newtable(L);
	lopts_open(L);
	lua_setglobal(L, "lunet");
	return L;
}

/* Runs chunk (named t.lua); returns its error message, or "ok", or the
 * string it returned. */
static const char *run(lua_State *L, const char *chunk)
{
	if (luaL_loadbuffer(L, chunk, strlen(chunk), "=t.lua") ||
	    lua_pcall(L, 0, 1, 0))
		return lua_tostring(L, -1);
	return lua_isstring(L, -1) ? lua_tostring(L, -1) : "ok";
}

static void test_accepted(void **state_)
{
	lua_State *L = state();

	assert_string_equal(run(L, "check{}"), "ok");
	assert_string_equal(run(L, "check()"), "ok");
	assert_string_equal(run(L, "check(nil)"), "ok");
	assert_string_equal(run(L, "check{n = 3, b = false, d = '200ms', "
				   "s = 'x', old = 1}"), "ok");
	assert_string_equal(run(L, "check{n = 3.0, d = 1.5}"), "ok");
	lua_close(L);
}

static void test_unknown(void **state_)
{
	lua_State *L = state();

	/* sorted, the alias not listed */
	assert_string_equal(run(L, "\ncheck{ nn = 1 }"),
			    "t.lua:2: check(x): unknown option 'nn' (it "
			    "takes: b, d, n, s)");
	assert_string_equal(run(L, "check{ 5 }"),
			    "t.lua:1: check(x): unknown option [1] (it takes: "
			    "b, d, n, s)");
	assert_string_equal(run(L, "check{ [true] = 1 }"),
			    "t.lua:1: check(x): unknown option [boolean] (it "
			    "takes: b, d, n, s)");
	assert_string_equal(run(L, "none{ x = 1 }"),
			    "t.lua:1: none(): unknown option 'x' (it takes "
			    "none)");
	lua_close(L);
}

static void test_types(void **state_)
{
	lua_State *L = state();

	assert_string_equal(run(L, "check{ n = '3' }"),
			    "t.lua:1: check(x): option 'n' must be an integer "
			    "(got string)");
	assert_string_equal(run(L, "check{ n = 1.5 }"),
			    "t.lua:1: check(x): option 'n' must be an integer "
			    "(got number 1.5)");
	assert_string_equal(run(L, "check{ b = 0 }"),
			    "t.lua:1: check(x): option 'b' must be a boolean "
			    "(got number 0)");
	assert_string_equal(run(L, "check{ d = {} }"),
			    "t.lua:1: check(x): option 'd' must be a number or "
			    "a string (got table)");
	assert_string_equal(run(L, "check{ s = io.stdout }"),
			    "t.lua:1: check(x): option 's' must be a string "
			    "(got FILE*)");
	assert_string_equal(run(L, "check('fast')"),
			    "t.lua:1: check(x): options must be a table (got "
			    "string)");
	lua_close(L);
}

#define TAIL                                                                  \
	"local function f(o) lunet._check_opts(o, 'f()', {}) end\n"          \
	"return f{ z = 1 }"

static void test_where(void **state_)
{
	lua_State *L = state();

	/* through pcall (C): the Lua line that called it */
	assert_string_equal(run(L, "local ok, e = pcall(check, { z = 1 })\n"
				   "return e"),
			    "t.lua:1: check(x): unknown option 'z' (it takes: "
			    "b, d, n, s)");
	/* a tail call to a Lua function keeps no line of its caller: the
	 * file being run, when known */
	assert_string_equal(run(L, TAIL), "f(): unknown option 'z' (it takes "
					  "none)");
	lua_pushstring(L, "topo.lua");
	lua_setfield(L, LUA_REGISTRYINDEX, LNET_FILE);
	assert_string_equal(run(L, TAIL), "topo.lua: f(): unknown option 'z' "
					  "(it takes none)");
	lua_close(L);
}

static void test_getters(void **state_)
{
	lua_State *L = state();

	assert_string_equal(run(L, "return get{ n = 4, b = false, d = 2, "
				   "s = 'y' }"),
			    "4 0 2.0 y");
	assert_string_equal(run(L, "return get{ n = 4.0 }"),
			    "4 1 0.5 -");
	assert_string_equal(run(L, "return get()"), "-1 1 0.5 -");
	lua_close(L);
}

static void test_from_lua(void **state_)
{
	lua_State *L = state();

	/* level 2, as for error(): the line that called f */
	assert_string_equal(run(L, "local function f(o)\n"
				   "  lunet._check_opts(o, 'f()', { every = "
				   "'duration', n = 'integer|string' })\n"
				   "end\n"
				   "f{ evry = 1 }"),
			    "t.lua:4: f(): unknown option 'evry' (it takes: "
			    "every, n)");
	assert_string_equal(run(L, "local function f(o)\n"
				   "  lunet._check_opts(o, 'f()', { n = "
				   "'integer|string' })\n"
				   "end\n"
				   "f{ n = true }"),
			    "t.lua:4: f(): option 'n' must be an integer or a "
			    "string (got boolean)");
	assert_string_equal(run(L, "return lunet._check_opts({ a = 1 }, 'w', "
				   "{ a = 'number' }).a == 1 and 'same' or "
				   "'other'"),
			    "same");
	assert_non_null(strstr(run(L, "lunet._check_opts({}, 'w', { a = "
				      "'colour' })"),
			       "no type 'colour'"));
	assert_string_equal(run(L, "local function f() return "
				   "lunet._where(2) end\nreturn f()"),
			    "");
	assert_string_equal(run(L, "local function f() return "
				   "lunet._where(2) end\nlocal w = f()\n"
				   "return w"),
			    "t.lua:2: ");
	lua_close(L);
}

/* LIMPAIR_OPTS, the impairment keys of net:link() and l:impair{}, are
 * exactly the parameters core/impair knows, aliases hidden. */
static void test_impair_keys(void **state_)
{
	static const struct lopt imp[] = { LIMPAIR_OPTS, { NULL, 0 } };
	const struct lopt *o;
	int p, listed = 0;

	for (o = imp; o->name; o++) {
		assert_int_not_equal(impair_param_find(o->name), IMP_NPARAMS);
		listed += !(o->type & LOPT_HIDDEN);
	}
	for (p = 0; p < IMP_NPARAMS; p++) {
		for (o = imp; o->name; o++)
			if (!strcmp(o->name, impair_param_name(p)))
				break;
		assert_non_null(o->name);
		assert_false(o->type & LOPT_HIDDEN);
	}
	assert_int_equal(listed, IMP_NPARAMS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_from_lua),
		cmocka_unit_test(test_impair_keys),
	};

	return cmocka_run_group_tests_name("lopts", tests, NULL, NULL);
}
