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
#include "lua/lfault_int.h"
#include "lua/lunet.h"
#include "topo/serial.h"
#include "topo/change.h"
#include "topo/topo.h"

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
	struct err err;
	int rc;

	if (onodes == t->nnodes && olinks == t->nlinks)
		return;
	err_clear(&err);
	rc = emu_change_check(n->emu, &err);
	/* The routes as they run: the plan is still the old one, the
	 * additions have none yet. */
	if (!rc && topo_snap_take(t, &old))
		rc = err_set(&err, -ENOMEM, "out of memory");
	if (rc) {
		take_back(n, onodes, olinks);
		lhandle_truncate(L, net, onodes, olinks);
		luaL_error(L, "%s", err.msg);
	}
	topo_keep_plan(t);
	rc = topo_plan(t, &err);
	if (!rc)
		rc = emu_grow(n->emu, onodes, olinks, &old, &err);
	topo_snap_free(&old);
	if (rc) {
		take_back(n, onodes, olinks);
		lhandle_truncate(L, net, onodes, olinks);
		emu_record_now(n->emu, NULL);
		luaL_error(L, "%s", err.msg);
	}
	lfault_resized(L, net, n, NULL);
	lrouting_resized(n);
	log_added(L, n, onodes, olinks);
}

#define PENDING "lunet.change.pending" /* registry: {link, opts} pairs */
#define PENDING_RM "lunet.change.removals" /* registry: handles */

void lchange_defer_impair(lua_State *L, int opts, struct lnet *n, uint32_t l)
{
	opts = lua_absindex(L, opts);
	if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, PENDING);
	}
	lua_createtable(L, 2, 0);
	lua_pushinteger(L, l);
	lua_rawseti(L, -2, 1);
	lua_pushvalue(L, opts);
	lua_rawseti(L, -2, 2);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	lua_pop(L, 1);
}

/* The impairments of the links built at the end of net:change(). */
static void pending_apply(lua_State *L, struct lnet *n, bool apply)
{
	lua_Integer i, len;

	if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, PENDING);
	len = (lua_Integer)lua_rawlen(L, -1);
	for (i = 1; i <= len && apply; i++) {
		lua_rawgeti(L, -1, i);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		limpair_link_opts(L, lua_gettop(L), n,
				  (uint32_t)lua_tointeger(L, -2));
		lua_pop(L, 3);
	}
	lua_pop(L, 1);
}

void lchange_grew(lua_State *L, int net, struct lnet *n, uint32_t onodes,
		  uint32_t olinks)
{
	if (!n->changing)
		lchange_added(L, net, n, onodes, olinks);
}

static void pending_remove(lua_State *L, int net, struct lnet *n,
			   bool apply);

/* Whether removing anything from n is refused now (what: the sentence's
 * start); err says why. */
static bool removal_refused(lua_State *L, int net, struct lnet *n,
			    const char *what, struct err *err)
{
	const char *busy;
	struct err why;
	int rc;

	err_clear(err);
	rc = emu_change_check(n->emu, &why);
	if (rc) {
		err_set(err, rc, "%s: %s", what, why.msg);
		return true;
	}
	busy = lfault_busy(L, net, n);
	if (busy)
		err_set(err, -EBUSY, "%s: %s in network '%s': heal them "
			"(net:heal(), net:reset()) before removing anything",
			what, busy, n->topo->name);
	return busy != NULL;
}

/* Whether net:change() asked for removals that would be refused. */
static bool removals_refused(lua_State *L, int net, struct lnet *n,
			     struct err *err)
{
	bool any;

	any = lua_getfield(L, LUA_REGISTRYINDEX, PENDING_RM) == LUA_TTABLE;
	lua_pop(L, 1);
	return any && removal_refused(L, net, n, "removing", err);
}

/* net:change(fn): fn runs, and what it adds to and removes from the
 * running network is planned and made once, at its end (a rack at once,
 * not host by host): the additions, then the removals.  An error in fn
 * takes the additions back and removes nothing.  Returns fn's
 * results. */
int lchange_net_change(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	struct err err;
	int rc, base;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	base = lua_gettop(L) - 1;
	if (!n->emu || n->changing) {
		lua_call(L, 0, LUA_MULTRET);
		return lua_gettop(L) - base;
	}
	lchange_before(L, 1, n);
	n->changing = 1;
	n->change_nodes = n->topo->nnodes;
	n->change_links = n->topo->nlinks;
	pending_apply(L, n, false);
	pending_remove(L, 1, n, false);
	rc = lua_pcall(L, 0, LUA_MULTRET, 0);
	n->changing = 0;
	if (rc != LUA_OK) {
		pending_apply(L, n, false);
		pending_remove(L, 1, n, false);
		take_back(n, n->change_nodes, n->change_links);
		lhandle_truncate(L, 1, n->change_nodes, n->change_links);
		return lua_error(L);
	}
	/* The removals are checked before the additions are built, so that
	 * a refused one refuses the whole change. */
	if (removals_refused(L, 1, n, &err)) {
		pending_apply(L, n, false);
		pending_remove(L, 1, n, false);
		take_back(n, n->change_nodes, n->change_links);
		lhandle_truncate(L, 1, n->change_nodes, n->change_links);
		return luaL_error(L, "%s", err.msg);
	}
	lchange_added(L, 1, n, n->change_nodes, n->change_links);
	pending_apply(L, n, true);
	pending_remove(L, 1, n, true);
	return lua_gettop(L) - base;
}

/* What a removal needs first, or raises an error naming what. */
static void removal_check(lua_State *L, int net, struct lnet *n,
			  const char *what)
{
	struct err err;

	lnet_need_running(L, n);
	if (removal_refused(L, net, n, what, &err))
		luaL_error(L, "%s", err.msg);
}

/* Takes out what node_gone and link_gone mark, from the kernel, then from
 * the model, and makes everything follow. */
static void remove_marked(lua_State *L, int net, struct lnet *n,
			  const bool *node_gone, const bool *link_gone)
{
	struct topo_route_snap old;
	struct emu_gone *gone;
	struct topo_map m;
	struct err err;
	int rc;

	err_clear(&err);
	if (topo_snap_take(n->topo, &old))
		luaL_error(L, "out of memory");
	rc = emu_remove_prepare(n->emu, node_gone, link_gone, &gone, &err);
	if (!rc && topo_remove(n->topo, node_gone, link_gone, &m)) {
		emu_gone_free(gone);
		rc = err_set(&err, -ENOMEM, "out of memory");
	}
	if (rc) {
		topo_snap_free(&old);
		luaL_error(L, "%s", err.msg);
	}
	/* The model lets go first; the routes are rewritten around what
	 * goes, then it goes, whatever the routes did. */
	topo_keep_plan(n->topo);
	rc = topo_plan(n->topo, &err);
	lhandle_remap(L, net, &m);
	lfault_resized(L, net, n, &m);
	lrouting_resized(n);
	limpair_remap(n, m.link, m.nlinks);
	if (!rc)
		rc = emu_shrunk(n->emu, &m, &old, &err);
	if (!rc)
		rc = emu_remove_finish(n->emu, gone, &err);
	else
		emu_remove_finish(n->emu, gone, NULL);
	topo_map_free(&m);
	topo_snap_free(&old);
	if (rc)
		luaL_error(L, "%s", err.msg);
}

/* Removes what the handles in the array at idx name, at once; logs an
 * event for each. */
static void remove_handles(lua_State *L, int net, struct lnet *n, int idx)
{
	lua_Integer k, len;
	char name[160], what[200];
	struct lnet *owner;
	bool *ngone, *lgone;
	bool node;
	uint32_t i;
	int names;

	idx = lua_absindex(L, idx);
	len = (lua_Integer)lua_rawlen(L, idx);
	if (!len)
		return;
	ngone = lua_newuserdatauv(L, n->topo->nnodes + 1, 0);
	lgone = lua_newuserdatauv(L, n->topo->nlinks + 1, 0);
	memset(ngone, 0, n->topo->nnodes + 1);
	memset(lgone, 0, n->topo->nlinks + 1);
	lua_newtable(L); /* names, taken before they go: node or link */
	names = lua_gettop(L);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, idx, k);
		node = luaL_testudata(L, -1, LNODE_MT) != NULL;
		if (node) {
			i = lnode_check(L, -1, &owner);
			ngone[i] = true;
			snprintf(name, sizeof(name), "%s", n->topo->nodes[i].name);
		} else {
			i = llink_check(L, -1, &owner);
			lgone[i] = true;
			topo_link_name(n->topo, i, name, sizeof(name));
		}
		lua_pop(L, 1);
		lua_pushfstring(L, "%c%s", node ? 'n' : 'l', name);
		lua_rawseti(L, names, k);
	}
	lua_rawgeti(L, names, 1);
	snprintf(what, sizeof(what), "removing %s %s%s",
		 lua_tostring(L, -1)[0] == 'n' ? "node" : "link",
		 lua_tostring(L, -1) + 1, len > 1 ? " and the others" : "");
	lua_pop(L, 1);
	removal_check(L, net, n, what);
	remove_marked(L, net, n, ngone, lgone);
	for (k = 1; k <= len; k++) {
		const char *e;

		lua_rawgeti(L, names, k);
		e = lua_tostring(L, -1);
		if (e[0] == 'n')
			levent(L, "node_removed", "net:s", n->topo->name,
			       "node:s", e + 1, NULL);
		else
			levent(L, "link_removed", "net:s", n->topo->name,
			       "link:s", e + 1, NULL);
		lua_pop(L, 1);
	}
	lua_pop(L, 3);
}

/* node:remove() and link:remove(): now, or at the end of net:change(). */
static int remove_one(lua_State *L)
{
	struct lnet *n = lua_touserdata(L, -1);

	lua_pop(L, 1);
	lua_getiuservalue(L, 1, 1); /* the network, at 2 */
	lnet_need_running(L, n);
	lchange_before(L, 2, n);
	if (n->changing) {
		if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING_RM) !=
		    LUA_TTABLE) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_pushvalue(L, -1);
			lua_setfield(L, LUA_REGISTRYINDEX, PENDING_RM);
		}
		lua_pushvalue(L, 1);
		lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
		return 0;
	}
	lua_createtable(L, 1, 0);
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, 1);
	remove_handles(L, 2, n, -1);
	return 0;
}

int lchange_node_remove(lua_State *L)
{
	struct lnet *n;

	lnode_check(L, 1, &n);
	lua_pushlightuserdata(L, n);
	return remove_one(L);
}

int lchange_link_remove(lua_State *L)
{
	struct lnet *n;

	llink_check(L, 1, &n);
	lua_pushlightuserdata(L, n);
	return remove_one(L);
}

/* link:set_mtu(mtu): the MTU of both ends, in place (68 to 65535). */
int lchange_link_mtu(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	lua_Integer mtu = luaL_checkinteger(L, 2);
	struct err err;

	if (mtu < 68 || mtu > 65535)
		return luaL_error(L, "set_mtu: MTU %I is out of range (68 to "
				  "65535)", mtu);
	if (!n->emu) {
		n->topo->links[l].mtu = (uint32_t)mtu;
		n->topo->planned = false;
		return 0;
	}
	lnet_need_here(L, n, "set_mtu");
	lua_getiuservalue(L, 1, 1);
	lchange_before(L, -1, n);
	err_clear(&err);
	if (emu_link_mtu(n->emu, l, (uint32_t)mtu, &err))
		return luaL_error(L, "%s", err.msg);
	return 0;
}

/* At the end of net:change(): the removals it asked for, at once. */
static void pending_remove(lua_State *L, int net, struct lnet *n, bool apply)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING_RM) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, PENDING_RM);
	if (apply)
		remove_handles(L, net, n, -1);
	lua_pop(L, 1);
}

/* ---- Undone by net:reset() in a test ------------------------------------- */

#define SNAPS "lunet.change.before" /* registry: network -> model text */

void lchange_before(lua_State *L, int net, struct lnet *n)
{
	char *buf;
	size_t len;
	bool in_test;

	net = lua_absindex(L, net);
	lua_getfield(L, LUA_REGISTRYINDEX, IN_TEST);
	in_test = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (!in_test || !n->emu || n->changing)
		return;
	if (lua_getfield(L, LUA_REGISTRYINDEX, SNAPS) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, SNAPS);
	}
	lua_pushvalue(L, net);
	if (lua_rawget(L, -2) != LUA_TNIL) {
		lua_pop(L, 2);
		return; /* the model as the test found it is kept already */
	}
	lua_pop(L, 1);
	/* A router whose config file was not read cannot be written: its
	 * changes are then not undone (docs/changes.md). */
	if (topo_write(n->topo, &buf, &len, NULL)) {
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(L, net);
	lua_pushlstring(L, buf, len);
	free(buf);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

static int reset_body(lua_State *L)
{
	lapply_model(L, 1, lua_touserdata(L, 2));
	return 1;
}

void lchange_reset(lua_State *L, int net, struct lnet *n)
{
	struct topo *t;
	struct err err;
	size_t len;
	const char *buf;
	int rc;

	net = lua_absindex(L, net);
	if (lua_getfield(L, LUA_REGISTRYINDEX, SNAPS) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(L, net);
	if (lua_rawget(L, -2) != LUA_TSTRING) {
		lua_pop(L, 2);
		return;
	}
	buf = lua_tolstring(L, -1, &len);
	t = topo_read(buf, len, &err);
	lua_pop(L, 1);
	lua_pushvalue(L, net);
	lua_pushnil(L);
	lua_rawset(L, -3);
	lua_pop(L, 1);
	if (!t)
		luaL_error(L, "reset: the model before the test's changes: %s",
			   err.msg);
	lua_pushcfunction(L, reset_body);
	lua_pushvalue(L, net);
	lua_pushlightuserdata(L, t);
	rc = lua_pcall(L, 2, 1, 0);
	topo_free(t);
	if (rc != LUA_OK)
		lua_error(L);
	lua_pop(L, 1);
}
