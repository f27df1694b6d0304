/* Handles: the checks and pushes every binding file shares for networks,
 * nodes and links (the types themselves are in lnet.c, lnode.c and
 * llink.c).  A node or link handle holds its index and, as its user
 * value, its network, so a handle keeps its network alive; each network
 * caches its handles (user values 1 and 2), so the same node always gives
 * the same handle. */
#include <lauxlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "lua/lunet.h"
#include "topo/topo.h"

struct lnet *lnet_check(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, LNET_MT);
}

void lnet_need_running(lua_State *L, struct lnet *n)
{
	if (!n->emu)
		luaL_error(L, "network '%s' is not started", n->topo->name);
}

void lnet_need_here(lua_State *L, struct lnet *n, const char *what)
{
	lnet_need_running(L, n);
	if (emu_remote(n->emu))
		luaL_error(L, "network '%s': %s across machines is not "
			   "supported yet", n->topo->name, what);
}

struct lhandle {
	uint32_t idx;
};

static void push_handle(lua_State *L, int net, uint32_t i, int cache,
			const char *mt)
{
	struct lhandle *h;

	net = lua_absindex(L, net);
	lua_getiuservalue(L, net, cache);
	if (lua_rawgeti(L, -1, i + 1) != LUA_TNIL) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	h = lua_newuserdatauv(L, sizeof(*h), 1);
	h->idx = i;
	luaL_setmetatable(L, mt);
	lua_pushvalue(L, net);
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, i + 1);
	lua_remove(L, -2);
}

void lnode_push(lua_State *L, int net, uint32_t i)
{
	push_handle(L, net, i, 1, LNODE_MT);
}

void llink_push(lua_State *L, int net, uint32_t i)
{
	push_handle(L, net, i, 2, LLINK_MT);
}

static uint32_t check_handle(lua_State *L, int idx, const char *mt,
			     struct lnet **net)
{
	struct lhandle *h = luaL_checkudata(L, idx, mt);

	lua_getiuservalue(L, idx, 1);
	*net = lua_touserdata(L, -1);
	lua_pop(L, 1); /* the handle at idx keeps the network alive */
	if (h->idx == TOPO_NONE)
		luaL_error(L, "this %s was removed from network '%s'",
			   !strcmp(mt, LNODE_MT) ? "node" : "link",
			   (*net)->topo->name);
	return h->idx;
}

/* The handles of cache (1: nodes, 2: links) of the network at net follow
 * map (old index -> new, TOPO_NONE: removed, which makes the handle
 * refuse every use). */
static void remap_cache(lua_State *L, int net, int cache, const uint32_t *map,
			uint32_t n)
{
	struct lhandle *h;
	uint32_t i;

	lua_getiuservalue(L, net, cache);
	lua_newtable(L);
	for (i = 0; i < n; i++) {
		if (lua_rawgeti(L, -2, i + 1) == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		h = lua_touserdata(L, -1);
		h->idx = map[i];
		if (map[i] == TOPO_NONE)
			lua_pop(L, 1);
		else
			lua_rawseti(L, -2, map[i] + 1);
	}
	lua_setiuservalue(L, net, cache);
	lua_pop(L, 1);
}

/* Handles of cache at or past index from are made dead. */
static void cut_cache(lua_State *L, int net, int cache, uint32_t from)
{
	struct lhandle *h;
	lua_Integer i, len;

	lua_getiuservalue(L, net, cache);
	len = (lua_Integer)lua_rawlen(L, -1);
	for (i = (lua_Integer)from + 1; i <= len; i++) {
		if (lua_rawgeti(L, -1, i) == LUA_TUSERDATA) {
			h = lua_touserdata(L, -1);
			h->idx = TOPO_NONE;
		}
		lua_pop(L, 1);
		lua_pushnil(L);
		lua_rawseti(L, -2, i);
	}
	lua_pop(L, 1);
}

void lhandle_truncate(lua_State *L, int net, uint32_t nnodes, uint32_t nlinks)
{
	net = lua_absindex(L, net);
	cut_cache(L, net, 1, nnodes);
	cut_cache(L, net, 2, nlinks);
}

void lhandle_remap(lua_State *L, int net, const struct topo_map *m)
{
	net = lua_absindex(L, net);
	remap_cache(L, net, 1, m->node, m->nnodes);
	remap_cache(L, net, 2, m->link, m->nlinks);
}

uint32_t lnode_check(lua_State *L, int idx, struct lnet **net)
{
	return check_handle(L, idx, LNODE_MT, net);
}

uint32_t llink_check(lua_State *L, int idx, struct lnet **net)
{
	return check_handle(L, idx, LLINK_MT, net);
}

uint32_t lnode_arg(lua_State *L, int idx, struct lnet *n)
{
	struct lnet *owner;
	uint32_t i;

	if (lua_type(L, idx) == LUA_TSTRING) {
		i = topo_node_find(n->topo, lua_tostring(L, idx));
		if (i == TOPO_NONE)
			luaL_error(L, "unknown node '%s' in network '%s'",
				   lua_tostring(L, idx), n->topo->name);
		return i;
	}
	if (!luaL_testudata(L, idx, LNODE_MT))
		luaL_argerror(L, idx, "node or node name expected");
	i = lnode_check(L, idx, &owner);
	if (owner != n)
		luaL_argerror(L, idx, "node of another network");
	return i;
}

