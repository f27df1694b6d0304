/* The console's capture command: captures (lcapture.c) that run on the
 * console's loop while other commands go on, listed by number.
 *
 *   capture                              list them
 *   capture A B [FILE] [FILTER...]       the link between A and B
 *   capture NODE[:IF] FILE [FILTER...]   one interface, or every one
 *   capture stop [ID]                    stop one, or all */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/observe/capture.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define CAPS "lunet.console.captures" /* id -> capture; "next" -> id */

/* Pushes the table of the console's captures. */
static void push_caps(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, CAPS) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushinteger(L, 1);
	lua_setfield(L, -2, "next");
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, CAPS);
}

/* Calls method name of the capture on top (popped), leaving one result. */
static void call_method(lua_State *L, const char *name)
{
	lua_getfield(L, -1, name);
	lua_insert(L, -2);
	lua_call(L, 1, 1);
}

static void print_cap(struct console *c, lua_Integer id, const char *verb)
{
	lua_State *L = c->L;
	lua_Integer n;
	bool running;

	lua_getfield(L, -1, "target");
	lua_getfield(L, -2, "file");
	lua_pushvalue(L, -3);
	call_method(L, "running");
	running = lua_toboolean(L, -1);
	lua_pushvalue(L, -4);
	call_method(L, verb);
	n = lua_tointeger(L, -1);
	fprintf(c->out, "%-3lld %-16s %-32s %8lld packets%s\n", (long long)id,
		lua_tostring(L, -4), lua_tostring(L, -3), (long long)n,
		!strcmp(verb, "stop") ? ", stopped"
		: running	      ? ""
				      : " (stopped)");
	lua_pop(L, 4);
}

/* "capture": the captures, running or stopped by themselves. */
static int l_list(lua_State *L)
{
	struct console *c = lua_touserdata(L, 2);

	push_caps(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_isinteger(L, -2))
			print_cap(c, lua_tointeger(L, -2), "count");
		lua_pop(L, 1);
	}
	return 0;
}

/* "capture stop [ID]". */
static int l_stop(lua_State *L)
{
	struct console *c = lua_touserdata(L, 2);
	lua_Integer id, i, k;
	int found = 0;

	push_caps(L);
	lua_getfield(L, -1, "next");
	k = lua_tointeger(L, -1);
	lua_pop(L, 1);
	for (id = luaL_optinteger(L, 3, 0), i = 1; i < k; i++) {
		if (id && i != id)
			continue;
		if (lua_rawgeti(L, -1, i) == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		print_cap(c, i, "stop");
		lua_pop(L, 1);
		lua_pushnil(L);
		lua_rawseti(L, -2, i);
		found++;
	}
	if (id && !found)
		return luaL_error(L, "no capture %d", (int)id);
	return 0;
}

/* Whether word names a file rather than starting the filter. */
static bool is_file(const char *w)
{
	size_t n = strlen(w);

	return strchr(w, '/') || (n > 5 && !strcmp(w + n - 5, ".pcap"));
}

/* Opens the capture of argv (after the network at 1, the console at 2,
 * argc at 3): the link between argv[1] and argv[2] or the target
 * argv[1], into a file. */
static int l_open(lua_State *L)
{
	struct console *c = lua_touserdata(L, 2);
	char **argv = lua_touserdata(L, 3);
	int argc = (int)lua_tointeger(L, 4), first;
	struct capture_opts o = {0};
	const struct topo *t = c->n->topo;
	struct capture_spec sp;
	char spec[300], file[512];
	struct err err;
	uint32_t a, b;

	a = topo_node_find(t, argv[1]);
	b = argc > 2 ? topo_node_find(t, argv[2]) : TOPO_NONE;
	if (a != TOPO_NONE && b != TOPO_NONE) {
		snprintf(spec, sizeof(spec), "%s,%s", argv[1], argv[2]);
		first = 3;
		if (argc > 3 && is_file(argv[3]))
			snprintf(file, sizeof(file), "%s", argv[first++]);
		else
			snprintf(file, sizeof(file), "/tmp/lunet-%s-%s-%s.pcap",
				 t->name, argv[1], argv[2]);
	} else {
		if (argc < 3)
			return luaL_error(L, "usage: capture NODE[:IF] FILE "
					     "[FILTER...]");
		snprintf(spec, sizeof(spec), "%s", argv[1]);
		snprintf(file, sizeof(file), "%s", argv[2]);
		first = 3;
	}
	err_clear(&err);
	if (capture_spec_parse(t, spec, &sp, &err))
		return luaL_error(L, "%s", err.msg);
	if (argc > first) {
		o.filter = capture_join(argv + first, argc - first);
		if (!o.filter)
			return luaL_error(L, "out of memory");
		lua_pushstring(L, o.filter);
		free((char *)o.filter);
		o.filter = lua_tostring(L, -1);
	}
	lcapture_push(L, 1, &sp, file, &o);
	push_caps(L);
	lua_getfield(L, -1, "next");
	lua_pushvalue(L, -3);
	lua_rawseti(L, -3, lua_tointeger(L, -2));
	fprintf(c->out, "capture %lld: ", (long long)lua_tointeger(L, -1));
	lua_pushinteger(L, lua_tointeger(L, -1) + 1);
	lua_setfield(L, -3, "next");
	lua_getfield(L, -3, "target");
	lua_getfield(L, -4, "file");
	fprintf(c->out, "%s into %s\n", lua_tostring(L, -2),
		lua_tostring(L, -1));
	return 0;
}

int console_capture(struct console *c, int argc, char **argv, const char *rest,
		    struct console_run *run)
{
	lua_State *L = c->L;

	lua_pushlightuserdata(L, c);
	if (argc == 1)
		return console_call(c, "capture", l_list, 1, 0) ? 1 : 0;
	if (!strcmp(argv[1], "stop")) {
		if (argc > 3)
			return console_fail(c, "capture",
					    "unexpected '%s' (usage: capture "
					    "stop [ID])",
					    argv[3]);
		if (argc == 3 && !atoi(argv[2]))
			return console_fail(c, "capture", "no capture '%s'",
					    argv[2]);
		lua_pushinteger(L, argc == 3 ? atoi(argv[2]) : 0);
		return console_call(c, "capture", l_stop, 2, 0) ? 1 : 0;
	}
	lua_pushlightuserdata(L, argv);
	lua_pushinteger(L, argc);
	return console_call(c, "capture", l_open, 3, 0) ? 1 : 0;
}
