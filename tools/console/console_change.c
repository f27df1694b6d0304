/*
 * The console's changes to the running network: add, remove and apply,
 * made through the Lua API a script uses (net:host(), net:link(),
 * node:remove(), link:remove(), net:apply()), so that they are checked,
 * built, recorded and logged the same way.
 */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lunet.h"
#include "tools/console/console_int.h"
#include "topo/topo.h"

/* Runs chunk (one Lua function taking net and then the words of argv
 * from first on) as command cmd.  Returns the exit status. */
static int run_lua(struct console *c, const char *cmd, const char *chunk,
		   int argc, char **argv, int first)
{
	lua_State *L = c->L;
	int i;

	if (luaL_loadbuffer(L, chunk, strlen(chunk), "=console") != LUA_OK) {
		console_fail(c, cmd, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return 1;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
	for (i = first; i < argc; i++)
		lua_pushstring(L, argv[i]);
	return console_pcall(c, cmd, argc - first + 1, 0) ? 1 : 0;
}

/* add host|switch|router NAME [PEER...]: the peers are checked before
 * anything is made. */
static const char add_node_lua[] =
	"local net, kind, name = ...\n"
	"local peers = {}\n"
	"for i = 4, select('#', ...) do\n"
	"  local p = select(i, ...)\n"
	"  peers[#peers + 1] = net:node(p) or\n"
	"    error(\"unknown node '\" .. p .. \"'\", 0)\n"
	"end\n"
	"net:change(function()\n"
	"  local n = net[kind](net, name)\n"
	"  for _, p in ipairs(peers) do net:link(n, p) end\n"
	"end)\n";

/* add link A B [KEY=VALUE...]: the link's options, numbers where they
 * look like numbers. */
static const char add_link_lua[] =
	"local net, a, b = ...\n"
	"local opts = {}\n"
	"for i = 4, select('#', ...) do\n"
	"  local w = select(i, ...)\n"
	"  local k, v = w:match('^([%w_]+)=(.*)$')\n"
	"  if not k then error(\"'\" .. w .. \"' is not KEY=VALUE\", 0) end\n"
	"  opts[k] = tonumber(v) or v\n"
	"end\n"
	"local function node(x)\n"
	"  return net:node(x) or error(\"unknown node '\" .. x .. \"'\", 0)\n"
	"end\n"
	"net:link(node(a), node(b), opts)\n";

int console_add(struct console *c, int argc, char **argv, const char *rest,
		struct console_run *run)
{
	enum topo_kind kind;

	if (!strcmp(argv[1], "link")) {
		if (argc < 4)
			return console_fail(c, "add", "usage: add link A B "
					    "[KEY=VALUE...]");
		return run_lua(c, "add", add_link_lua, argc, argv, 2);
	}
	if (topo_kind_parse(argv[1], &kind))
		return console_fail(c, "add", "'%s' is not one of host, "
				    "switch, router, link", argv[1]);
	if (argc < 3)
		return console_fail(c, "add", "usage: add %s NAME [PEER...]",
				    argv[1]);
	return run_lua(c, "add", add_node_lua, argc, argv, 1);
}

static const char remove_node_lua[] =
	"local net, name = ...\n"
	"local n = net:node(name) or\n"
	"  error(\"unknown node '\" .. name .. \"'\", 0)\n"
	"n:remove()\n";

static const char remove_link_lua[] =
	"local net, a, b = ...\n"
	"local l = net:link_between(a, b) or\n"
	"  error('no link between ' .. a .. ' and ' .. b, 0)\n"
	"l:remove()\n";

int console_remove(struct console *c, int argc, char **argv,
		   const char *rest, struct console_run *run)
{
	if (!strcmp(argv[1], "node") && argc == 3)
		return run_lua(c, "remove", remove_node_lua, argc, argv, 2);
	if (!strcmp(argv[1], "link") && argc == 4)
		return run_lua(c, "remove", remove_link_lua, argc, argv, 2);
	return console_fail(c, "remove", "usage: remove node NAME | remove "
			    "link A B");
}

/* apply FILE [--dry-run]: the difference printed, then made. */
int console_apply(struct console *c, int argc, char **argv,
		  const char *rest, struct console_run *run)
{
	lua_State *L = c->L;
	const char *file = NULL;
	bool dry = false;
	lua_Integer i, n;
	int k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--dry-run") || !strcmp(argv[k], "-n"))
			dry = true;
		else if (!file)
			file = argv[k];
		else
			return console_fail(c, "apply", "usage: apply FILE "
					    "[--dry-run]");
	}
	if (!file)
		return console_fail(c, "apply", "usage: apply FILE [--dry-run]");
	lua_pushstring(L, file);
	lua_createtable(L, 0, 1);
	lua_pushboolean(L, dry);
	lua_setfield(L, -2, "dry_run");
	if (console_call(c, "apply", lapply_net, 2, 1))
		return 1;
	n = (lua_Integer)lua_rawlen(L, -1);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		fprintf(c->out, "%s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	if (!n)
		fprintf(c->out, "apply: no difference\n");
	else if (dry)
		fprintf(c->out, "apply: dry run, nothing changed\n");
	lua_pop(L, 1);
	return 0;
}
