/*
 * Routing daemons from Lua: the C half of node:vtysh(), node:birdc(),
 * node:routes(), node:daemons() and net:converged{}, which
 * lua/lib/routing.lua builds on (core/routing/routing.h).
 */
#include <ev.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "core/routing/routing.h"
#include "lua/lunet.h"
#include "topo/topo.h"

/* The speaker's addresses on the segments it shares with router: the
 * neighbours of the router's sessions with it, as an array. */
static void push_session_addrs(lua_State *L, const struct topo *t,
			       uint32_t router, uint32_t speaker)
{
	const struct topo_node *node = &t->nodes[router];
	char ip[IP_STRLEN];
	lua_Integer k = 0;
	uint32_t i, j, s;

	lua_newtable(L);
	for (i = 0; i < node->nports; i++) {
		s = t->ports[node->ports[i]].segment;
		if (s == TOPO_NONE)
			continue;
		for (j = 0; j < t->segments[s].nports; j++) {
			const struct topo_port *p =
				&t->ports[t->segments[s].ports[j]];

			if (p->node != speaker)
				continue;
			lua_pushstring(L, ip_format(&p->addr, false, ip));
			lua_rawseti(L, -2, ++k);
		}
	}
}

/* The sessions the expectations have torn down, as an array of
 * {router=, speaker=, offered=, max=, addrs=}. */
static void push_trips(lua_State *L, const struct topo *t,
		       const struct topo_expect_set *set)
{
	uint32_t k;

	lua_createtable(L, (int)set->ntrips, 0);
	for (k = 0; k < set->ntrips; k++) {
		const struct topo_expect_trip *x = &set->trips[k];

		lua_createtable(L, 0, 4);
		lua_pushstring(L, t->nodes[x->router].name);
		lua_setfield(L, -2, "router");
		lua_pushstring(L, t->nodes[x->speaker].name);
		lua_setfield(L, -2, "speaker");
		lua_pushinteger(L, x->offered);
		lua_setfield(L, -2, "offered");
		lua_pushinteger(L, t->nodes[x->router].routing->max_prefix);
		lua_setfield(L, -2, "max");
		push_session_addrs(L, t, x->router, x->speaker);
		lua_setfield(L, -2, "addrs");
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
}

/* lunet._fib_missing(net, ecmp) -> array of {node=, dst=, have=, want=},
 * routers checked, sessions expected down (push_trips): one FIB dump per
 * routed router. */
static int l_fib_missing(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	bool ecmp = lua_toboolean(L, 2);
	struct routing_missing *miss = NULL;
	size_t nmiss = 0, cap = 0, k;
	struct topo_expect_set set;
	unsigned char *down;
	char dst[IP_STRLEN];
	uint32_t i, routers = 0;
	int rc;

	lnet_need_running(L, n);
	/* What the FIBs should hold with the links that are down now (by
	 * the user, a fault or a failed node) taken out. */
	down = lua_newuserdatauv(L, n->topo->nlinks + 1, 0);
	for (i = 0; i < n->topo->nlinks; i++)
		down[i] = !emu_link_is_up(n->emu, i);
	if (topo_expect_build(n->topo, down, &set))
		return luaL_error(L, "out of memory");
	if (emu_remote(n->emu)) {
		struct err err;

		/* Each machine reads its own routers' FIBs. */
		err_clear(&err);
		rc = emu_fib_missing(n->emu, down, ecmp, &miss, &nmiss,
				     &routers, &err);
		if (rc) {
			topo_expect_set_free(&set);
			free(miss);
			return luaL_error(L, "%s", err.msg);
		}
		i = 0;
	}
	for (i = 0, rc = 0; !emu_remote(n->emu) && i < n->topo->nnodes &&
			    rc >= 0; i++) {
		if (!n->topo->nodes[i].routing)
			continue;
		routers++;
		rc = routing_fib_check(n->topo, i, &set, ecmp, &miss, &nmiss,
				       &cap);
	}
	if (rc < 0) {
		topo_expect_set_free(&set);
		free(miss);
		return luaL_error(L, "router %s: cannot read its FIB: %s",
				  n->topo->nodes[i - 1].name, strerror(-rc));
	}
	lua_createtable(L, (int)nmiss, 0);
	for (k = 0; k < nmiss; k++) {
		lua_createtable(L, 0, 4);
		lua_pushstring(L, n->topo->nodes[miss[k].node].name);
		lua_setfield(L, -2, "node");
		lua_pushstring(L, ip_format(&miss[k].dst, true, dst));
		lua_setfield(L, -2, "dst");
		lua_pushinteger(L, miss[k].have);
		lua_setfield(L, -2, "have");
		lua_pushinteger(L, miss[k].want);
		lua_setfield(L, -2, "want");
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	free(miss);
	lua_pushinteger(L, routers);
	push_trips(L, n->topo, &set);
	topo_expect_set_free(&set);
	return 3;
}

/* lunet._cli_argv(node, tool) -> the argv prefix reaching the node's
 * daemons with tool ("vtysh", "birdc"), or nil and why. */
static int l_cli_argv(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	const char *tool = luaL_checkstring(L, 2);
	const struct topo_routing *r = topo_routing(n->topo, i);
	char *argv[8], buf[ROUTING_PATHSIZ + 16];
	int k, count;

	count = routing_cli_argv(n->topo, i, tool, argv, buf, sizeof(buf));
	if (count < 0) {
		lua_pushnil(L);
		if (!r)
			lua_pushfstring(L, "%s runs no routing daemon",
					n->topo->nodes[i].name);
		else
			lua_pushfstring(L, "%s runs %s, not what %s talks to",
					n->topo->nodes[i].name,
					topo_daemon_name(r->daemon), tool);
		return 2;
	}
	/* Across machines, "lunet exec" on the router's machine puts the
	 * socket options in front itself. */
	if (n->emu && emu_remote(n->emu)) {
		lua_createtable(L, 1, 0);
		lua_pushstring(L, tool);
		lua_rawseti(L, -2, 1);
		return 1;
	}
	lua_createtable(L, count, 0);
	for (k = 0; k < count; k++) {
		lua_pushstring(L, argv[k]);
		lua_rawseti(L, -2, k + 1);
	}
	return 1;
}

/* lunet._routes(node) -> the node's FIB, one route a line. */
static int l_routes(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	char *text = NULL;
	int rc;

	lnet_need_running(L, n);
	if (emu_remote(n->emu)) {
		struct err err;

		err_clear(&err);
		if (emu_node_ask(n->emu, i, "routes", &text, &err))
			return luaL_error(L, "%s", err.msg);
		lua_pushstring(L, text);
		free(text);
		return 1;
	}
	rc = routing_fib_format(n->topo, i, &text);
	if (rc)
		return luaL_error(L, "node %s: cannot read its FIB: %s",
				  n->topo->nodes[i].name, strerror(-rc));
	lua_pushstring(L, text);
	free(text);
	return 1;
}

/* lunet._daemons(node) -> alive, total (0, 0 for a node without). */
static int l_daemons(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	int total, alive;

	if (n->emu)
		alive = emu_daemons_alive(n->emu, i, &total);
	else
		alive = total = 0;
	if (!n->emu)
		total = 0;
	lua_pushinteger(L, alive);
	lua_pushinteger(L, total);
	return 2;
}

/* lunet._routing(node) -> {proto=, daemon=, asn=, router_id=, bfd=,
 * max_prefix=, speaker=, prefixes=} or nil. */
static int l_routing(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	const struct topo_routing *r = topo_routing(n->topo, i);
	char ip[IP_STRLEN];

	if (!r) {
		lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, 4);
	lua_pushstring(L, topo_proto_name(r->proto));
	lua_setfield(L, -2, "proto");
	lua_pushstring(L, topo_daemon_name(r->daemon));
	lua_setfield(L, -2, "daemon");
	if (r->asn) {
		lua_pushinteger(L, r->asn);
		lua_setfield(L, -2, "asn");
	}
	if (r->router_id) {
		lua_pushstring(L, ip_format(&(struct ip_prefix){ r->router_id,
								 32 },
					    false, ip));
		lua_setfield(L, -2, "router_id");
	}
	lua_pushboolean(L, r->bfd);
	lua_setfield(L, -2, "bfd");
	if (r->max_prefix) {
		lua_pushinteger(L, r->max_prefix);
		lua_setfield(L, -2, "max_prefix");
	}
	if (r->speaker) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "speaker");
		lua_pushinteger(L, r->nprefixes);
		lua_setfield(L, -2, "prefixes");
	}
	return 1;
}

/* ---- Watching the daemons ------------------------------------------------ */

struct lwatch {
	ev_timer w;
	lua_State *M;        /* the main thread: events are logged there */
	struct lnet *n;
	unsigned char *down; /* per node: "daemon_down" logged */
	int *alive, *total;  /* across machines: the machines' answers */
};

static void watch_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct lwatch *k = (struct lwatch *)w;
	const struct topo *t = k->n->topo;
	int alive, total;
	uint32_t i;

	if (!k->n->emu) /* handed over or torn down */
		return;
	if (emu_remote(k->n->emu)) {
		const char *gone[16];
		int n = emu_remote_check(k->n->emu, gone, 16), g;

		for (g = 0; g < n; g++) {
			fprintf(stderr, "lunet: %s: machine %s is gone: the "
				"emulation is degraded\n", t->name, gone[g]);
			levent(k->M, "machine_down", "net:s", t->name,
			       "machine:s", gone[g], NULL);
		}
		/* The daemons, one request per machine a second. */
		if (!k->alive && topo_has_daemons(t)) {
			k->alive = calloc(t->nnodes + 1, sizeof(*k->alive));
			k->total = calloc(t->nnodes + 1, sizeof(*k->total));
		}
		if (!k->alive || !k->total || n ||
		    emu_daemons_all(k->n->emu, k->alive, k->total, NULL))
			return;
	}
	for (i = 0; i < t->nnodes; i++) {
		if (!t->nodes[i].routing)
			continue;
		if (k->alive) {
			alive = k->alive[i];
			total = k->total[i];
		} else
			alive = routing_node_alive(t, i, &total);
		if (alive < total && !k->down[i]) {
			k->down[i] = 1;
			levent(k->M, "daemon_down", "net:s", t->name, "node:s",
			       t->nodes[i].name, "alive:i", (long long)alive,
			       "daemons:i", (long long)total, NULL);
		} else if (alive == total && k->down[i]) {
			k->down[i] = 0;
			levent(k->M, "daemon_up", "net:s", t->name, "node:s",
			       t->nodes[i].name, "daemons:i", (long long)total,
			       NULL);
		}
	}
}

void lrouting_resized(struct lnet *n)
{
	struct lwatch *k = n->watch;
	unsigned char *down;

	if (!k)
		return;
	/* What it saw is seen again at its next look. */
	down = calloc(n->topo->nnodes + 1, 1);
	if (!down)
		return;
	free(k->down);
	k->down = down;
}

void lrouting_watch(lua_State *L, struct lnet *n)
{
	struct lwatch *k;

	/* Across machines, the machines are watched: a worker that is
	 * gone makes the emulation degraded. */
	if (n->watch ||
	    (!topo_has_daemons(n->topo) && !(n->emu && emu_remote(n->emu))))
		return;
	k = calloc(1, sizeof(*k));
	if (k)
		k->down = calloc(n->topo->nnodes, 1);
	if (!k || !k->down) {
		free(k);
		return; /* no watch is not worth failing the start for */
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	k->M = lua_tothread(L, -1);
	lua_pop(L, 1);
	k->n = n;
	ev_timer_init(&k->w, watch_tick, 1.0, 1.0);
	ev_timer_start(EV_DEFAULT, &k->w);
	/* The watch alone keeps no loop running. */
	ev_unref(EV_DEFAULT);
	n->watch = k;
}

void lrouting_unwatch(struct lnet *n)
{
	struct lwatch *k = n->watch;

	if (!k)
		return;
	ev_ref(EV_DEFAULT);
	ev_timer_stop(EV_DEFAULT, &k->w);
	free(k->down);
	free(k->alive);
	free(k->total);
	free(k);
	n->watch = NULL;
}

void lrouting_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "_fib_missing", l_fib_missing },
		{ "_cli_argv", l_cli_argv },
		{ "_routes", l_routes },
		{ "_daemons", l_daemons },
		{ "_routing", l_routing },
		{ NULL, NULL },
	};

	luaL_setfuncs(L, fns, 0);
}
