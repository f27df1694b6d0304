/*
 * Partitions: net:partition() cuts every link between two sets of nodes
 * and returns a handle, net:heal() and partition:heal() put them back.
 * The links a partition cuts are holds on the fault state (lfault.c), so
 * a partition composes with failed nodes and flaps.
 */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "lua/lfault_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define PARTITION_MT "lunet.partition"

/* Marks in side[] the nodes given at idx (a node, a name, or an array of
 * them) with mark; returns how many. */
static int mark_nodes(lua_State *L, struct lnet *n, int idx, uint8_t *side,
		      uint8_t mark)
{
	lua_Integer k, len;
	uint32_t i;
	int count = 0;

	if (!lua_istable(L, idx)) {
		i = lnode_arg(L, idx, n);
		count += !side[i];
		side[i] = mark;
		return count;
	}
	len = (lua_Integer)luaL_len(L, idx);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, idx, k);
		i = lnode_arg(L, lua_gettop(L), n);
		lua_pop(L, 1);
		if (side[i] && side[i] != mark)
			luaL_error(L, "partition: node %s is on both sides",
				   lfault_node_name(n, i));
		count += !side[i];
		side[i] = mark;
	}
	return count;
}

/* Adds delta to the holds of the links of the partition handle at h, and
 * puts them in their state. */
static void hold_listed(lua_State *L, struct lnet *n, struct fstate *st,
			int h, int delta, const char *cause)
{
	lua_Integer k, len;
	uint32_t *links;

	lua_getfield(L, h, "links");
	len = (lua_Integer)luaL_len(L, -1);
	links = lua_newuserdatauv(L, (size_t)(len + 1) * sizeof(*links), 0);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, -2, k);
		links[k - 1] = (uint32_t)lua_tointeger(L, -1);
		lua_pop(L, 1);
		lfault_hold(st, links[k - 1], delta);
	}
	lfault_put_links(L, n, st, links, (size_t)len, cause);
	lua_pop(L, 2);
}

/* Pushes the names of the nodes on side which, separated by spaces. */
static void side_names(lua_State *L, const struct topo *t,
		       const uint8_t *side, uint8_t which)
{
	luaL_Buffer b;
	uint32_t i;
	bool first = true;

	luaL_buffinit(L, &b);
	for (i = 0; i < t->nnodes; i++) {
		if (side[i] != which)
			continue;
		if (!first)
			luaL_addchar(&b, ' ');
		luaL_addstring(&b, t->nodes[i].name);
		first = false;
	}
	luaL_pushresult(&b);
}

/* net:partition(nodes [, others]): cuts every link between nodes and
 * others (everything else when others is nil). */
int lpartition_net_partition(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	const struct topo *t;
	struct fstate *st;
	uint8_t *side;
	char cause[32];
	uint32_t l, a, b;
	int id, cut = 0;

	lua_settop(L, 3);
	st = lfault_fstate_push(L, 1); /* at 4 */
	t = n->topo;
	side = lua_newuserdatauv(L, t->nnodes + 1, 0); /* at 5 */
	memset(side, 0, t->nnodes + 1);
	if (!mark_nodes(L, n, 2, side, 1))
		return luaL_error(L, "partition: no nodes given");
	if (!lua_isnil(L, 3) && !mark_nodes(L, n, 3, side, 2))
		return luaL_error(L, "partition: no nodes on the other side");
	id = ++st->partitions;
	snprintf(cause, sizeof(cause), "partition %d", id);

	lua_createtable(L, 0, 3); /* the handle, at 6 */
	luaL_setmetatable(L, PARTITION_MT);
	lua_pushvalue(L, 1);
	lua_setfield(L, -2, "net");
	lua_pushinteger(L, id);
	lua_setfield(L, -2, "id");
	lua_newtable(L); /* its links, at 7 */
	for (l = 0; l < t->nlinks; l++) {
		a = side[topo_link_node(t, l, 0)];
		b = side[topo_link_node(t, l, 1)];
		if (a == b || (lua_isnil(L, 3) ? !(a || b) : !(a && b)))
			continue;
		lua_pushinteger(L, l);
		lua_rawseti(L, 7, ++cut);
	}
	lua_setfield(L, 6, "links");
	lua_newtable(L);
	for (l = 0, a = 0; l < t->nnodes; l++) {
		if (side[l] != 1)
			continue;
		lua_pushstring(L, t->nodes[l].name);
		lua_rawseti(L, -2, ++a);
	}
	lua_setfield(L, 6, "nodes");
	lfault_push_field(L, 4, "partitions");
	lua_pushvalue(L, 6);
	lua_rawseti(L, -2, id);
	lua_pop(L, 1);

	/* The nodes of each side, for "lunet replay" to cut them again. */
	side_names(L, t, side, 1);
	side_names(L, t, side, 2);
	levent(L, "partition", "net:s", t->name, "id:i", (long long)id,
	       "links:i", (long long)cut, "nodes:s", lua_tostring(L, -2),
	       lua_isnil(L, 3) ? NULL : "others:s", lua_tostring(L, -1),
	       NULL);
	lua_pop(L, 2);
	hold_listed(L, n, st, 6, +1, cause);
	lua_settop(L, 6);
	return 1; /* the handle */
}

/* Heals the partition whose handle is on top; the state is at sti. */
static void heal_one(lua_State *L, struct lnet *n, int sti, struct fstate *st)
{
	lua_Integer id;
	char cause[32];

	lua_getfield(L, -1, "id");
	id = lua_tointeger(L, -1);
	lua_pop(L, 1);
	lfault_push_field(L, sti, "partitions");
	if (lua_rawgeti(L, -1, id) == LUA_TNIL) {
		lua_pop(L, 2);
		return; /* healed already */
	}
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_rawseti(L, -2, id);
	lua_pop(L, 1);
	snprintf(cause, sizeof(cause), "partition %d", (int)id);
	hold_listed(L, n, st, lua_gettop(L), -1, cause);
	levent(L, "heal", "net:s", n->topo->name, "id:i", (long long)id,
	       NULL);
}

static int heal_all(lua_State *L, struct lnet *n, int sti, struct fstate *st)
{
	int count = 0, id;

	for (id = 1; id <= st->partitions; id++) {
		lfault_push_field(L, sti, "partitions");
		if (lua_rawgeti(L, -1, id) == LUA_TTABLE) {
			heal_one(L, n, sti, st);
			count++;
		}
		lua_pop(L, 2);
	}
	return count;
}

/* net:heal([partition]): heals one partition, or all of them. */
int lpartition_net_heal(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	struct fstate *st;

	lua_settop(L, 2);
	st = lfault_fstate_push(L, 1); /* at 3 */
	if (lua_isnil(L, 2)) {
		lua_pushinteger(L, heal_all(L, n, 3, st));
		return 1;
	}
	if (!lua_getmetatable(L, 2) || (luaL_getmetatable(L, PARTITION_MT),
					 !lua_rawequal(L, -1, -2)))
		return luaL_argerror(L, 2, "partition expected");
	lua_settop(L, 3);
	lua_pushvalue(L, 2);
	heal_one(L, n, 3, st);
	lua_pushinteger(L, 1);
	return 1;
}

/* partition:heal() */
static int l_partition_heal(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_getfield(L, 1, "net");
	lua_getfield(L, 2, "heal");
	lua_insert(L, 1);
	lua_insert(L, 2);
	lua_call(L, 2, 1);
	return 1;
}


void lpartition_open(lua_State *L)
{
	luaL_newmetatable(L, PARTITION_MT);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, l_partition_heal);
	lua_setfield(L, -2, "heal");
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}
