/*
 * Changes to a running network: net:host(), net:switch(), net:router() and
 * net:link() on a network that runs build what they add at once (lnet.c
 * calls lchange_added()); node:remove() and link:remove() take a node or
 * link away.  The model is changed first and planned again with the
 * running plan kept, so that nothing that runs is renumbered and a change
 * the plan refuses never reaches the kernel; the engine
 * (core/engine/change.c) then builds or removes, and rewrites the routes
 * of the nodes whose routes changed.  Every change is an event.
 */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "lua/lunet.h"
#include "topo/change.h"
#include "topo/topo.h"

/* Why the nodes and links added since onodes, olinks cannot be built on
 * a running network, or NULL. */
static const char *added_refused(const struct topo *t, uint32_t onodes,
				 uint32_t olinks, char *buf, size_t len)
{
	uint32_t i, k;

	for (i = onodes; i < t->nnodes; i++)
		if (t->nodes[i].routing) {
			snprintf(buf, len, "router %s runs routing daemons: "
				 "adding such routers to a running network is "
				 "not supported yet", t->nodes[i].name);
			return buf;
		}
	for (i = olinks; i < t->nlinks; i++)
		for (k = 0; k < 2; k++)
			if (t->nodes[topo_link_node(t, i, k)].routing) {
				char name[TOPO_DESCSIZ];

				snprintf(buf, len, "%s: router %s runs routing "
					 "daemons: adding links to such "
					 "routers while the network runs is "
					 "not supported yet",
					 topo_link_describe(t, i, name,
							    sizeof(name)),
					 t->nodes[topo_link_node(t, i, k)].name);
				return buf;
			}
	return NULL;
}

/* Takes the model back to onodes, olinks and its plan with it. */
static void take_back(struct lnet *n, uint32_t onodes, uint32_t olinks)
{
	struct err ignore;

	topo_truncate(n->topo, onodes, olinks);
	topo_plan(n->topo, &ignore);
}

static void log_added(lua_State *L, struct lnet *n, uint32_t onodes,
		      uint32_t olinks)
{
	const struct topo *t = n->topo;
	char name[160];
	uint32_t i;

	for (i = onodes; i < t->nnodes; i++)
		levent(L, "node_added", "net:s", t->name, "node:s",
		       t->nodes[i].name, "kind:s",
		       topo_kind_name(t->nodes[i].kind), NULL);
	for (i = olinks; i < t->nlinks; i++)
		levent(L, "link_added", "net:s", t->name, "link:s",
		       topo_link_name(t, i, name, sizeof(name)), NULL);
}

void lchange_added(lua_State *L, int net, struct lnet *n, uint32_t onodes,
		   uint32_t olinks)
{
	struct topo *t = n->topo;
	struct topo_route_snap old;
	char why[512];
	struct err err;
	int rc;

	err_clear(&err);
	rc = emu_change_check(n->emu, false, &err);
	if (!rc && added_refused(t, onodes, olinks, why, sizeof(why)))
		rc = err_set(&err, -EOPNOTSUPP, "%s", why);
	/* The routes as they run: the plan is still the old one, the
	 * additions have none yet. */
	if (!rc && topo_snap_take(t, &old))
		rc = err_set(&err, -ENOMEM, "out of memory");
	if (rc) {
		take_back(n, onodes, olinks);
		luaL_error(L, "%s", err.msg);
	}
	topo_keep_plan(t);
	rc = topo_plan(t, &err);
	if (!rc)
		rc = emu_grow(n->emu, onodes, olinks, &old, &err);
	topo_snap_free(&old);
	if (rc) {
		take_back(n, onodes, olinks);
		emu_record_now(n->emu, NULL);
		luaL_error(L, "%s", err.msg);
	}
	lfault_resized(L, net, n, NULL);
	lrouting_resized(n);
	log_added(L, n, onodes, olinks);
}

/* What a removal needs first, or raises an error naming what. */
static void removal_check(lua_State *L, int net, struct lnet *n,
			  const char *what)
{
	const char *busy;
	struct err err;

	lnet_need_running(L, n);
	if (emu_change_check(n->emu, true, &err))
		luaL_error(L, "%s: %s", what, err.msg);
	busy = lfault_busy(L, net, n);
	if (busy)
		luaL_error(L, "%s: %s in network '%s': put them back "
			   "(net:reset()) before removing anything", what,
			   busy, n->topo->name);
}

/* Takes out what node_gone and link_gone mark, from the kernel, then from
 * the model, and makes everything follow. */
static void remove_marked(lua_State *L, int net, struct lnet *n,
			  const bool *node_gone, const bool *link_gone)
{
	struct topo_route_snap old;
	struct topo_map m;
	struct err err;
	int rc;

	err_clear(&err);
	if (topo_snap_take(n->topo, &old))
		luaL_error(L, "out of memory");
	rc = emu_remove_objects(n->emu, node_gone, link_gone, &err);
	if (!rc && topo_remove(n->topo, node_gone, link_gone, &m))
		rc = err_set(&err, -ENOMEM, "out of memory");
	if (rc) {
		topo_snap_free(&old);
		luaL_error(L, "%s", err.msg);
	}
	/* What runs is gone already: the model follows it, whatever
	 * the routes do. */
	topo_keep_plan(n->topo);
	rc = topo_plan(n->topo, &err);
	lhandle_remap(L, net, &m);
	lfault_resized(L, net, n, m.node);
	lrouting_resized(n);
	limpair_remap(n, m.link, m.nlinks);
	if (!rc)
		rc = emu_shrunk(n->emu, &m, &old, &err);
	topo_map_free(&m);
	topo_snap_free(&old);
	if (rc)
		luaL_error(L, "%s", err.msg);
}

/* node:remove(): the node, its links, and what runs in it. */
int lchange_node_remove(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	char what[160];
	bool *gone;

	lua_getiuservalue(L, 1, 1); /* the network, at 2 */
	snprintf(what, sizeof(what), "removing node %s",
		 n->topo->nodes[i].name);
	removal_check(L, 2, n, what);
	gone = lua_newuserdatauv(L, n->topo->nnodes + 1, 0);
	memset(gone, 0, n->topo->nnodes + 1);
	gone[i] = true;
	lua_pushstring(L, n->topo->nodes[i].name); /* outlives the node */
	remove_marked(L, 2, n, gone, NULL);
	levent(L, "node_removed", "net:s", n->topo->name, "node:s",
	       lua_tostring(L, -1), NULL);
	return 0;
}

/* link:remove(): the link's veth pair. */
int lchange_link_remove(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	char name[160], what[200];
	bool *gone;

	lua_getiuservalue(L, 1, 1);
	topo_link_name(n->topo, l, name, sizeof(name));
	snprintf(what, sizeof(what), "removing link %s", name);
	removal_check(L, 2, n, what);
	gone = lua_newuserdatauv(L, n->topo->nlinks + 1, 0);
	memset(gone, 0, n->topo->nlinks + 1);
	gone[l] = true;
	remove_marked(L, 2, n, NULL, gone);
	levent(L, "link_removed", "net:s", n->topo->name, "link:s", name,
	       NULL);
	return 0;
}
