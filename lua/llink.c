/* Link handles: net:link(), link:up(), link:down(). */
#include <lauxlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "lua/lunet.h"
#include "topo/topo.h"

static int set_state(lua_State *L, bool up)
{
	struct lnet *n;

	llink_check(L, 1, &n);
	lnet_need_running(L, n);
	/* Through the fault layer: a fault may hold the link down too. */
	lfault_link_admin(L, 1, up);
	return 0;
}

static int l_up(lua_State *L)
{
	return set_state(L, true);
}

static int l_down(lua_State *L)
{
	return set_state(L, false);
}

static const luaL_Reg link_methods[] = {
	{ "up", l_up },
	{ "down", l_down },
	{ "capture", lcapture_link },
	{ "stats", lstats_link },
	{ "remove", lchange_link_remove },
	{ NULL, NULL },
};

static int link_index(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	const char *key = luaL_checkstring(L, 2);

	lua_getiuservalue(L, 1, 1); /* the network, at index 3 */
	if (!strcmp(key, "a") || !strcmp(key, "b"))
		lnode_push(L, 3, topo_link_port(n->topo, l, key[0] == 'b')->node);
	else if (!strcmp(key, "intf1") || !strcmp(key, "intf2"))
		lua_pushstring(L, topo_link_port(n->topo, l, key[4] == '2')->ifname);
	else if (!strcmp(key, "mtu"))
		lua_pushinteger(L, n->topo->links[l].mtu);
	else if (!strcmp(key, "name"))
		lua_pushfstring(L, "%s-%s",
				n->topo->nodes[topo_link_port(n->topo, l, 0)->node].name,
				n->topo->nodes[topo_link_port(n->topo, l, 1)->node].name);
	else
		lua_getfield(L, lua_upvalueindex(1), key);
	return 1;
}

static int link_tostring(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	const struct topo_port *a = topo_link_port(n->topo, l, 0), *b = topo_link_port(n->topo, l, 1);

	lua_pushfstring(L, "link %s:%s-%s:%s", n->topo->nodes[a->node].name,
			a->ifname, n->topo->nodes[b->node].name, b->ifname);
	return 1;
}

void llink_open(lua_State *L)
{
	luaL_newmetatable(L, LLINK_MT);
	luaL_newlib(L, link_methods);
	limpair_open(L);
	lua_pushcclosure(L, link_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, link_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
}
