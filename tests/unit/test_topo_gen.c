/* Unit tests for the topology generators of lua/lib/topo.lua and the plans
 * they get: node and link counts, per-router route counts against the
 * formulas in docs/topologies.md, and reachability, checked by following
 * the planned routes hop by hop (every ECMP branch) from every host to
 * every other host and router loopback.
 *
 * The generators run against a small stand-in for the "lunet" module that
 * builds the struct topo directly, so no root and no kernel are needed.
 *
 * With arguments ("test_topo_gen 'fattree{k=32}' ..."), prints the size of
 * each plan and how long planning took instead of running the tests
 * (docs/performance.md quotes it); GEN_ROUTES=all|edge|auto then sets the
 * route scope. */
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lua/lopts.h"
#include "topo/topo.h"

extern const char lunet_topo_src[];

#define GEN_NET "gen.network"

/* In the size mode, $GEN_ROUTES ("auto", "all", "edge") sets the route
 * scope of every network made. */
static const char *scope_override;

static struct topo *gen_check(lua_State *L)
{
	return *(struct topo **)luaL_checkudata(L, 1, GEN_NET);
}

static const char *field(lua_State *L, int t, const char *key)
{
	const char *s = NULL;

	if (!lua_istable(L, t))
		return NULL;
	lua_getfield(L, t, key);
	s = lua_tostring(L, -1);
	lua_pop(L, 1); /* the options table keeps s alive */
	return s;
}

static int g_network(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, "net");
	const char *routes = scope_override;
	struct topo **t;

	if (!routes)
		routes = field(L, 2, "routes");
	t = lua_newuserdatauv(L, sizeof(*t), 0);
	*t = topo_new(name);
	if (!*t)
		return luaL_error(L, "out of memory");
	luaL_setmetatable(L, GEN_NET);
	if (routes && topo_routes_parse(routes, &(*t)->route_scope))
		return luaL_error(L, "bad routes option '%s'", routes);
	return 1;
}

static int add_node(lua_State *L, enum topo_kind kind)
{
	struct topo *t = gen_check(L);
	struct topo_node_opts o = { 0 };
	struct err err;
	int i;

	o.ip = field(L, 3, "ip");
	o.lo = field(L, 3, "lo");
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "stp");
		o.stp = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	i = topo_node_add(t, luaL_checkstring(L, 2), kind, &o, &err);
	if (i < 0)
		return luaL_error(L, "%s", err.msg);
	lua_pushinteger(L, i);
	return 1;
}

static int g_host(lua_State *L)
{
	return add_node(L, TOPO_HOST);
}

static int g_switch(lua_State *L)
{
	return add_node(L, TOPO_SWITCH);
}

static int g_router(lua_State *L)
{
	return add_node(L, TOPO_ROUTER);
}

static int g_link(lua_State *L)
{
	struct topo *t = gen_check(L);
	struct topo_link_opts o = { 0 };
	struct err err;
	int l;

	o.addr[0] = field(L, 4, "ip1");
	o.addr[1] = field(L, 4, "ip2");
	l = topo_link_add(t, (uint32_t)luaL_checkinteger(L, 2),
			  (uint32_t)luaL_checkinteger(L, 3), &o, &err);
	if (l < 0)
		return luaL_error(L, "%s", err.msg);
	lua_pushinteger(L, l);
	return 1;
}

static int g_gc(lua_State *L)
{
	struct topo **t = luaL_checkudata(L, 1, GEN_NET);

	topo_free(*t);
	*t = NULL;
	return 0;
}

static lua_State *gen_state(void)
{
	static const luaL_Reg methods[] = {
		{ "host", g_host },     { "switch", g_switch },
		{ "router", g_router }, { "link", g_link },
		{ NULL, NULL },
	};
	lua_State *L = luaL_newstate();

	assert_non_null(L);
	luaL_openlibs(L);
	luaL_newmetatable(L, GEN_NET);
	lua_pushcfunction(L, g_gc);
	lua_setfield(L, -2, "__gc");
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushcfunction(L, g_network);
	lua_setfield(L, -2, "network");
	lopts_open(L); /* lunet._check_opts, as the generators use it */
	lua_pushvalue(L, -1);
	lua_setglobal(L, "lunet");
	if (luaL_loadbuffer(L, lunet_topo_src, strlen(lunet_topo_src),
			    "=topo.lua") ||
	    (lua_insert(L, -2), lua_pcall(L, 1, 0, 0)))
		fail_msg("topo.lua: %s", lua_tostring(L, -1));
	return L;
}

/* Runs "return lunet.topo.<expr>" and takes the topology it returns out
 * of Lua's hands (the caller frees it).  Returns NULL with the error
 * message in err when the generator refuses. */
static struct topo *gen_run(const char *expr, char *err, size_t errlen)
{
	lua_State *L = gen_state();
	struct topo **h, *t = NULL;
	char chunk[256];

	snprintf(chunk, sizeof(chunk), "return lunet.topo.%s", expr);
	if (luaL_dostring(L, chunk)) {
		snprintf(err, errlen, "%s", lua_tostring(L, -1));
	} else {
		h = luaL_checkudata(L, -1, GEN_NET);
		t = *h;
		*h = NULL;
	}
	lua_close(L);
	return t;
}

static struct topo *gen_scope(const char *expr, enum topo_routes scope)
{
	char err[512];
	struct topo *t = gen_run(expr, err, sizeof(err));
	struct err e;

	if (!t)
		fail_msg("%s: %s", expr, err);
	t->route_scope = scope;
	if (topo_plan(t, &e))
		fail_msg("%s: %s", expr, e.msg);
	return t;
}

static struct topo *gen(const char *expr)
{
	return gen_scope(expr, TOPO_ROUTES_AUTO);
}

static void gen_fails(const char *expr, const char *want)
{
	char err[512];
	struct topo *t = gen_run(expr, err, sizeof(err));

	topo_free(t);
	assert_null(t);
	if (!strstr(err, want))
		fail_msg("%s: '%s' lacks '%s'", expr, err, want);
}

static uint32_t count_kind(const struct topo *t, enum topo_kind kind)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->nnodes; i++)
		n += t->nodes[i].kind == kind;
	return n;
}

static uint32_t routes_of(const struct topo *t, const char *name)
{
	uint32_t n = topo_node_find(t, name);

	if (n == TOPO_NONE)
		fail_msg("no node %s", name);
	return t->nodes[n].route_count;
}

/* Every node whose name starts with prefix has want routes. */
static void assert_route_count(const struct topo *t, const char *prefix,
			       uint32_t want)
{
	size_t len = strlen(prefix);
	uint32_t i, seen = 0;

	for (i = 0; i < t->nnodes; i++) {
		if (strncmp(t->nodes[i].name, prefix, len))
			continue;
		seen++;
		if (t->nodes[i].route_count != want)
			fail_msg("%s has %u routes, want %u",
				 t->nodes[i].name, t->nodes[i].route_count,
				 want);
	}
	assert_true(seen > 0);
}

static uint32_t ilog2(uint32_t n)
{
	uint32_t l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/* --- Following routes ------------------------------------------------ */

/* The node on port p's segment that owns address ip, or TOPO_NONE. */
static uint32_t owner_on_segment(const struct topo *t, uint32_t p,
				 uint32_t ip)
{
	const struct topo_segment *seg = &t->segments[t->ports[p].segment];
	uint32_t j;

	for (j = 0; j < seg->nports; j++)
		if (t->ports[seg->ports[j]].addr.ip == ip)
			return t->ports[seg->ports[j]].node;
	return TOPO_NONE;
}

/* Follows every path a packet from node n to ip can take; each must end
 * at node want within ttl hops.  Returns the number of paths, 0 when one
 * fails. */
static uint64_t walk(const struct topo *t, uint32_t n, uint32_t ip,
		     uint32_t want, int ttl)
{
	const struct topo_node *node = &t->nodes[n];
	const struct topo_route *best = NULL, *r;
	uint32_t i, next;
	uint64_t paths = 0, sub;

	if (ttl == 0)
		return 0;
	if (node->kind == TOPO_ROUTER && node->lo.ip == ip)
		return n == want;
	for (i = 0; i < node->nports; i++) {
		const struct topo_port *p = &t->ports[node->ports[i]];

		if (p->addr.ip == ip)
			return n == want;
		if (p->addr.plen && ip_contains(&p->addr, ip)) {
			next = owner_on_segment(t, node->ports[i], ip);
			return next == want;
		}
	}
	if (node->kind == TOPO_HOST && node->route_count == 0)
		return 0;
	for (i = 0; i < node->route_count; i++) {
		r = &topo_node_routes(t, n)[i];
		if (ip_contains(&r->dst, ip) &&
		    (!best || r->dst.plen > best->dst.plen))
			best = r;
	}
	if (!best)
		return 0;
	for (i = 0; i < best->nh_count; i++) {
		const struct topo_nexthop *nh = &t->nexthops[best->nh_first + i];

		next = owner_on_segment(t, nh->port, nh->gw);
		if (next == TOPO_NONE)
			return 0;
		sub = walk(t, next, ip, want, ttl - 1);
		if (!sub)
			return 0;
		paths += sub;
	}
	return paths;
}

/* Every host reaches every other host and every router's loopback, on
 * every equal-cost path.  Returns the number of paths to the first host
 * pair, to check that ECMP is there. */
static uint64_t assert_reachable(const struct topo *t)
{
	uint32_t a, b, ip;
	uint64_t paths, first = 0;

	for (a = 0; a < t->nnodes; a++) {
		if (t->nodes[a].kind != TOPO_HOST)
			continue;
		for (b = 0; b < t->nnodes; b++) {
			ip = topo_node_ip(t, b);
			if (a == b || !ip)
				continue;
			paths = walk(t, a, ip, b, 64);
			if (!paths)
				fail_msg("%s cannot reach %s", t->nodes[a].name,
					 t->nodes[b].name);
			if (!first && t->nodes[b].kind == TOPO_HOST)
				first = paths;
		}
	}
	return first;
}

/* --- Generators -------------------------------------------------------- */

static void test_linear(void **state)
{
	struct topo *t = gen("linear(5)");

	assert_string_equal(t->name, "linear");
	assert_int_equal(t->nnodes, 10);
	assert_int_equal(t->nlinks, 9);
	assert_int_equal(count_kind(t, TOPO_SWITCH), 5);
	assert_int_equal(t->nsegments, 1);
	assert_reachable(t);
	topo_free(t);
	t = gen("linear{n = 3, name = 'line'}");
	assert_string_equal(t->name, "line");
	assert_int_equal(t->nnodes, 6);
	topo_free(t);
}

static void test_tree(void **state)
{
	struct topo *t = gen("tree{depth = 3, fanout = 3}");

	/* 1 + 3 + 9 switches, 27 hosts, a link per node but the root. */
	assert_int_equal(count_kind(t, TOPO_SWITCH), 13);
	assert_int_equal(count_kind(t, TOPO_HOST), 27);
	assert_int_equal(t->nlinks, 39);
	assert_int_not_equal(topo_node_find(t, "s13"), TOPO_NONE);
	assert_int_not_equal(topo_node_find(t, "h27"), TOPO_NONE);
	assert_reachable(t);
	topo_free(t);
	/* Mininet's default: one switch, two hosts. */
	t = gen("tree{}");
	assert_int_equal(t->nnodes, 3);
	topo_free(t);
}

/* Route counts of a fat-tree with k a power of two, routed to hosts and
 * loopbacks only, from docs/topologies.md: h = k/2. */
static void fattree_counts(const struct topo *t, uint32_t k)
{
	uint32_t h = k / 2, lk = ilog2(k), lh = ilog2(h);
	uint32_t lhosts = ilog2(k * k / 2);

	assert_int_equal(count_kind(t, TOPO_HOST), k * k * k / 4);
	assert_int_equal(count_kind(t, TOPO_ROUTER), 5 * k * k / 4);
	assert_int_equal(t->nnodes, k * k * k / 4 + 5 * k * k / 4);
	assert_int_equal(t->nlinks, 3 * k * k * k / 4);
	assert_route_count(t, "edge", 2 * h + 2 * lhosts);
	assert_route_count(t, "core", (h + 2) * k + 2 * lh);
	assert_route_count(t, "agg",
			   3 * h + 3 * lk + lh + (h - 1) * (1 + lk));
	assert_route_count(t, "h", 1);
}

static void test_fattree(void **state)
{
	struct topo *t = gen_scope("fattree{k = 4}", TOPO_ROUTES_EDGE);

	fattree_counts(t, 4);
	assert_int_not_equal(topo_node_find(t, "core4"), TOPO_NONE);
	assert_int_not_equal(topo_node_find(t, "agg4_2"), TOPO_NONE);
	assert_int_not_equal(topo_node_find(t, "edge3_1"), TOPO_NONE);
	assert_int_not_equal(topo_node_find(t, "h4_2_2"), TOPO_NONE);
	/* h1_1_1 to h4_1_1: 2 aggregation routers x 2 cores. */
	assert_int_equal(assert_reachable(t), 1);
	topo_free(t);

	t = gen_scope("fattree{k = 8}", TOPO_ROUTES_EDGE);
	fattree_counts(t, 8);
	assert_reachable(t);
	topo_free(t);
	/* Small enough to route the router links too (automatically): an
	 * edge router adds, per aggregation router of its pod, that one's
	 * other links in log2(k) blocks, and per other pod and uplink one
	 * block: h log2(k) + (k - 1) h = 12 + 28. */
	t = gen("fattree{k = 8}");
	assert_route_count(t, "edge", 18 + 12 + 28);
	assert_reachable(t);
	topo_free(t);
	/* Not a power of two: fewer routes merge, all still work. */
	t = gen("fattree(6)");
	assert_int_equal(count_kind(t, TOPO_HOST), 54);
	assert_reachable(t);
	topo_free(t);
}

static void test_fattree_paths(void **state)
{
	struct topo *t = gen("fattree{k = 4}");
	uint32_t a = topo_node_find(t, "h1_1_1"), b;

	b = topo_node_find(t, "h4_1_1");
	assert_int_equal(walk(t, a, topo_node_ip(t, b), b, 64), 4);
	b = topo_node_find(t, "h1_2_1");
	assert_int_equal(walk(t, a, topo_node_ip(t, b), b, 64), 2);
	topo_free(t);
}

static void test_leafspine(void **state)
{
	struct topo *t = gen_scope("leafspine{spines = 4, leaves = 8, "
				   "hosts_per_leaf = 4}",
				   TOPO_ROUTES_EDGE);
	uint32_t a, b;

	assert_int_equal(count_kind(t, TOPO_HOST), 32);
	assert_int_equal(count_kind(t, TOPO_ROUTER), 12);
	assert_int_equal(t->nlinks, 32 + 32);
	/* A leaf: its spines, the other leaves' loopbacks and hosts in
	 * log2(leaves) blocks each; a spine: every leaf's loopback and
	 * host block, the other spines in log2(spines) blocks. */
	assert_route_count(t, "leaf", 4 + 3 + 3);
	assert_route_count(t, "spine", 2 * 8 + 2);
	a = topo_node_find(t, "h1_1");
	b = topo_node_find(t, "h8_4");
	assert_int_equal(walk(t, a, topo_node_ip(t, b), b, 64), 4);
	assert_reachable(t);
	topo_free(t);
	t = gen("leafspine{1, 3, 1}");
	assert_int_equal(t->nnodes, 7);
	assert_reachable(t);
	topo_free(t);
}

static void test_torus(void **state)
{
	struct topo *t = gen("torus{x = 4, y = 3}");

	assert_int_equal(count_kind(t, TOPO_ROUTER), 12);
	assert_int_equal(count_kind(t, TOPO_HOST), 12);
	assert_int_equal(t->nlinks, 12 + 24);
	assert_int_not_equal(topo_node_find(t, "r4_3"), TOPO_NONE);
	assert_reachable(t);
	topo_free(t);
	t = gen("torus{3, 3, switch = true}");
	assert_int_equal(count_kind(t, TOPO_SWITCH), 9);
	assert_true(t->nodes[topo_node_find(t, "s1_1")].stp);
	topo_free(t);
}

static void test_bad_options(void **state)
{
	gen_fails("fattree{k = 5}", "lunet.topo.fattree{}: option 'k' must "
		  "be even (got 5)");
	gen_fails("fattree{k = 0}", "option 'k' must be an integer between 2 "
		  "and 64 (got 0)");
	gen_fails("fattree{K = 4}", "lunet.topo.fattree{}: unknown option 'K' "
		  "(it takes: bfd, daemon, k, name, routing, unnumbered)");
	gen_fails("fattree{4, k = 4}", "option 'k' given twice");
	gen_fails("linear{2, 3}", "unknown option [2] (it takes: n, name)");
	gen_fails("leafspine{spines = 'x'}", "lunet.topo.leafspine{}: option "
		  "'spines' must be an integer (got string)");
	gen_fails("torus{x = 2}", "lunet.topo.torus{}: option 'x' must be");
	gen_fails("torus{switch = {}}", "option 'switch' must be an integer, "
		  "a string or a boolean (got table)");
	gen_fails("tree{depth = 10, fanout = 10}", "too many");
	gen_fails("linear{name = 3}", "option 'name' must be a string");
	gen_fails("linear('a')", "lunet.topo.linear{}: options must be a "
		  "table (got string)");
}

/* The "edge" scope leaves out the router-to-router /31s; "all" routes
 * them too; "auto" (the default) is "all" unless that is too many. */
static void test_scope(void **state)
{
	struct topo *t = gen_scope("leafspine{spines = 2, leaves = 2, "
				   "hosts_per_leaf = 1}",
				   TOPO_ROUTES_EDGE);
	uint32_t edge = routes_of(t, "leaf1"), n;
	struct err e;

	t->route_scope = TOPO_ROUTES_ALL;
	assert_int_equal(topo_plan(t, &e), 0);
	/* leaf1 also reaches leaf2's two uplinks, one via each spine. */
	assert_int_equal(routes_of(t, "leaf1"), edge + 2);
	assert_reachable(t);
	/* Automatic: small, so the same as all. */
	t->route_scope = TOPO_ROUTES_AUTO;
	assert_int_equal(topo_plan(t, &e), 0);
	assert_int_equal(routes_of(t, "leaf1"), edge + 2);
	topo_free(t);
	/* 1,600 routers x 3,200 router links is past the automatic limit:
	 * as with edge, a router has one route per host and loopback. */
	t = gen("torus{40, 40}");
	n = routes_of(t, "r20_20");
	t->route_scope = TOPO_ROUTES_EDGE;
	assert_int_equal(topo_plan(t, &e), 0);
	assert_int_equal(routes_of(t, "r20_20"), n);
	assert_true(n < 3200);
	topo_free(t);
}

/* --- Sizes, for tools/bench -------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int print_sizes(int argc, char **argv)
{
	uint32_t i, n, max;
	struct topo *t;
	struct err e;
	char err[512];
	double t0;
	int a;

	for (a = 1; a < argc; a++) {
		t0 = now();
		t = gen_run(argv[a], err, sizeof(err));
		if (!t) {
			fprintf(stderr, "%s: %s\n", argv[a], err);
			return 1;
		}
		if (topo_plan(t, &e)) {
			fprintf(stderr, "%s: %s\n", argv[a], e.msg);
			return 1;
		}
		for (i = 0, n = 0, max = 0; i < t->nnodes; i++) {
			if (t->nodes[i].kind != TOPO_ROUTER)
				continue;
			n++;
			if (t->nodes[i].route_count > max)
				max = t->nodes[i].route_count;
		}
		printf("%s: %u nodes, %u links, %u routers, %u routes "
		       "(at most %u per router), %u next hops, "
		       "generated and planned in %.2f s\n",
		       argv[a], t->nnodes, t->nlinks, n, t->nroutes, max,
		       t->nnexthops, now() - t0);
		topo_free(t);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_fattree),
		cmocka_unit_test(test_fattree_paths),
		cmocka_unit_test(test_leafspine),
		cmocka_unit_test(test_torus),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_scope),
	};

	if (argc > 1) {
		scope_override = getenv("GEN_ROUTES");
		return print_sizes(argc, argv);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
