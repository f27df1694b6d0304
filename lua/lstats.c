/* Link counters: net:stats(), link:stats(), node:stats() (core/observe/stats.h).
 *
 * Each call reads the kernel's counters afresh: net:stats() every node,
 * link:stats() the two nodes of the link, node:stats() that node alone.
 * An end's table holds its own counters (tx: sent by that interface). */
#include <lauxlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "core/observe/stats.h"
#include "lua/lunet.h"
#include "topo/topo.h"

static void set_u64(lua_State *L, const char *k, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

/* The counters of s into the table on top. */
static void set_counters(lua_State *L, const struct stats_if *s)
{
	set_u64(L, "tx_packets", s->tx_packets);
	set_u64(L, "rx_packets", s->rx_packets);
	set_u64(L, "tx_bytes", s->tx_bytes);
	set_u64(L, "rx_bytes", s->rx_bytes);
	set_u64(L, "tx_dropped", s->tx_dropped);
	set_u64(L, "rx_dropped", s->rx_dropped);
	set_u64(L, "tx_errors", s->tx_errors);
	set_u64(L, "rx_errors", s->rx_errors);
}

/* Pushes { node=, intf=, peer=, peer_intf=, counters } for port p. */
static void push_end(lua_State *L, const struct topo *t, uint32_t p,
		     const struct stats_if *s)
{
	const struct topo_port *me = &t->ports[p];
	const struct topo_port *q = &t->ports[topo_peer_port(t, p)];

	lua_createtable(L, 0, 12);
	lua_pushstring(L, t->nodes[me->node].name);
	lua_setfield(L, -2, "node");
	lua_pushstring(L, me->ifname);
	lua_setfield(L, -2, "intf");
	lua_pushstring(L, t->nodes[q->node].name);
	lua_setfield(L, -2, "peer");
	lua_pushstring(L, q->ifname);
	lua_setfield(L, -2, "peer_intf");
	set_counters(L, s);
}

/* Pushes link l's entry: end a's counters at the top level, and both
 * ends as a and b; net is the stack index of the network. */
static void push_link(lua_State *L, int net, const struct topo *t,
		      uint32_t l, const struct stats_if *ends)
{
	const struct stats_if *a = &ends[stats_end(l, 0)];

	lua_createtable(L, 0, 12);
	set_counters(L, a);
	push_end(L, t, t->links[l].port[0], a);
	lua_setfield(L, -2, "a");
	push_end(L, t, t->links[l].port[1], &ends[stats_end(l, 1)]);
	lua_setfield(L, -2, "b");
	llink_push(L, net, l);
	lua_setfield(L, -2, "link");
}

/* Room for every end's counters, freed by the collector even when a read
 * fails with a Lua error. */
static struct stats_if *new_ends(lua_State *L, const struct topo *t)
{
	size_t n = 2 * (size_t)(t->nlinks ? t->nlinks : 1);
	struct stats_if *ends = lua_newuserdatauv(L, n * sizeof(*ends), 0);

	memset(ends, 0, n * sizeof(*ends));
	return ends;
}

/* net:stats() -> { [i] = entry of link i, [link] = the same entry } */
int lstats_net(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	struct stats_if *ends;
	struct err err;
	uint32_t l;

	lnet_need_running(L, n);
	ends = new_ends(L, n->topo);
	err_clear(&err);
	if (emu_stats(n->emu, TOPO_NONE, ends, &err))
		return luaL_error(L, "stats: %s", err.msg);
	lua_createtable(L, n->topo->nlinks, n->topo->nlinks);
	for (l = 0; l < n->topo->nlinks; l++) {
		push_link(L, 1, n->topo, l, ends);
		llink_push(L, 1, l);
		lua_pushvalue(L, -2);
		lua_rawset(L, -4);
		lua_rawseti(L, -2, (lua_Integer)l + 1);
	}
	return 1;
}

/* link:stats() -> entry: end a's counters, a = {...}, b = {...} */
int lstats_link(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	const struct topo *t = n->topo;
	struct stats_if *ends;
	struct err err;
	int rc, side;

	lnet_need_running(L, n);
	lua_getiuservalue(L, 1, 1); /* the network, at index 2 */
	ends = new_ends(L, t);
	err_clear(&err);
	for (side = 0, rc = 0; side < 2 && !rc; side++)
		rc = emu_stats(n->emu, topo_link_node(t, l, side), ends,
			       &err);
	if (rc)
		return luaL_error(L, "stats: %s", err.msg);
	push_link(L, 2, t, l, ends);
	return 1;
}

/* node:stats() -> { [ifname] = end's counters with peer and peer_intf } */
int lstats_node(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n), k, p;
	const struct topo *t = n->topo;
	const struct topo_port *port;
	struct stats_if *ends;
	struct err err;

	lnet_need_running(L, n);
	ends = new_ends(L, t);
	err_clear(&err);
	if (emu_stats(n->emu, i, ends, &err))
		return luaL_error(L, "stats: %s", err.msg);
	lua_createtable(L, 0, t->nodes[i].nports);
	for (k = 0; k < t->nodes[i].nports; k++) {
		p = t->nodes[i].ports[k];
		port = &t->ports[p];
		push_end(L, t, p,
			 &ends[stats_end(port->link,
					 t->links[port->link].port[1] == p)]);
		lua_setfield(L, -2, port->ifname);
	}
	return 1;
}
