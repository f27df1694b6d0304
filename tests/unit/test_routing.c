/* Unit tests for topo/routing.c and topo/expect.c: routing settings, the
 * plan's ASNs and router ids, what routers announce, and the FIB each
 * routed router should hold once converged. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "topo/topo.h"

static int setup(void **state)
{
	*state = topo_new("rt");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	topo_free(*state);
	return 0;
}

static void expect(struct topo *t, const unsigned char *down);

static uint32_t add(struct topo *t, const char *name, enum topo_kind k)
{
	struct err err;
	int n = topo_node_add(t, name, k, NULL, &err);

	if (n < 0)
		fail_msg("%s", err.msg);
	return (uint32_t)n;
}

static void join(struct topo *t, const char *a, const char *b)
{
	struct err err;

	if (topo_link_add(t, topo_node_find(t, a), topo_node_find(t, b), NULL,
			  &err) < 0)
		fail_msg("%s", err.msg);
}

static void route(struct topo *t, const char *name, enum topo_proto p,
		  uint32_t asn)
{
	struct topo_routing_opts o = { .proto = p, .asn = asn };
	struct err err;

	if (topo_routing_set(t, topo_node_find(t, name), &o, &err))
		fail_msg("%s", err.msg);
}

static struct topo_expect_set set;

static void expect(struct topo *t, const unsigned char *down)
{
	topo_expect_set_free(&set);
	assert_int_equal(topo_expect_build(t, down, &set), 0);
}

static void plan(struct topo *t)
{
	struct err err;

	if (topo_plan(t, &err))
		fail_msg("%s", err.msg);
	expect(t, NULL);
}

/* The expected width for dst on router name, 0 when not expected. */
static uint32_t width(const struct topo *t, const char *name,
		      const struct ip_prefix *dst)
{
	const struct topo_expect *e;
	uint32_t n, i;

	e = topo_expect_of(&set, topo_node_find(t, name), &n);
	for (i = 0; i < n; i++)
		if (e[i].dst.ip == dst->ip && e[i].dst.plen == dst->plen)
			return e[i].width;
	return 0;
}

static const struct ip_prefix *lo(const struct topo *t, const char *name)
{
	return &t->nodes[topo_node_find(t, name)].lo;
}

/* The subnet of the first port of host name. */
static const struct ip_prefix *subnet(const struct topo *t, const char *name)
{
	const struct topo_node *h = &t->nodes[topo_node_find(t, name)];

	return &t->segments[t->ports[h->ports[0]].segment].subnet;
}

/* 2 spines sharing one ASN, 3 leaves with one each, a host per leaf. */
static void leafspine(struct topo *t, enum topo_proto p)
{
	char l[8], h[8], s[8];
	int i, j;

	for (i = 1; i <= 2; i++) {
		snprintf(s, sizeof(s), "spine%d", i);
		add(t, s, TOPO_ROUTER);
		route(t, s, p, p == TOPO_PROTO_BGP ? 4200000000u : 0);
	}
	for (i = 1; i <= 3; i++) {
		snprintf(l, sizeof(l), "leaf%d", i);
		snprintf(h, sizeof(h), "h%d", i);
		add(t, l, TOPO_ROUTER);
		route(t, l, p, p == TOPO_PROTO_BGP ? 4200000100u + i : 0);
		add(t, h, TOPO_HOST);
		join(t, h, l);
		for (j = 1; j <= 2; j++) {
			snprintf(s, sizeof(s), "spine%d", j);
			join(t, l, s);
		}
	}
	plan(t);
}

static void test_bgp_leafspine(void **state)
{
	struct topo *t = *state;
	uint32_t n;

	leafspine(t, TOPO_PROTO_BGP);
	/* A leaf reaches the other leaves and hosts over both spines. */
	assert_int_equal(width(t, "leaf1", lo(t, "leaf2")), 2);
	assert_int_equal(width(t, "leaf1", subnet(t, "h3")), 2);
	assert_int_equal(width(t, "leaf1", lo(t, "spine2")), 1);
	/* Its own subnet and loopback are connected, not learnt. */
	assert_int_equal(width(t, "leaf1", subnet(t, "h1")), 0);
	assert_int_equal(width(t, "leaf1", lo(t, "leaf1")), 0);
	/* A spine learns every leaf, but never the other spine: the only
	 * path to it holds the spines' own ASN. */
	assert_int_equal(width(t, "spine1", lo(t, "leaf3")), 1);
	assert_int_equal(width(t, "spine1", subnet(t, "h2")), 1);
	assert_int_equal(width(t, "spine1", lo(t, "spine2")), 0);
	topo_expect_of(&set, topo_node_find(t, "leaf1"), &n);
	assert_int_equal(n, 2 + 2 + 2); /* leaves, their hosts, spines */
	topo_expect_of(&set, topo_node_find(t, "spine1"), &n);
	assert_int_equal(n, 3 + 3);
	/* Routed routers get no static routes; hosts keep theirs. */
	assert_int_equal(t->nodes[topo_node_find(t, "leaf1")].route_count, 0);
	assert_int_equal(t->nodes[topo_node_find(t, "h1")].route_count, 1);
}

/* With leaf1-spine1 down, leaf1 goes through spine2 alone, and spine1
 * no longer reaches leaf1 or its host. */
static void test_bgp_link_down(void **state)
{
	struct topo *t = *state;
	unsigned char down[16] = { 0 };
	uint32_t l;

	leafspine(t, TOPO_PROTO_BGP);
	l = topo_link_find(t, topo_node_find(t, "leaf1"),
			   topo_node_find(t, "spine1"));
	down[l] = 1;
	expect(t, down);
	assert_int_equal(width(t, "leaf1", lo(t, "leaf2")), 1);
	assert_int_equal(width(t, "leaf2", subnet(t, "h1")), 1);
	assert_int_equal(width(t, "spine1", lo(t, "leaf1")), 0);
	assert_int_equal(width(t, "spine1", subnet(t, "h1")), 0);
	assert_int_equal(width(t, "leaf1", lo(t, "spine1")), 0);
	/* The host link of h1 down: its subnet is announced by nobody. */
	down[l] = 0;
	down[topo_link_find(t, topo_node_find(t, "h1"),
			    topo_node_find(t, "leaf1"))] = 1;
	expect(t, down);
	assert_int_equal(width(t, "leaf2", subnet(t, "h1")), 0);
	assert_int_equal(width(t, "leaf2", lo(t, "leaf1")), 2);
}

static void test_ospf_leafspine(void **state)
{
	struct topo *t = *state;

	leafspine(t, TOPO_PROTO_OSPF);
	/* Shortest paths, whatever the ASNs: spines reach each other. */
	assert_int_equal(width(t, "spine1", lo(t, "spine2")), 3);
	assert_int_equal(width(t, "leaf1", lo(t, "leaf2")), 2);
	assert_int_equal(width(t, "spine2", subnet(t, "h1")), 1);
}

/* Unique ASNs in a ring of 4: the far router over both sides. */
static void test_bgp_ring_auto_asn(void **state)
{
	struct topo *t = *state;
	const struct topo_routing *r[4];
	char name[4];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		add(t, name, TOPO_ROUTER);
		route(t, name, TOPO_PROTO_BGP, 0);
	}
	join(t, "r0", "r1");
	join(t, "r1", "r2");
	join(t, "r2", "r3");
	join(t, "r3", "r0");
	plan(t);
	for (i = 0; i < 4; i++) {
		r[i] = topo_routing(t, (uint32_t)i);
		assert_int_equal(r[i]->asn, TOPO_ASN_AUTO_FIRST + (uint32_t)i);
		assert_int_equal(r[i]->router_id, t->nodes[i].lo.ip);
	}
	assert_int_equal(width(t, "r0", lo(t, "r2")), 2);
	assert_int_equal(width(t, "r0", lo(t, "r1")), 1);
}

/* Every router of leafspine() made to peer unnumbered but leaf3, then
 * planned again. */
static void unnumber(struct topo *t)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP,
				       .unnumbered = true };
	const char *names[] = { "spine1", "spine2", "leaf1", "leaf2" };
	struct err err;
	size_t i;

	for (i = 0; i < 4; i++) {
		o.asn = topo_routing(t, topo_node_find(t, names[i]))->asn;
		if (topo_routing_set(t, topo_node_find(t, names[i]), &o, &err))
			fail_msg("%s", err.msg);
	}
	plan(t);
}

/* Links between two unnumbered routers get no IPv4 at all; every other
 * address stays what it was, and so does what the FIBs should hold. */
/* Links between two unnumbered routers get no IPv4 at all; every other
 * address stays what it was, and so does what the FIBs should hold. */
static bool bare_link(const struct topo *t, uint32_t l)
{
	uint32_t a = topo_link_node(t, l, 0), b = topo_link_node(t, l, 1);

	return t->nodes[a].kind == TOPO_ROUTER &&
	       t->nodes[b].kind == TOPO_ROUTER &&
	       strcmp(t->nodes[a].name, "leaf3") &&
	       strcmp(t->nodes[b].name, "leaf3");
}

static void test_bgp_unnumbered(void **state)
{
	struct topo *t = *state;
	const struct topo_port *p0, *p1;
	struct ip_prefix before[64];
	uint32_t i, l;
	bool bare;

	leafspine(t, TOPO_PROTO_BGP);
	assert_true(t->nports <= 64);
	for (i = 0; i < t->nports; i++)
		before[i] = t->ports[i].addr;
	unnumber(t);
	for (l = 0; l < t->nlinks; l++) {
		bare = bare_link(t, l);
		p0 = topo_link_port(t, l, 0);
		p1 = topo_link_port(t, l, 1);
		assert_int_equal(topo_segment_unnumbered(t, p0->segment), bare);
		assert_int_equal(topo_port_unnumbered(t, t->links[l].port[0]),
				 bare);
		if (bare) {
			assert_int_equal(p0->addr.ip, 0);
			assert_int_equal(p0->addr.plen, 0);
			assert_int_equal(p1->addr.ip, 0);
			assert_int_equal(t->segments[p0->segment].subnet.plen,
					 0);
			continue;
		}
		assert_int_equal(p0->addr.ip, before[t->links[l].port[0]].ip);
		assert_int_equal(p1->addr.ip, before[t->links[l].port[1]].ip);
		assert_int_equal(p1->addr.plen,
				 before[t->links[l].port[1]].plen);
	}
	/* Sessions need no IPv4 addresses: the same FIBs, the same ECMP. */
	assert_int_equal(width(t, "leaf1", lo(t, "leaf2")), 2);
	assert_int_equal(width(t, "leaf1", subnet(t, "h3")), 2);
	assert_int_equal(width(t, "leaf3", lo(t, "leaf1")), 2);
	assert_int_equal(width(t, "spine1", lo(t, "leaf3")), 1);
	assert_int_equal(width(t, "spine1", subnet(t, "h2")), 1);
	assert_int_equal(t->nodes[topo_node_find(t, "leaf1")].route_count, 0);
	assert_int_equal(t->nodes[topo_node_find(t, "h1")].route_count, 1);
}

/* A static router beside an unnumbered fabric routes through the
 * numbered link it has, and to no subnet of the bare links; a link the
 * user addressed keeps its addresses. */
static void test_bgp_unnumbered_static(void **state)
{
	struct topo *t = *state;
	struct topo_link_opts lo1 = { .addr = { "10.9.0.1/30", NULL } };
	const struct topo_route *r;
	struct err err;
	uint32_t i, n, l;

	leafspine(t, TOPO_PROTO_BGP);
	add(t, "r9", TOPO_ROUTER);
	join(t, "r9", "leaf1");
	if (topo_link_add(t, topo_node_find(t, "leaf2"),
			  topo_node_find(t, "spine2"), &lo1, &err) < 0)
		fail_msg("%s", err.msg);
	unnumber(t);
	l = topo_link_find(t, topo_node_find(t, "r9"),
			   topo_node_find(t, "leaf1"));
	assert_int_not_equal(topo_link_port(t, l, 0)->addr.ip, 0);
	assert_int_not_equal(topo_link_port(t, l, 1)->addr.ip, 0);
	/* The second leaf2-spine2 link: addressed, and still peering over
	 * IPv6 link-local. */
	l = t->nlinks - 1;
	assert_false(topo_segment_unnumbered(t, topo_link_port(t, l, 0)
							->segment));
	assert_true(topo_port_unnumbered(t, t->links[l].port[0]));
	assert_int_equal(topo_link_port(t, l, 0)->addr.ip, 0x0a090001u);
	assert_int_equal(topo_link_port(t, l, 1)->addr.ip, 0x0a090002u);
	n = topo_node_find(t, "r9");
	r = topo_node_routes(t, n);
	assert_true(t->nodes[n].route_count > 0);
	for (i = 0; i < t->nodes[n].route_count; i++) {
		assert_int_not_equal(r[i].dst.plen, 0);
		assert_int_equal(r[i].nh_count, 1);
		assert_int_not_equal(t->nexthops[r[i].nh_first].gw, 0);
	}
}

/* A static router in the middle: no session through it. */
static void test_static_router_no_session(void **state)
{
	struct topo *t = *state;

	add(t, "r1", TOPO_ROUTER);
	add(t, "r2", TOPO_ROUTER);
	add(t, "r3", TOPO_ROUTER);
	join(t, "r1", "r2");
	join(t, "r2", "r3");
	route(t, "r1", TOPO_PROTO_BGP, 0);
	route(t, "r3", TOPO_PROTO_BGP, 0);
	plan(t);
	assert_int_equal(width(t, "r1", lo(t, "r3")), 0);
	assert_non_null(topo_routing(t, 0));
	assert_null(topo_routing(t, 1));
	/* r2 keeps its static routes to both loopbacks. */
	assert_true(t->nodes[1].route_count > 0);
}

static void test_announced(void **state)
{
	struct topo *t = *state;
	struct ip_prefix p[8];

	add(t, "r1", TOPO_ROUTER);
	add(t, "s1", TOPO_SWITCH);
	add(t, "h1", TOPO_HOST);
	add(t, "r2", TOPO_ROUTER);
	join(t, "h1", "s1");
	join(t, "s1", "r1");
	join(t, "r1", "r2");
	route(t, "r1", TOPO_PROTO_BGP, 0);
	plan(t);
	/* Its loopback and the host subnet, not the router link. */
	assert_int_equal(topo_routing_announced(t, 0, NULL, p, 8), 2);
	assert_int_equal(p[0].ip, t->nodes[0].lo.ip);
	assert_int_equal(p[0].plen, 32);
	assert_int_equal(p[1].ip, subnet(t, "h1")->ip);
}

static void test_errors(void **state)
{
	struct topo *t = *state;
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct err err;

	add(t, "h1", TOPO_HOST);
	add(t, "r1", TOPO_ROUTER);
	assert_int_equal(topo_routing_set(t, 0, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "node h1: routing is for routers, and "
			    "h1 is a host");
	o.router_id = "10.1.2";
	assert_int_equal(topo_routing_set(t, 1, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "router r1: router_id '10.1.2' is not "
			    "an IPv4 address");
	o = (struct topo_routing_opts){ .proto = TOPO_PROTO_OSPF, .asn = 7 };
	assert_int_equal(topo_routing_set(t, 1, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "router r1: asn is for BGP, and r1 runs "
			    "ospf");
	o = (struct topo_routing_opts){ .proto = TOPO_PROTO_BGP,
					.daemon = TOPO_DAEMON_BIRD,
					.bfd = true };
	assert_int_equal(topo_routing_set(t, 1, &o, &err), -EINVAL);
	assert_null(topo_routing(t, 1));
}

static void test_names(void **state)
{
	enum topo_proto p;
	enum topo_daemon d;

	assert_int_equal(topo_proto_parse("ospf", &p), 0);
	assert_int_equal(p, TOPO_PROTO_OSPF);
	assert_string_equal(topo_proto_name(TOPO_PROTO_BGP), "bgp");
	assert_int_equal(topo_proto_parse("rip", &p), -EINVAL);
	assert_int_equal(topo_daemon_parse("bird", &d), 0);
	assert_int_equal(d, TOPO_DAEMON_BIRD);
	assert_string_equal(topo_daemon_name(TOPO_DAEMON_FRR), "frr");
	assert_int_equal(topo_daemon_parse("quagga", &d), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bgp_leafspine),	     T(test_bgp_link_down),
		T(test_ospf_leafspine),
		T(test_bgp_ring_auto_asn),   T(test_static_router_no_session),
		T(test_bgp_unnumbered),	     T(test_bgp_unnumbered_static),
		T(test_announced),	     T(test_errors),
		T(test_names),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	topo_expect_set_free(&set);
	return rc;
}
