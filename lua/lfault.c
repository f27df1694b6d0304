/*
 * Faults on a running network: node:fail()/recover(), net:partition()/
 * heal(), net:reset(), and the link state they share with link:up()/down()
 * and link:flap() (written in Lua, lua/lib/test.lua).
 *
 * A link is down when its user set it down (link:down()) or when any fault
 * holds it: a failed node at either end, a partition that cuts it, the down
 * phase of a flap.  Faults count their holds, so they compose: recovering
 * one of two failed neighbours leaves the link between them down.  Each
 * change of a link, and each fault, is an event in the run's log.
 *
 * The bookkeeping of a network lives in a userdata kept in a weak registry
 * table keyed by the network, made when first needed for the emulation
 * the network runs; its user value holds what is easier as Lua tables: the
 * processes started with node:spawn(), the processes a failed node froze,
 * the partitions.
 *
 * The processes are in lfault_proc.c, the partitions in lpartition.c.
 */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine/engine.h"
#include "lua/lfault_int.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define FSTATE_MT "lunet.faults"
#define FSTATES "lunet.faults.nets" /* registry: network -> state, weak */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fstate_gc(lua_State *L)
{
	struct fstate *st = lua_touserdata(L, 1);

	free(st->manual);
	free(st->hold);
	free(st->failed);
	st->manual = NULL;
	st->hold = NULL;
	st->failed = NULL;
	return 0;
}

/* The fault state of network n (the userdata at net) for its current
 * emulation pushed, or nothing and NULL when it has none. */
static struct fstate *fstate_find(lua_State *L, int net, struct lnet *n)
{
	struct fstate *st;

	net = lua_absindex(L, net);
	lua_getfield(L, LUA_REGISTRYINDEX, FSTATES);
	lua_pushvalue(L, net);
	if (lua_rawget(L, -2) == LUA_TUSERDATA) {
		st = lua_touserdata(L, -1);
		if (st->emu == n->emu && st->started == n->started) {
			lua_remove(L, -2);
			return st;
		}
	}
	lua_pop(L, 2);
	return NULL;
}

/* Pushes the fault state of the running network at index net, making it
 * when the network has none yet for its current emulation. */
struct fstate *lfault_fstate_push(lua_State *L, int net)
{
	struct lnet *n = lnet_check(L, net);
	struct fstate *st;

	net = lua_absindex(L, net);
	lnet_need_running(L, n);
	st = fstate_find(L, net, n);
	if (st)
		return st;
	lua_getfield(L, LUA_REGISTRYINDEX, FSTATES);
	st = lua_newuserdatauv(L, sizeof(*st), 1);
	memset(st, 0, sizeof(*st));
	luaL_setmetatable(L, FSTATE_MT);
	st->emu = n->emu;
	st->started = n->started;
	st->nlinks = n->topo->nlinks;
	st->nnodes = n->topo->nnodes;
	st->manual = calloc(st->nlinks + 1, 1);
	st->hold = calloc(st->nlinks + 1, sizeof(*st->hold));
	st->failed = calloc(st->nnodes + 1, 1);
	if (!st->manual || !st->hold || !st->failed)
		luaL_error(L, "out of memory");
	lua_createtable(L, 0, 3);
	lua_newtable(L);
	lua_setfield(L, -2, "procs");
	lua_newtable(L);
	lua_setfield(L, -2, "frozen");
	lua_newtable(L);
	lua_setfield(L, -2, "partitions");
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, net);
	lua_pushvalue(L, -2);
	lua_rawset(L, -4);
	lua_remove(L, -2);
	return st;
}

/* Pushes field name of the user value of the fault state at idx. */
void lfault_push_field(lua_State *L, int idx, const char *name)
{
	lua_getiuservalue(L, idx, 1);
	lua_getfield(L, -1, name);
	lua_remove(L, -2);
}

const char *lfault_node_name(struct lnet *n, uint32_t i)
{
	return n->topo->nodes[i].name;
}

/* ---- Links ---------------------------------------------------------------- */

static void log_links(lua_State *L, struct lnet *n, const uint32_t *links,
		      size_t count, bool down, const char *cause)
{
	char name[160];
	size_t i;

	for (i = 0; i < count; i++)
		levent(L, down ? "link_down" : "link_up", "net:s",
		       n->topo->name, "link:s",
		       topo_link_name(n->topo, links[i], name, sizeof(name)), "cause:s",
		       cause, NULL);
}

/* Puts the count links of links[] in the kernel in the state their user
 * and their faults want, all those going down together and then all those
 * going up. */
void lfault_put_links(lua_State *L, struct lnet *n, struct fstate *st,
		      const uint32_t *links, size_t count, const char *cause)
{
	uint32_t *todo;
	size_t i, k;
	struct err err;
	int pass;

	todo = lua_newuserdatauv(L, (count + 1) * sizeof(*todo), 0);
	for (pass = 0; pass < 2; pass++) {
		bool down = pass == 0;

		for (i = k = 0; i < count; i++) {
			uint32_t l = links[i];
			bool want = st->manual[l] || st->hold[l] > 0;

			if (want == down && want == emu_link_is_up(n->emu, l))
				todo[k++] = l;
		}
		if (!k)
			continue;
		err_clear(&err);
		if (emu_links_set(n->emu, todo, k, !down, &err))
			luaL_error(L, "%s", err.msg);
		log_links(L, n, todo, k, down, cause);
	}
	lua_pop(L, 1);
}

void lfault_hold(struct fstate *st, uint32_t l, int delta)
{
	if (delta > 0 && st->hold[l] < UINT16_MAX)
		st->hold[l]++;
	else if (delta < 0 && st->hold[l] > 0)
		st->hold[l]--;
}

void lfault_link_admin(lua_State *L, int link, bool up)
{
	struct lnet *n;
	uint32_t l = llink_check(L, link, &n);
	struct fstate *st;

	lua_getiuservalue(L, link, 1);
	st = lfault_fstate_push(L, -1);
	st->manual[l] = !up;
	lfault_put_links(L, n, st, &l, 1, "manual");
	lua_pop(L, 2);
}

/* lunet._hold(link, delta, cause): what link:flap() holds and lets go. */
static int l_hold(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	int delta = (int)luaL_checkinteger(L, 2);
	const char *cause = luaL_optstring(L, 3, "flap");
	struct fstate *st;

	lua_getiuservalue(L, 1, 1);
	st = lfault_fstate_push(L, -1);
	lfault_hold(st, l, delta);
	lfault_put_links(L, n, st, &l, 1, cause);
	return 0;
}

/* ---- Nodes ---------------------------------------------------------------- */

static void node_links(lua_State *L, struct lnet *n, struct fstate *st,
		       uint32_t i, int delta)
{
	const struct topo_node *node = &n->topo->nodes[i];
	char cause[96];
	uint32_t *links, k;

	snprintf(cause, sizeof(cause), "node %s", node->name);
	links = lua_newuserdatauv(L, (node->nports + 1) * sizeof(*links), 0);
	for (k = 0; k < node->nports; k++) {
		links[k] = n->topo->ports[node->ports[k]].link;
		lfault_hold(st, links[k], delta);
	}
	lfault_put_links(L, n, st, links, node->nports, cause);
	lua_pop(L, 1);
}

/* node:fail([{kill = true}]) */
static int l_fail(lua_State *L)
{
	static const struct lopt known[] = {
		{ "kill", LOPT_BOOLEAN },
		{ NULL, 0 },
	};
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	struct fstate *st;
	bool hard;
	int procs;

	lopts_check(L, 2, known, "node %s:fail{}", lfault_node_name(n, i));
	hard = lopts_boolean(L, 2, "kill", false);
	lua_settop(L, 2);
	lua_getiuservalue(L, 1, 1);
	st = lfault_fstate_push(L, 3); /* at 4 */
	if (st->failed[i])
		return luaL_error(L, "node %s has failed already",
				  lfault_node_name(n, i));
	st->failed[i] = hard ? FAIL_KILL : FAIL_STOP;
	levent(L, "node_fail", "net:s", n->topo->name, "node:s",
	       lfault_node_name(n, i), "mode:s", hard ? "kill" : "stop", NULL);
	/* The processes first, so that none of them sees its links go. */
	procs = lfault_stop_procs(L, n, 4, i, hard);
	if (procs < 0)
		return luaL_error(L, "node %s: cannot stop its processes: %s",
				  lfault_node_name(n, i), strerror(-procs));
	node_links(L, n, st, i, +1);
	lua_pushinteger(L, procs);
	return 1;
}

static int recover(lua_State *L, struct lnet *n, int sti, struct fstate *st,
		   uint32_t i)
{
	int procs;

	node_links(L, n, st, i, -1);
	procs = lfault_restore_procs(L, n, sti, i);
	st->failed[i] = UP_NONE;
	levent(L, "node_recover", "net:s", n->topo->name, "node:s",
	       lfault_node_name(n, i), "processes:i", (long long)procs, NULL);
	return procs;
}

/* node:recover() */
static int l_recover(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	struct fstate *st;

	lua_settop(L, 1);
	lua_getiuservalue(L, 1, 1);
	st = lfault_fstate_push(L, 2); /* at 3 */
	if (!st->failed[i])
		return luaL_error(L, "node %s has not failed",
				  lfault_node_name(n, i));
	lua_pushinteger(L, recover(L, n, 3, st, i));
	return 1;
}

/* node.failed */
static int l_failed(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);

	lua_settop(L, 1);
	lua_getiuservalue(L, 1, 1);
	if (!n->emu) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_pushboolean(L, lfault_fstate_push(L, 2)->failed[i] != UP_NONE);
	return 1;
}

/* ---- Reset ------------------------------------------------------------------ */


/* net:reset(): the network as it was built, without building it again:
 * failed nodes recovered, partitions healed, flaps' and the user's link
 * downs lifted, link impairments as built, the processes of tests killed
 * and the others running.
 * Returns the seconds it took.  Tasks (flaps, probes) are the runner's to
 * cancel first. */
static int l_reset(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t i, l, *all, nfailed = 0, *failed;
	struct fstate *st;
	double t0 = now();
	int id;

	lua_settop(L, 1);
	st = lfault_fstate_push(L, 1); /* at 2 */
	/* Every fault lifted in the books first, then all the links in one
	 * pass (one batch per node, one wait for the ends to come up), then
	 * the processes, once their links are back. */
	failed = lua_newuserdatauv(L, (st->nnodes + 1) * sizeof(*failed), 0);
	for (i = 0; i < st->nnodes; i++)
		if (st->failed[i])
			failed[nfailed++] = i;
	memset(st->failed, 0, st->nnodes);
	for (id = 1; id <= st->partitions; id++) {
		lfault_push_field(L, 2, "partitions");
		if (lua_rawgeti(L, -1, id) == LUA_TTABLE)
			levent(L, "heal", "net:s", n->topo->name, "id:i",
			       (long long)id, NULL);
		lua_pop(L, 2);
	}
	lua_getiuservalue(L, 2, 1);
	lua_newtable(L);
	lua_setfield(L, -2, "partitions");
	lua_pop(L, 1);
	memset(st->manual, 0, st->nlinks);
	memset(st->hold, 0, st->nlinks * sizeof(*st->hold));
	all = lua_newuserdatauv(L, (st->nlinks + 1) * sizeof(*all), 0);
	for (l = 0; l < st->nlinks; l++)
		all[l] = l;
	lfault_put_links(L, n, st, all, st->nlinks, "reset");
	lua_pop(L, 1);
	for (i = 0; i < nfailed; i++)
		levent(L, "node_recover", "net:s", n->topo->name, "node:s",
		       lfault_node_name(n, failed[i]), "processes:i",
		       (long long)lfault_restore_procs(L, n, 2, failed[i]),
		       NULL);
	lfault_reset_procs(L, n, 2);
	limpair_reset(L, n);
	/* Last: a removal needs the faults lifted. */
	lchange_reset(L, 1, n);
	levent(L, "reset", "net:s", n->topo->name, "seconds:f", now() - t0,
	       NULL);
	lua_pushnumber(L, now() - t0);
	return 1;
}

/* lunet._in_test(on): processes started from now on belong to a test. */
static int l_in_test(lua_State *L)
{
	lua_pushboolean(L, lua_toboolean(L, 1));
	lua_setfield(L, LUA_REGISTRYINDEX, IN_TEST);
	return 0;
}

/* Adds fns to the methods of the type whose metatable is mt. */
/* lunet._machine_set(net, name, up): machine name of a network across
 * machines fails (up false) or recovers (docs/machines.md). */
static int l_machine_set(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	const char *name = luaL_checkstring(L, 2);
	bool up = lua_toboolean(L, 3);
	struct err err;

	lnet_need_running(L, n);
	err_clear(&err);
	if (emu_machine_set(n->emu, name, up, &err)) {
		lua_pushstring(L, err.msg); /* the caller says where */
		return lua_error(L);
	}
	levent(L, up ? "machine_recover" : "machine_fail", "net:s",
	       n->topo->name, "machine:s", name, NULL);
	return 0;
}

static void extend(lua_State *L, const char *mt, const luaL_Reg *fns)
{
	luaL_getmetatable(L, mt);
	lua_getfield(L, -1, "__index");
	if (lua_getupvalue(L, -1, 1))
		luaL_setfuncs(L, fns, 0);
	lua_pop(L, 3);
}

void lfault_open(lua_State *L)
{
	static const luaL_Reg node_fns[] = {
		{ "fail", l_fail },
		{ "recover", l_recover },
		{ "is_failed", l_failed },
		{ NULL, NULL },
	};
	static const luaL_Reg net_fns[] = {
		{ "partition", lpartition_net_partition },
		{ "heal", lpartition_net_heal },
		{ "reset", l_reset },
		{ NULL, NULL },
	};
	static const luaL_Reg fns[] = {
		{ "_hold", l_hold },
		{ "_in_test", l_in_test },
		{ "_machine_set", l_machine_set },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, FSTATE_MT);
	lua_pushcfunction(L, fstate_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lpartition_open(L);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, FSTATES);

	extend(L, LNODE_MT, node_fns);
	extend(L, LNET_MT, net_fns);
	luaL_setfuncs(L, fns, 0);
}

/* ---- Changes to the running network (lchange.c) --------------------------- */

const char *lfault_busy(lua_State *L, int net, struct lnet *n)
{
	struct fstate *st = fstate_find(L, net, n);
	bool any;

	if (!st)
		return NULL;
	/* A partition keeps the links it cut by index. */
	lfault_push_field(L, -1, "partitions");
	lua_pushnil(L);
	any = lua_next(L, -2) != 0;
	lua_pop(L, any ? 4 : 2);
	return any ? "partitions are in force" : NULL;
}

static void *grown(lua_State *L, void *p, size_t old, size_t now)
{
	unsigned char *q = realloc(p, now + 1);

	if (!q)
		luaL_error(L, "out of memory");
	if (now > old)
		memset(q + old, 0, now - old);
	return q;
}

/* a[map[i]] = a[i] for what stays (map[i] <= i), n elements of size. */
static void follow(void *a, const uint32_t *map, uint32_t n, size_t size)
{
	unsigned char *p = a;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (map[i] != TOPO_NONE && map[i] != i)
			memcpy(p + map[i] * size, p + i * size, size);
}

void lfault_resized(lua_State *L, int net, struct lnet *n,
		    const struct topo_map *m)
{
	struct fstate *st = fstate_find(L, net, n);
	const struct topo *t = n->topo;
	const uint32_t *node_map = m ? m->node : NULL;
	lua_Integer k, len, j = 0;

	if (!st)
		return;
	/* What faults hold follows its link or node; what was removed
	 * takes its faults with it. */
	if (m) {
		follow(st->manual, m->link, st->nlinks, 1);
		follow(st->hold, m->link, st->nlinks, sizeof(*st->hold));
		follow(st->failed, m->node, st->nnodes, 1);
	}
	st->manual = grown(L, st->manual, m ? t->nlinks : st->nlinks,
			   t->nlinks);
	st->hold = grown(L, st->hold,
			 (m ? t->nlinks : st->nlinks) * sizeof(*st->hold),
			 t->nlinks * sizeof(*st->hold));
	st->failed = grown(L, st->failed, m ? t->nnodes : st->nnodes,
			   t->nnodes);
	st->nlinks = t->nlinks;
	st->nnodes = t->nnodes;
	if (!node_map) {
		lua_pop(L, 1);
		return;
	}
	/* node:spawn()'s records follow their nodes; those of removed
	 * nodes died with them. */
	lfault_push_field(L, -1, "procs");
	len = (lua_Integer)luaL_len(L, -1);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, -1, k);
		lua_getfield(L, -1, "node");
		lua_Integer i = lua_tointeger(L, -1);
		lua_pop(L, 1);
		if (node_map[i] == TOPO_NONE) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushinteger(L, node_map[i]);
		lua_setfield(L, -2, "node");
		lua_rawseti(L, -2, ++j);
	}
	for (k = j + 1; k <= len; k++) {
		lua_pushnil(L);
		lua_rawseti(L, -2, k);
	}
	lua_pop(L, 2);
}
