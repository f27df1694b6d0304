/*
 * The event log seen from Lua: levent() for the C side, lunet.event()
 * and lunet.events() for scripts.
 *
 * Events are Lua tables ({event=, t=, net=, ...}) kept in a ring in the
 * registry, for lunet.events() and for the lines a failing test shows, and
 * written as JSON lines through core/events to the run's log file when the
 * runner opened one (lunet test --artifacts DIR).
 */
#include <lauxlib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/observe/events.h"
#include "lua/lunet.h"

#define EVENTS_MT "lunet.events"
#define EVENTS "lunet.events.log"      /* registry: the log's userdata */
#define RING "lunet.events.ring"       /* seq % RING_SIZE -> event table */
#define RING_JSON "lunet.events.json"  /* seq % RING_SIZE -> its line */
#define RING_SIZE 4096
#define MAX_DEPTH 4

struct levents {
	struct events *ev;
	long long seq; /* events so far */
};

static struct levents *get(lua_State *L)
{
	struct levents *le;

	if (lua_getfield(L, LUA_REGISTRYINDEX, EVENTS) == LUA_TUSERDATA) {
		le = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return le;
	}
	lua_pop(L, 1);
	le = lua_newuserdatauv(L, sizeof(*le), 0);
	memset(le, 0, sizeof(*le));
	luaL_setmetatable(L, EVENTS_MT);
	le->ev = events_new();
	if (!le->ev)
		luaL_error(L, "out of memory");
	lua_setfield(L, LUA_REGISTRYINDEX, EVENTS);
	return le;
}

struct events *levents_get(lua_State *L)
{
	return get(L)->ev;
}

static int events_gc(lua_State *L)
{
	struct levents *le = lua_touserdata(L, 1);

	events_free(le->ev);
	le->ev = NULL;
	return 0;
}

/* ---- Lua values as JSON ------------------------------------------------- */

static void encode(lua_State *L, struct event_line *l, int idx, int depth);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Pushes the keys of the table at idx as strings, sorted, in a new array
 * (skipping those in skip); returns how many. */
static int sorted_keys(lua_State *L, int idx, const char *const *skip)
{
	const char **keys;
	int n = 0, i, k;

	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, ++n);
	}
	keys = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(*keys), 0);
	for (i = k = 0; i < n; i++) {
		const char *s;
		int j;

		lua_rawgeti(L, -2, i + 1);
		s = luaL_tolstring(L, -1, NULL);
		lua_rawseti(L, -4, i + 1); /* the string replaces the key */
		lua_pop(L, 1);
		for (j = 0; skip && skip[j] && strcmp(skip[j], s); j++)
			;
		if (!skip || !skip[j])
			keys[k++] = s;
	}
	qsort(keys, (size_t)k, sizeof(*keys), cmp_str);
	lua_newtable(L);
	for (i = 0; i < k; i++) {
		lua_pushstring(L, keys[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_replace(L, -3);
	lua_pop(L, 1);
	return k;
}

static bool is_array(lua_State *L, int idx)
{
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		count++;
	}
	return n > 0 && count == n;
}

static void encode_table(lua_State *L, struct event_line *l, int idx,
			 int depth, const char *const *skip)
{
	lua_Integer i, n;
	int k;

	if (is_array(L, idx)) {
		n = (lua_Integer)lua_rawlen(L, idx);
		event_open(l, '[');
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, idx, i);
			encode(L, l, lua_gettop(L), depth + 1);
			lua_pop(L, 1);
		}
		event_close(l, ']');
		return;
	}
	if (depth)
		event_open(l, '{');
	n = sorted_keys(L, idx, skip);
	for (k = 1; k <= n; k++) {
		lua_rawgeti(L, -1, k);
		event_key(l, lua_tostring(L, -1));
		if (lua_rawget(L, idx) == LUA_TNIL) {
			/* a non-string key: look it up by number */
			lua_pop(L, 1);
			lua_rawgeti(L, -1, k);
			lua_pushinteger(L, lua_tointeger(L, -1));
			lua_remove(L, -2);
			lua_rawget(L, idx);
		}
		encode(L, l, lua_gettop(L), depth + 1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (depth)
		event_close(l, '}');
}

static void encode(lua_State *L, struct event_line *l, int idx, int depth)
{
	size_t len;
	const char *s;

	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		event_null(l);
		break;
	case LUA_TBOOLEAN:
		event_bool(l, lua_toboolean(L, idx));
		break;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			event_int(l, lua_tointeger(L, idx));
		else
			event_num(l, lua_tonumber(L, idx));
		break;
	case LUA_TTABLE:
		if (depth < MAX_DEPTH) {
			encode_table(L, l, idx, depth, NULL);
			break;
		}
		/* Too deep: as a string, like anything else. */
		__attribute__((fallthrough));
	default:
		s = luaL_tolstring(L, idx, &len);
		event_str(l, s, len);
		lua_pop(L, 1);
	}
}

/* ---- Emitting ----------------------------------------------------------- */

/* Logs the event table at idx (it gets "t" and "seq"); returns its seq. */
static long long emit(lua_State *L, int idx)
{
	static const char *const skip[] = { "t", "ts", "event", "seq", "net",
					    NULL };
	struct levents *le = get(L);
	struct event_line l;
	struct timespec wall;
	double t = events_clock(le->ev);

	idx = lua_absindex(L, idx);
	clock_gettime(CLOCK_REALTIME, &wall);
	lua_getfield(L, idx, "event");
	event_begin(&l, t, (double)wall.tv_sec + wall.tv_nsec / 1e9,
		    luaL_optstring(L, -1, "event"));
	lua_pop(L, 1);
	if (lua_getfield(L, idx, "net") != LUA_TNIL) {
		event_key(&l, "net");
		encode(L, &l, lua_gettop(L), 1);
	}
	lua_pop(L, 1);
	encode_table(L, &l, idx, 0, skip);
	event_end(&l);
	/* A log that cannot be written must not stop the scenario. */
	events_write(le->ev, &l);

	le->seq++;
	lua_pushnumber(L, t);
	lua_setfield(L, idx, "t");
	lua_pushinteger(L, le->seq);
	lua_setfield(L, idx, "seq");
	lua_getfield(L, LUA_REGISTRYINDEX, RING);
	lua_pushvalue(L, idx);
	lua_rawseti(L, -2, le->seq % RING_SIZE);
	lua_getfield(L, LUA_REGISTRYINDEX, RING_JSON);
	lua_pushstring(L, l.buf ? l.buf : "{}");
	lua_rawseti(L, -2, le->seq % RING_SIZE);
	lua_pop(L, 2);
	event_line_free(&l);
	return le->seq;
}

long long levent_table(lua_State *L, int idx)
{
	return emit(L, idx);
}

long long levent(lua_State *L, const char *kind, ...)
{
	const char *spec, *colon;
	char key[64];
	long long seq;
	va_list ap;
	size_t n;

	lua_createtable(L, 0, 6);
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "event");
	va_start(ap, kind);
	while ((spec = va_arg(ap, const char *))) {
		colon = strchr(spec, ':');
		n = colon ? (size_t)(colon - spec) : strlen(spec);
		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, spec, n);
		key[n] = '\0';
		switch (colon ? colon[1] : 's') {
		case 'i':
			lua_pushinteger(L, va_arg(ap, long long));
			break;
		case 'f':
			lua_pushnumber(L, va_arg(ap, double));
			break;
		case 'b':
			lua_pushboolean(L, va_arg(ap, int));
			break;
		default:
			lua_pushstring(L, va_arg(ap, const char *));
		}
		lua_setfield(L, -2, key);
	}
	va_end(ap);
	seq = emit(L, -1);
	lua_pop(L, 1);
	return seq;
}

/* lunet.event(kind [, fields]): logs an event of the script's own. */
static int l_event(lua_State *L)
{
	const char *kind = luaL_checkstring(L, 1);

	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TTABLE);
	lua_newtable(L);
	if (lua_istable(L, 2)) {
		lua_pushnil(L);
		while (lua_next(L, 2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, -4);
		}
	}
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "event");
	lua_pushinteger(L, emit(L, -1));
	return 1;
}

/* Whether the event on top matches filter at idx: a kind, or a table of
 * fields that must all be equal. */
static bool matches(lua_State *L, int filter)
{
	bool ok = true;

	if (lua_isnoneornil(L, filter))
		return true;
	if (lua_type(L, filter) == LUA_TSTRING) {
		lua_getfield(L, -1, "event");
		ok = lua_rawequal(L, -1, filter);
		lua_pop(L, 1);
		return ok;
	}
	lua_pushnil(L);
	while (ok && lua_next(L, filter)) {
		lua_pushvalue(L, -2);
		lua_gettable(L, -4);
		ok = lua_compare(L, -1, -2, LUA_OPEQ);
		lua_pop(L, 2);
	}
	if (!ok)
		lua_pop(L, 1); /* the key lua_next left */
	return ok;
}

/* lunet.events([filter [, since]]): the events logged since seq since
 * (default: the start of the current test), oldest first, that match
 * filter (an event kind, or a table of fields). */
static int l_events(lua_State *L)
{
	struct levents *le = get(L);
	long long since = luaL_optinteger(L, 2, -1), s;
	lua_Integer n = 0;

	if (since < 0) {
		lua_getfield(L, LUA_REGISTRYINDEX, "lunet.events.mark");
		since = lua_tointeger(L, -1);
		lua_pop(L, 1);
	}
	if (since < le->seq - RING_SIZE + 1)
		since = le->seq - RING_SIZE + 1;
	if (since < 1)
		since = 1;
	lua_settop(L, 1);
	lua_newtable(L);
	lua_getfield(L, LUA_REGISTRYINDEX, RING);
	for (s = since; s <= le->seq; s++) {
		lua_rawgeti(L, -1, s % RING_SIZE);
		if (matches(L, 1))
			lua_rawseti(L, 2, ++n);
		else
			lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return 1;
}

/* lunet._mark(): the seq of the last event, which lunet.events() now
 * starts after. */
static int l_mark(lua_State *L)
{
	struct levents *le = get(L);

	lua_pushinteger(L, le->seq + 1);
	lua_setfield(L, LUA_REGISTRYINDEX, "lunet.events.mark");
	lua_pushinteger(L, le->seq);
	return 1;
}

/* lunet._event_lines(from, to): the JSON lines of events from..to. */
static int l_event_lines(lua_State *L)
{
	struct levents *le = get(L);
	long long from = luaL_checkinteger(L, 1);
	long long to = luaL_optinteger(L, 2, le->seq), s;
	lua_Integer n = 0;

	if (from < le->seq - RING_SIZE + 1)
		from = le->seq - RING_SIZE + 1;
	if (from < 1)
		from = 1;
	if (to > le->seq)
		to = le->seq;
	lua_newtable(L);
	lua_getfield(L, LUA_REGISTRYINDEX, RING_JSON);
	for (s = from; s <= to; s++) {
		lua_rawgeti(L, -1, s % RING_SIZE);
		lua_rawseti(L, -3, ++n);
	}
	lua_pop(L, 1);
	return 1;
}

/* lunet._events_open(path | nil): where the log's lines go. */
static int l_events_open(lua_State *L)
{
	const char *path = luaL_optstring(L, 1, NULL);
	int rc = events_open(get(L)->ev, path);

	if (rc)
		return luaL_error(L, "%s: %s", path, strerror(-rc));
	return 0;
}

void levent_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "event", l_event },
		{ "events", l_events },
		{ "_mark", l_mark },
		{ "_event_lines", l_event_lines },
		{ "_events_open", l_events_open },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, EVENTS_MT);
	lua_pushcfunction(L, events_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, RING);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, RING_JSON);
	get(L);
	luaL_setfuncs(L, fns, 0);
}
