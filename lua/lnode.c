/* Node handles: net:host(), net:node(), node:cmd(), node:spawn(). */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/sys/proc.h"
#include "core/control/state.h"
#include "lua/lunet.h"
#include "topo/topo.h"

/* Builds argv from the call's arguments from index first: one string is
 * a shell command line; several strings, or one table, are argv. */
static char **build_argv(lua_State *L, int first)
{
	int top = lua_gettop(L), n, i;
	char **argv;

	if (top < first)
		luaL_error(L, "a command is required");
	if (top == first && lua_istable(L, first)) {
		n = (int)luaL_len(L, first);
		argv = lua_newuserdatauv(L, (n + 1) * sizeof(*argv), 0);
		for (i = 0; i < n; i++) {
			lua_rawgeti(L, first, i + 1);
			argv[i] = (char *)luaL_checkstring(L, -1);
			lua_pop(L, 1); /* the table keeps the string */
		}
		argv[n] = NULL;
		return argv;
	}
	if (top == first) {
		argv = lua_newuserdatauv(L, 4 * sizeof(*argv), 0);
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)luaL_checkstring(L, first);
		argv[3] = NULL;
		return argv;
	}
	n = top - first + 1;
	argv = lua_newuserdatauv(L, (n + 1) * sizeof(*argv), 0);
	for (i = 0; i < n; i++)
		argv[i] = (char *)luaL_checkstring(L, first + i);
	argv[n] = NULL;
	return argv;
}

static int l_cmd(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	char path[128];
	char **argv;

	lnet_need_running(L, n);
	argv = build_argv(L, 2);
	if (emu_remote(n->emu)) {
		struct emu_command *c = lua_newuserdatauv(L, sizeof(*c), 0);
		int rc = emu_node_command(n->emu, i, argv, false, c);

		if (rc)
			return luaL_error(L, "node %s: %s", n->topo->nodes[i].name,
					  strerror(-rc));
		return lcmd_run(L, c->nspath, c->argv, n->topo->nodes[i].name);
	}
	emu_nspath(n->emu, i, path, sizeof(path));
	/* Waits on the event loop, so timers, probes and flaps go on. */
	return lcmd_run(L, path, argv, n->topo->nodes[i].name);
}

static int open_log(struct lnet *n, uint32_t i)
{
	char file[200], path[300];

	snprintf(file, sizeof(file), "%s.log", n->topo->nodes[i].name);
	if (state_path(path, sizeof(path), n->topo->name, file))
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static int l_spawn(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	struct proc_opts o = { .in = -1, .new_session = 1 };
	char path[128];
	char **argv;
	pid_t pid;
	int null;

	lnet_need_running(L, n);
	argv = build_argv(L, 2);
	if (emu_remote(n->emu)) {
		struct err err;

		/* Its machine's: frozen, killed and thawed with the node
		 * there, not tracked here. */
		err_clear(&err);
		pid = emu_node_spawn(n->emu, i, argv, &err);
		if (pid < 0)
			return luaL_error(L, "%s", err.msg);
		lua_pushinteger(L, pid);
		return 1;
	}
	emu_nspath(n->emu, i, path, sizeof(path));
	/* Background output goes to /run/lunet/<emu>/<node>.log; the
	 * process dies with the emulation (teardown kills everything in its
	 * namespaces), not with lunet, so "lunet up" can leave it running. */
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.in = null;
	o.out = o.err = open_log(n, i);
	pid = proc_spawn(path, argv, &o);
	if (null >= 0)
		close(null);
	if (o.out >= 0)
		close(o.out);
	if (pid < 0)
		return luaL_error(L, "node %s: %s: %s", n->topo->nodes[i].name,
				  argv[0], strerror(-pid));
	lfault_spawned(L, 1, argv, pid);
	lua_pushinteger(L, pid);
	return 1;
}

static void push_ip(lua_State *L, const struct ip_prefix *p, bool plen)
{
	char buf[IP_STRLEN];

	if (p->ip)
		lua_pushstring(L, ip_format(p, plen, buf));
	else
		lua_pushnil(L);
}

static int l_intfs(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n), k;
	const struct topo_node *node = &n->topo->nodes[i];

	lua_createtable(L, node->nports, 0);
	for (k = 0; k < node->nports; k++) {
		const struct topo_port *p = &n->topo->ports[node->ports[k]];
		const struct topo_port *q =
			&n->topo->ports[topo_peer_port(n->topo, node->ports[k])];

		lua_createtable(L, 0, 4);
		lua_pushstring(L, p->ifname);
		lua_setfield(L, -2, "name");
		push_ip(L, &p->addr, true);
		lua_setfield(L, -2, "ip");
		lua_pushstring(L, n->topo->nodes[q->node].name);
		lua_setfield(L, -2, "peer");
		lua_pushstring(L, q->ifname);
		lua_setfield(L, -2, "peer_intf");
		lua_rawseti(L, -2, k + 1);
	}
	return 1;
}

static const luaL_Reg node_methods[] = {
	{ "cmd", l_cmd },
	{ "spawn", l_spawn },
	{ "intfs", l_intfs },
	{ "capture", lcapture_node },
	{ "stats", lstats_node },
	{ "remove", lchange_node_remove },
	{ NULL, NULL },
};

static int node_index(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	const char *key = luaL_checkstring(L, 2);
	const struct topo_node *node = &n->topo->nodes[i];
	struct ip_prefix p = { 0, 32 };

	if (!strcmp(key, "name")) {
		lua_pushstring(L, node->name);
	} else if (!strcmp(key, "kind")) {
		lua_pushstring(L, topo_kind_name(node->kind));
	} else if (!strcmp(key, "ip")) {
		p.ip = topo_node_ip(n->topo, i);
		push_ip(L, &p, false);
	} else if (!strcmp(key, "group")) {
		lua_pushstring(L, node->group); /* nil when unset */
	} else if (!strcmp(key, "machine")) {
		lua_pushstring(L, node->machine);
	} else if (!strcmp(key, "net")) {
		lua_getiuservalue(L, 1, 1);
	} else {
		lua_rawget(L, lua_upvalueindex(1));
	}
	return 1;
}

static int node_tostring(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);

	lua_pushfstring(L, "%s %s", topo_kind_name(n->topo->nodes[i].kind),
			n->topo->nodes[i].name);
	return 1;
}

void lnode_open(lua_State *L)
{
	luaL_newmetatable(L, LNODE_MT);
	luaL_newlib(L, node_methods);
	lua_pushcclosure(L, node_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, node_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
}
