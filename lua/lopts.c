/*
 * Options tables, checked before they are read: a key the call does not
 * take, or a value of the wrong type, is an error naming it.  Mininet's
 * TCLink takes "dealy = 10" without a word and builds a link without
 * delay; here that is "t.lua:4: net:link(h1, s1): unknown option 'dealy'
 * (it takes: corrupt, delay, ...)".
 */
#include <lauxlib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lopts.h"
#include "lua/lunet.h"

/* More than any call takes; the names past it are not listed. */
#define MAX_LISTED 64

void lopts_where(lua_State *L, int level)
{
	lua_Debug ar;

	for (; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
		return;
	}
	if (lua_getfield(L, LUA_REGISTRYINDEX, LNET_FILE) == LUA_TSTRING) {
		lua_pushfstring(L, "%s: ", lua_tostring(L, -1));
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	lua_pushliteral(L, "");
}

static const struct lopt *find(const struct lopt *known, const char *key)
{
	for (; known->name; known++)
		if (!strcmp(known->name, key))
			return known;
	return NULL;
}

static bool type_ok(lua_State *L, int idx, int type)
{
	int isnum;

	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		return type & LOPT_STRING;
	case LUA_TNUMBER:
		if (type & LOPT_NUMBER)
			return true;
		lua_tointegerx(L, idx, &isnum); /* 3.0 is 3, 3.5 is not */
		return (type & LOPT_INTEGER) && isnum;
	case LUA_TBOOLEAN:
		return type & LOPT_BOOLEAN;
	case LUA_TTABLE:
		return type & LOPT_TABLE;
	case LUA_TFUNCTION:
		return type & LOPT_FUNCTION;
	case LUA_TUSERDATA:
		return (type & LOPT_NODE) && luaL_testudata(L, idx, LNODE_MT);
	}
	return false;
}

/* Adds "an integer", "a number or a string", ... to b. */
static void add_types(luaL_Buffer *b, int type)
{
	static const struct {
		int type;
		const char *text;
	} names[] = {
		{ LOPT_NODE, "a node" },	 { LOPT_INTEGER, "an integer" },
		{ LOPT_NUMBER, "a number" },	 { LOPT_STRING, "a string" },
		{ LOPT_BOOLEAN, "a boolean" },	 { LOPT_TABLE, "a table" },
		{ LOPT_FUNCTION, "a function" },
	};
	size_t i, n = 0, left = 0;

	if (type & LOPT_NUMBER)
		type &= ~LOPT_INTEGER;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		left += (type & names[i].type) != 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(type & names[i].type))
			continue;
		if (n++)
			luaL_addstring(b, n == left ? " or " : ", ");
		luaL_addstring(b, names[i].text);
	}
}

/* Adds what the value at idx is: its type, its value for a number that
 * is not the integer wanted, its type's name for a handle. */
static void add_got(luaL_Buffer *b, lua_State *L, int idx)
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_pushfstring(L, "number %s", lua_tostring(L, idx));
		luaL_addvalue(b);
	} else if (lua_type(L, idx) == LUA_TUSERDATA &&
		   luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
		luaL_addvalue(b); /* "lunet.link" says more than "userdata" */
	} else {
		luaL_addstring(b, luaL_typename(L, idx));
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the names of known, sorted, without the aliases. */
static void add_known(luaL_Buffer *b, const struct lopt *known)
{
	const char *names[MAX_LISTED];
	size_t n = 0, i;

	for (; known->name && n < MAX_LISTED; known++)
		if (!(known->type & LOPT_HIDDEN))
			names[n++] = known->name;
	if (!n) {
		luaL_addstring(b, "it takes none");
		return;
	}
	qsort(names, n, sizeof(names[0]), by_name);
	luaL_addstring(b, "it takes: ");
	for (i = 0; i < n; i++) {
		if (i)
			luaL_addstring(b, ", ");
		luaL_addstring(b, names[i]);
	}
}

/* Starts the message of an error about the call at level: where, what
 * (formatted with ap unless it is NULL) and ": "; the caller adds the
 * rest to b, then calls fail(). */
static void begin(lua_State *L, luaL_Buffer *b, int level, const char *what,
		  va_list *ap)
{
	luaL_buffinit(L, b);
	lopts_where(L, level);
	luaL_addvalue(b);
	if (ap)
		lua_pushvfstring(L, what, *ap);
	else
		lua_pushstring(L, what);
	luaL_addvalue(b);
	luaL_addstring(b, ": ");
}

static void fail(luaL_Buffer *b, lua_State *L)
{
	luaL_pushresult(b);
	lua_error(L);
}

/* The key at idx, in quotes when it is a name, else as [1] or [table]. */
static void add_key(luaL_Buffer *b, lua_State *L, int idx)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		lua_pushfstring(L, "'%s'", lua_tostring(L, idx));
	} else if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_pushfstring(L, "[%s]", lua_tostring(L, idx));
	} else {
		lua_pushfstring(L, "[%s]", luaL_typename(L, idx));
	}
	luaL_addvalue(b);
}

static void check(lua_State *L, int idx, const struct lopt *known, int level,
		  const char *what, va_list *ap)
{
	const struct lopt *o;
	luaL_Buffer b;
	int key, val;

	if (lua_isnoneornil(L, idx))
		return;
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx)) {
		begin(L, &b, level, what, ap);
		luaL_addstring(&b, "options must be a table (got ");
		add_got(&b, L, idx);
		luaL_addchar(&b, ')');
		fail(&b, L);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		/* Absolute: the buffer of a message may take stack slots. */
		key = lua_absindex(L, -2);
		val = key + 1;
		/* lua_tostring() would turn a number key into a string and
		 * confuse lua_next(): only real strings are names. */
		o = lua_type(L, key) == LUA_TSTRING ?
			    find(known, lua_tostring(L, key)) : NULL;
		if (!o) {
			begin(L, &b, level, what, ap);
			luaL_addstring(&b, "unknown option ");
			add_key(&b, L, key);
			luaL_addstring(&b, " (");
			add_known(&b, known);
			luaL_addchar(&b, ')');
			fail(&b, L);
		}
		if (!type_ok(L, val, o->type)) {
			begin(L, &b, level, what, ap);
			lua_pushfstring(L, "option '%s' must be ", o->name);
			luaL_addvalue(&b);
			add_types(&b, o->type);
			luaL_addstring(&b, " (got ");
			add_got(&b, L, val);
			luaL_addchar(&b, ')');
			fail(&b, L);
		}
		lua_pop(L, 1);
	}
}

void lopts_check(lua_State *L, int idx, const struct lopt *known,
		 const char *what, ...)
{
	va_list ap;

	va_start(ap, what);
	check(L, idx, known, 1, what, &ap);
	va_end(ap);
}

/* Pushes option key of the table at idx, or nil without a table. */
static int get(lua_State *L, int idx, const char *key)
{
	if (lua_isnoneornil(L, idx)) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	return lua_getfield(L, idx, key);
}

const char *lopts_string(lua_State *L, int idx, const char *key)
{
	const char *s = NULL;

	if (get(L, idx, key) == LUA_TSTRING)
		s = lua_tostring(L, -1);
	lua_pop(L, 1); /* s stays valid: the table holds it */
	return s;
}

lua_Integer lopts_integer(lua_State *L, int idx, const char *key,
			  lua_Integer def)
{
	lua_Integer v = def;
	int isnum;

	if (get(L, idx, key) == LUA_TNUMBER) {
		v = lua_tointegerx(L, -1, &isnum);
		if (!isnum)
			v = def;
	}
	lua_pop(L, 1);
	return v;
}

lua_Number lopts_number(lua_State *L, int idx, const char *key,
			lua_Number def)
{
	lua_Number v = def;

	if (get(L, idx, key) == LUA_TNUMBER)
		v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

bool lopts_boolean(lua_State *L, int idx, const char *key, bool def)
{
	bool v = def;

	if (get(L, idx, key) != LUA_TNIL)
		v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* ---- From Lua ------------------------------------------------------------ */

/* The type of a _check_opts() spec: "integer", "number|string", ... */
static int parse_type(lua_State *L, const char *s)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
		{ "string", LOPT_STRING },   { "integer", LOPT_INTEGER },
		{ "number", LOPT_NUMBER },   { "boolean", LOPT_BOOLEAN },
		{ "node", LOPT_NODE },	     { "table", LOPT_TABLE },
		{ "function", LOPT_FUNCTION }, { "duration", LOPT_DURATION },
	};
	const char *p = s;
	int type = 0;
	size_t n, i;

	while (*p) {
		n = strcspn(p, "|");
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strlen(types[i].name) == n &&
			    !strncmp(types[i].name, p, n))
				break;
		if (i == sizeof(types) / sizeof(types[0]))
			luaL_error(L, "_check_opts: no type '%s'", s);
		type |= types[i].type;
		p += n + (p[n] == '|');
	}
	return type;
}

/* lunet._check_opts(o, what, spec [, level]): o checked against spec
 * ({name = "integer", other = "number|string"}), errors pointing at the
 * call level up (2, as for error(): the caller of the function checking
 * its options).  Returns o. */
static int l_check_opts(lua_State *L)
{
	const char *what = luaL_checkstring(L, 2);
	int level = (int)luaL_optinteger(L, 4, 2);
	struct lopt *known;
	size_t n = 0, i = 0;

	luaL_checktype(L, 3, LUA_TTABLE);
	lua_settop(L, 4);
	lua_pushnil(L);
	while (lua_next(L, 3)) {
		n++;
		lua_pop(L, 1);
	}
	known = lua_newuserdatauv(L, (n + 1) * sizeof(*known), 0);
	lua_pushnil(L);
	while (lua_next(L, 3)) {
		/* the names and types stay valid: spec holds them */
		if (lua_type(L, -2) != LUA_TSTRING)
			return luaL_error(L, "_check_opts: keys are names");
		known[i].name = lua_tostring(L, -2);
		known[i].type = parse_type(L, luaL_checkstring(L, -1));
		i++;
		lua_pop(L, 1);
	}
	known[n].name = NULL;
	check(L, 1, known, level, what, NULL);
	lua_settop(L, 1);
	return 1;
}

/* lunet._where([level]): where an error about the call at level (1, as
 * for error()) points: "file:line: ", or "" when there is no such line. */
static int l_where(lua_State *L)
{
	lopts_where(L, (int)luaL_optinteger(L, 1, 1));
	return 1;
}

void lopts_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "_check_opts", l_check_opts },
		{ "_where", l_where },
		{ NULL, NULL },
	};

	luaL_setfuncs(L, fns, 0);
}
