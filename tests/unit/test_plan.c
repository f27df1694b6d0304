/* Unit tests for topo_plan(): segments, addresses, loopbacks and routes.
 *
 * Topologies are written compactly: nodes(t, "s1 r1 h1") takes the kind
 * from the first letter, links(t, "h1-s1 s1-r1") adds links in order, and
 * a node's routes are compared as one string,
 * "dst=gw@ifname,gw@ifname dst=...". */
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
	*state = topo_new("demo");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	topo_free(*state);
	return 0;
}

static uint32_t node(const struct topo *t, const char *name)
{
	uint32_t n = topo_node_find(t, name);

	if (n == TOPO_NONE)
		fail_msg("no node %s", name);
	return n;
}

static void nodes(struct topo *t, const char *spec)
{
	static const struct {
		char c;
		enum topo_kind kind;
	} kinds[] = { { 'h', TOPO_HOST }, { 's', TOPO_SWITCH },
		      { 'r', TOPO_ROUTER } };
	char name[65];
	struct err err;
	int off, i;

	while (sscanf(spec, " %64s%n", name, &off) == 1) {
		spec += off;
		for (i = 0; i < 3 && kinds[i].c != name[0]; i++)
			;
		assert_true(i < 3);
		if (topo_node_add(t, name, kinds[i].kind, NULL, &err) < 0)
			fail_msg("%s", err.msg);
	}
}

/* Adds a link "a-b" with options (NULL for none). */
static int link_opts(struct topo *t, const char *spec,
		     const struct topo_link_opts *o, struct err *err)
{
	char a[65], b[65];

	assert_int_equal(sscanf(spec, "%64[^-]-%64s", a, b), 2);
	return topo_link_add(t, node(t, a), node(t, b), o, err);
}

static void links(struct topo *t, const char *spec)
{
	struct err err;
	char one[140];
	int off;

	while (sscanf(spec, " %139s%n", one, &off) == 1) {
		spec += off;
		if (link_opts(t, one, NULL, &err) < 0)
			fail_msg("%s", err.msg);
	}
}

/* Adds link "a-b" with user addresses for its ends (NULL: planned). */
static void link_addr(struct topo *t, const char *spec, const char *a0,
		      const char *a1)
{
	struct topo_link_opts o = { .addr = { a0, a1 } };
	struct err err;

	if (link_opts(t, spec, &o, &err) < 0)
		fail_msg("%s", err.msg);
}

static void plan(struct topo *t)
{
	struct err err = { "" };

	if (topo_plan(t, &err) < 0)
		fail_msg("plan: %s", err.msg);
	assert_true(t->planned);
}

static int plan_fails(struct topo *t, struct err *err)
{
	int ret;

	err_clear(err);
	ret = topo_plan(t, err);
	assert_true(ret < 0);
	assert_false(t->planned);
	return ret;
}

/* The port of node a on its n-th link to node b. */
static const struct topo_port *port_n(const struct topo *t, const char *a,
				      const char *b, int n)
{
	const struct topo_node *na = &t->nodes[node(t, a)];
	uint32_t nb = node(t, b), i, p;

	for (i = 0; i < na->nports; i++) {
		p = topo_peer_port(t, na->ports[i]);
		if (t->ports[p].node == nb && n-- == 0)
			return &t->ports[na->ports[i]];
	}
	fail_msg("no link %s-%s", a, b);
	return NULL;
}

static void assert_addr_n(const struct topo *t, const char *a, const char *b,
			  int n, const char *want)
{
	char buf[IP_STRLEN];

	assert_string_equal(ip_format(&port_n(t, a, b, n)->addr, true, buf),
			    want);
}

#define assert_addr(t, a, b, want) assert_addr_n(t, a, b, 0, want)

static void assert_ip(const struct topo *t, const char *name,
		      const char *want)
{
	struct ip_prefix p = { topo_node_ip(t, node(t, name)), 32 };
	char buf[IP_STRLEN];

	assert_string_equal(ip_format(&p, false, buf), want);
}

static const char *routes_str(const struct topo *t, const char *name,
			      char *buf, size_t size)
{
	uint32_t n = node(t, name), i, j;
	const struct topo_route *r = topo_node_routes(t, n);
	const struct topo_nexthop *nh;
	char ip[IP_STRLEN];
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < t->nodes[n].route_count; i++) {
		len += snprintf(buf + len, size - len, "%s%s=", i ? " " : "",
				ip_format(&r[i].dst, true, ip));
		assert_true(r[i].nh_count > 0);
		for (j = 0; j < r[i].nh_count; j++) {
			nh = &t->nexthops[r[i].nh_first + j];
			assert_int_equal(t->ports[nh->port].node, n);
			len += snprintf(buf + len, size - len, "%s%s@%s",
					j ? "," : "",
					ip_format(&(struct ip_prefix){ nh->gw,
								       32 },
						  false, ip),
					t->ports[nh->port].ifname);
		}
		assert_true(len < size);
	}
	return buf;
}

static void assert_routes(const struct topo *t, const char *name,
			  const char *want)
{
	char buf[4096];

	assert_string_equal(routes_str(t, name, buf, sizeof(buf)), want);
}

static void build_demo(struct topo *t)
{
	nodes(t, "s1 s2 r1 h1 h2 h3 h4");
	links(t, "h1-s1 h2-s1 h3-s2 h4-s2 s1-r1 s2-r1");
}

static void test_demo(void **state)
{
	struct topo *t = *state;

	build_demo(t);
	plan(t);
	assert_int_equal(t->nsegments, 2);
	assert_addr(t, "h1", "s1", "10.0.0.1/24");
	assert_addr(t, "h2", "s1", "10.0.0.2/24");
	assert_addr(t, "r1", "s1", "10.0.0.254/24");
	assert_addr(t, "h3", "s2", "10.0.1.1/24");
	assert_addr(t, "h4", "s2", "10.0.1.2/24");
	assert_addr(t, "r1", "s2", "10.0.1.254/24");
	assert_addr(t, "s1", "h1", "0.0.0.0/0");
	assert_int_equal(port_n(t, "s1", "h1", 0)->segment, TOPO_NONE);
	assert_int_equal(port_n(t, "h1", "s1", 0)->segment, 0);
	assert_int_equal(port_n(t, "r1", "s2", 0)->segment, 1);
	assert_int_equal(t->segments[0].domain, 0);
	assert_int_equal(t->segments[1].domain, 1);
	assert_int_equal(t->segments[0].nports, 3);

	assert_routes(t, "h1", "0.0.0.0/0=10.0.0.254@eth0");
	assert_routes(t, "h2", "0.0.0.0/0=10.0.0.254@eth0");
	assert_routes(t, "h3", "0.0.0.0/0=10.0.1.254@eth0");
	assert_routes(t, "h4", "0.0.0.0/0=10.0.1.254@eth0");
	assert_routes(t, "r1", "");
	assert_routes(t, "s1", "");
	assert_ip(t, "h1", "10.0.0.1");
	assert_ip(t, "h4", "10.0.1.2");
	assert_ip(t, "r1", "10.255.0.1");
	assert_ip(t, "s1", "0.0.0.0");
}

static void test_router_line(void **state)
{
	struct topo *t = *state;

	nodes(t, "h1 s1 r1 r2 r3 s3 h3");
	links(t, "h1-s1 s1-r1 r1-r2 r2-r3 r3-s3 h3-s3");
	plan(t);
	assert_int_equal(t->nsegments, 4);
	assert_addr(t, "r1", "r2", "10.128.0.0/31");
	assert_addr(t, "r2", "r1", "10.128.0.1/31");
	assert_addr(t, "r2", "r3", "10.128.0.2/31");
	assert_addr(t, "r3", "r2", "10.128.0.3/31");
	assert_addr(t, "r3", "s3", "10.0.1.254/24");
	assert_int_equal(t->segments[1].domain, TOPO_NONE);
	assert_routes(t, "h1", "0.0.0.0/0=10.0.0.254@eth0");
	assert_routes(t, "h3", "0.0.0.0/0=10.0.1.254@eth0");
	/* The loopbacks of r2 and r3 are the two halves of one /31 with
	 * the same next hop: one route. */
	assert_routes(t, "r1", "10.0.1.0/24=10.128.0.1@eth1 "
			       "10.128.0.2/31=10.128.0.1@eth1 "
			       "10.255.0.2/31=10.128.0.1@eth1");
	assert_routes(t, "r2", "10.0.0.0/24=10.128.0.0@eth0 "
			       "10.0.1.0/24=10.128.0.3@eth1 "
			       "10.255.0.1/32=10.128.0.0@eth0 "
			       "10.255.0.3/32=10.128.0.3@eth1");
	assert_routes(t, "r3", "10.0.0.0/24=10.128.0.2@eth0 "
			       "10.128.0.0/31=10.128.0.2@eth0 "
			       "10.255.0.1/32=10.128.0.2@eth0 "
			       "10.255.0.2/32=10.128.0.2@eth0");
}

static void test_router_square(void **state)
{
	struct topo *t = *state;

	nodes(t, "r1 r2 r3 r4 s1 s3 h1 h3");
	links(t, "r1-r2 r2-r3 r3-r4 r4-r1 h1-s1 s1-r1 h3-s3 s3-r3");
	plan(t);
	/* r1: eth0 to r2 (10.128.0.0 - .1), eth1 to r4 (r4-r1: r4 .6, r1
	 * .7), eth2 to s1. */
	assert_addr(t, "r1", "r4", "10.128.0.7/31");
	assert_addr(t, "r4", "r1", "10.128.0.6/31");
	assert_routes(t, "r1", "10.0.1.0/24=10.128.0.1@eth0,10.128.0.6@eth1 "
			       "10.128.0.2/31=10.128.0.1@eth0 "
			       "10.128.0.4/31=10.128.0.6@eth1 "
			       "10.255.0.2/32=10.128.0.1@eth0 "
			       "10.255.0.3/32=10.128.0.1@eth0,10.128.0.6@eth1 "
			       "10.255.0.4/32=10.128.0.6@eth1");
	assert_routes(t, "r3", "10.0.0.0/24=10.128.0.2@eth0,10.128.0.5@eth1 "
			       "10.128.0.0/31=10.128.0.2@eth0 "
			       "10.128.0.6/31=10.128.0.5@eth1 "
			       "10.255.0.1/32=10.128.0.2@eth0,10.128.0.5@eth1 "
			       "10.255.0.2/32=10.128.0.2@eth0 "
			       "10.255.0.4/32=10.128.0.5@eth1");
	/* r2 reaches both LANs in one hop, and r4's loopback at equal cost
	 * through r1 and r3. */
	assert_routes(t, "r2", "10.0.0.0/24=10.128.0.0@eth0 "
			       "10.0.1.0/24=10.128.0.3@eth1 "
			       "10.128.0.4/31=10.128.0.3@eth1 "
			       "10.128.0.6/31=10.128.0.0@eth0 "
			       "10.255.0.1/32=10.128.0.0@eth0 "
			       "10.255.0.3/32=10.128.0.3@eth1 "
			       "10.255.0.4/32=10.128.0.0@eth0,10.128.0.3@eth1");
}

/* Routes to sibling prefixes with the same next hops merge into their
 * supernet, repeatedly; prefixes that are not exact halves of one do not. */
static void test_aggregation(void **state)
{
	struct topo *t = *state;

	nodes(t, "r1 r2 s1 s2 s3 s4 s5 h1 h2 h3 h4 h5");
	links(t, "r1-r2 s1-r2 s2-r2 s3-r2 s4-r2 s5-r2 "
		 "h1-s1 h2-s2 h3-s3 h4-s4 h5-s5");
	plan(t);
	assert_addr(t, "r2", "s5", "10.0.4.254/24");
	assert_routes(t, "r1", "10.0.0.0/22=10.128.0.1@eth0 "
			       "10.0.4.0/24=10.128.0.1@eth0 "
			       "10.255.0.2/32=10.128.0.1@eth0");
	assert_routes(t, "r2", "10.255.0.1/32=10.128.0.0@eth0");
}

static void test_parallel_links(void **state)
{
	struct topo *t = *state;

	nodes(t, "r1 r2 s2 h2");
	links(t, "r1-r2 r2-r1 r2-s2 h2-s2");
	plan(t);
	assert_addr_n(t, "r1", "r2", 0, "10.128.0.0/31");
	assert_addr_n(t, "r2", "r1", 0, "10.128.0.1/31");
	/* On the second link r2 is end 0. */
	assert_addr_n(t, "r2", "r1", 1, "10.128.0.2/31");
	assert_addr_n(t, "r1", "r2", 1, "10.128.0.3/31");
	assert_routes(t, "r1", "10.0.0.0/24=10.128.0.1@eth0,10.128.0.2@eth1 "
			       "10.255.0.2/32=10.128.0.1@eth0,10.128.0.2@eth1");
	assert_routes(t, "r2", "10.255.0.1/32=10.128.0.0@eth0,10.128.0.3@eth1");
	assert_routes(t, "h2", "0.0.0.0/0=10.0.0.254@eth0");
}

static void test_direct_links(void **state)
{
	struct topo *t = *state;

	nodes(t, "h1 h2 r1 h3");
	links(t, "h1-h2 r1-h3");
	plan(t);
	assert_int_equal(t->nsegments, 2);
	assert_addr(t, "h1", "h2", "10.128.0.0/31");
	assert_addr(t, "h2", "h1", "10.128.0.1/31");
	assert_addr(t, "r1", "h3", "10.128.0.2/31");
	assert_addr(t, "h3", "r1", "10.128.0.3/31");
	assert_routes(t, "h1", "");
	assert_routes(t, "h2", "");
	assert_routes(t, "h3", "0.0.0.0/0=10.128.0.2@eth0");
	assert_routes(t, "r1", "");
}

static void test_user_addresses(void **state)
{
	struct topo *t = *state;
	struct topo_node_opts no = { .ip = "192.168.1.1" };
	struct err err;

	nodes(t, "s1 r1 r2 h1 h2");
	assert_true(topo_node_add(t, "h3", TOPO_HOST, &no, &err) >= 0);
	link_addr(t, "h1-s1", NULL, NULL);
	link_addr(t, "h2-s1", "192.168.1.10", NULL);
	links(t, "h3-s1");
	link_addr(t, "r1-s1", "192.168.1.254", NULL);
	links(t, "r2-s1 r1-r2");
	plan(t);
	assert_int_equal(t->segments[0].subnet.ip, 0xc0a80100);
	assert_addr(t, "h1", "s1", "192.168.1.2/24");
	assert_addr(t, "h2", "s1", "192.168.1.10/24");
	assert_addr(t, "h3", "s1", "192.168.1.1/24");
	assert_addr(t, "r1", "s1", "192.168.1.254/24");
	assert_addr(t, "r2", "s1", "192.168.1.253/24");
	/* User addresses stay user addresses on a new plan. */
	assert_true(port_n(t, "h2", "s1", 0)->addr_set);
	assert_false(port_n(t, "h1", "s1", 0)->addr_set);
	assert_routes(t, "h1", "0.0.0.0/0=192.168.1.254@eth0");
	/* r1 and r2 share both the LAN and a link: two ways to r2. */
	assert_routes(t, "r1", "10.255.0.2/32=192.168.1.253@eth0,"
			       "10.128.0.1@eth1");
}

static void test_user_p2p(void **state)
{
	struct topo *t = *state;

	nodes(t, "r1 r2 r3");
	/* One end given: the other takes the free address of the /31, or
	 * a router's place in a larger subnet. */
	link_addr(t, "r1-r2", NULL, "10.9.0.0/31");
	link_addr(t, "r2-r3", "172.16.0.1/30", NULL);
	plan(t);
	assert_addr(t, "r1", "r2", "10.9.0.1/31");
	assert_addr(t, "r2", "r3", "172.16.0.1/30");
	assert_addr(t, "r3", "r2", "172.16.0.2/30");
}

static void test_subnet_conflict(void **state)
{
	struct topo *t = *state;
	struct topo_port *p;
	struct err err;

	nodes(t, "s1 h1 h2");
	link_addr(t, "h1-s1", "10.0.0.1/24", NULL);
	link_addr(t, "h2-s1", "10.1.0.1/24", NULL);
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_string_equal(err.msg, "node h1 eth0 10.0.0.1/24 and node h2 "
				     "eth0 10.1.0.1/24 are on one segment but "
				     "in different subnets");
	/* Same network, different length: still two subnets. */
	p = (struct topo_port *)port_n(t, "h2", "s1", 0);
	p->addr = (struct ip_prefix){ 0x0a000002, 25 };
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "10.0.0.2/25"));
	/* Same address on one segment. */
	p->addr = (struct ip_prefix){ 0x0a000001, 24 };
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "both have address 10.0.0.1"));
}

static void test_duplicate_address(void **state)
{
	struct topo *t = *state;
	struct err err;

	nodes(t, "s1 s2 h1 h2");
	link_addr(t, "h1-s1", "10.0.0.1/24", NULL);
	link_addr(t, "h2-s2", "10.0.0.1/24", NULL);
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_string_equal(err.msg, "node h1 eth0 and node h2 eth0 both have "
				     "address 10.0.0.1");
}

static void test_overlapping_segments(void **state)
{
	struct topo *t = *state;
	struct err err;

	nodes(t, "s1 h1 r1 r2");
	link_addr(t, "h1-s1", "10.0.0.1/16", NULL);
	link_addr(t, "r1-r2", "10.0.1.1/24", NULL);
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_string_equal(err.msg, "subnet 10.0.0.0/16 of switch s1 and "
				     "subnet 10.0.1.0/24 of link r1-r2 "
				     "overlap");
}

static void test_loopback_conflicts(void **state)
{
	struct topo *t = *state;
	struct topo_node_opts no = { .lo = "10.0.0.1" };
	struct err err;

	nodes(t, "s1 h1");
	assert_true(topo_node_add(t, "r1", TOPO_ROUTER, &no, &err) >= 0);
	link_addr(t, "h1-s1", "10.0.0.1/24", NULL);
	links(t, "r1-s1");
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_string_equal(err.msg, "node h1 eth0 and node r1 loopback both "
				     "have address 10.0.0.1");

	t->nodes[node(t, "r1")].lo.ip = 0x0a000009;
	assert_int_equal(plan_fails(t, &err), -EADDRINUSE);
	assert_string_equal(err.msg, "node r1 loopback 10.0.0.9 lies in subnet "
				     "10.0.0.0/24 of switch s1");
}

static void test_auto_skips_user(void **state)
{
	struct topo *t = *state;
	struct topo_node_opts no = { .lo = "10.255.0.1" };
	struct err err;

	nodes(t, "s1 s2 s3 h1 h2 h3 r1 r2");
	assert_true(topo_node_add(t, "r3", TOPO_ROUTER, &no, &err) >= 0);
	links(t, "h1-s1");
	link_addr(t, "h2-s2", "10.0.0.5/24", NULL);
	links(t, "h3-s3");
	link_addr(t, "r1-r2", "10.128.0.1/31", NULL);
	links(t, "r2-r3 r3-s3");
	plan(t);
	assert_addr(t, "h1", "s1", "10.0.1.1/24");
	assert_addr(t, "h2", "s2", "10.0.0.5/24");
	assert_addr(t, "h3", "s3", "10.0.2.1/24");
	assert_addr(t, "r2", "r1", "10.128.0.0/31");
	assert_addr(t, "r2", "r3", "10.128.0.2/31");
	assert_addr(t, "r3", "s3", "10.0.2.254/24");
	assert_ip(t, "r1", "10.255.0.2");
	assert_ip(t, "r2", "10.255.0.3");
	assert_ip(t, "r3", "10.255.0.1");
}

static void test_big_switch(void **state)
{
	struct topo *t = *state;
	char name[16], buf[IP_STRLEN];
	const struct topo_port *p;
	struct err err;
	uint32_t i;
	int h;

	nodes(t, "s1 s2 h_other");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		h = topo_node_add(t, name, TOPO_HOST, NULL, &err);
		assert_true(h >= 0);
		h = topo_link_add(t, h, node(t, "s1"), NULL, &err);
		assert_true(h >= 0);
	}
	links(t, "h_other-s2");
	plan(t);
	assert_string_equal(ip_format(&t->segments[0].subnet, true, buf),
			    "10.0.0.0/22");
	assert_addr(t, "h0", "s1", "10.0.0.1/22");
	assert_addr(t, "h255", "s1", "10.0.1.0/22");
	assert_addr(t, "h999", "s1", "10.0.3.232/22");
	assert_addr(t, "h_other", "s2", "10.0.4.1/24");
	p = port_n(t, "h500", "s1", 0);
	assert_int_equal(p->addr.plen, 22);
}

static void test_subnet_full(void **state)
{
	struct topo *t = *state;
	struct err err;

	nodes(t, "s1 h1 h2 h3");
	link_addr(t, "h1-s1", "10.3.0.1/30", NULL);
	links(t, "h2-s1 h3-s1");
	assert_int_equal(plan_fails(t, &err), -ENOSPC);
	assert_string_equal(err.msg, "subnet 10.3.0.0/30 of switch s1 has no "
				     "free address left for node h3 eth0");
}

static void test_loopbacks(void **state)
{
	struct topo *t = *state;

	nodes(t, "r1 r2 h1 r3");
	plan(t);
	assert_ip(t, "r1", "10.255.0.1");
	assert_ip(t, "r2", "10.255.0.2");
	assert_ip(t, "r3", "10.255.0.3");
	assert_int_equal(t->nodes[0].lo.plen, 32);
	assert_false(t->nodes[0].lo_set);
	assert_ip(t, "h1", "0.0.0.0");
	assert_int_equal(t->nsegments, 0);
	assert_int_equal(t->nroutes, 0);
}

static void test_replan(void **state)
{
	struct topo *t = *state;
	char before[4096], after[4096];
	struct err err;

	build_demo(t);
	plan(t);
	routes_str(t, "h3", before, sizeof(before));
	plan(t);
	routes_str(t, "h3", after, sizeof(after));
	assert_string_equal(before, after);

	assert_true(topo_node_add(t, "h5", TOPO_HOST, NULL, &err) >= 0);
	assert_false(t->planned);
	links(t, "h5-s1");
	assert_false(t->planned);
	plan(t);
	assert_int_equal(t->nsegments, 2);
	assert_int_equal(t->segments[0].nports, 4);
	assert_addr(t, "h1", "s1", "10.0.0.1/24");
	assert_addr(t, "h2", "s1", "10.0.0.2/24");
	assert_addr(t, "h5", "s1", "10.0.0.3/24");
	assert_addr(t, "r1", "s1", "10.0.0.254/24");
	assert_addr(t, "h3", "s2", "10.0.1.1/24");
	assert_routes(t, "h5", "0.0.0.0/0=10.0.0.254@eth0");
	assert_routes(t, "r1", "");
	assert_int_equal(t->nroutes, 5);

	/* A second router behind s2 gives r1 routes and r2 a loopback. */
	nodes(t, "r2 s9 h9");
	links(t, "r2-s2 r2-s9 h9-s9");
	plan(t);
	assert_addr(t, "r2", "s2", "10.0.1.253/24");
	assert_addr(t, "h9", "s9", "10.0.2.1/24");
	assert_routes(t, "r1", "10.0.2.0/24=10.0.1.253@eth1 "
			       "10.255.0.2/32=10.0.1.253@eth1");
	assert_routes(t, "r2", "10.0.0.0/24=10.0.1.254@eth0 "
			       "10.255.0.1/32=10.0.1.254@eth0");
	/* h3 still goes through r1, the first router on its segment. */
	assert_routes(t, "h3", "0.0.0.0/0=10.0.1.254@eth0");
	assert_routes(t, "h9", "0.0.0.0/0=10.0.2.254@eth0");
}

static void test_switch_domains(void **state)
{
	struct topo *t = *state;

	/* s1-s2 form one L2 domain with hosts; s3-s4 have no L3 port. */
	nodes(t, "s1 s2 s3 s4 h1 h2 h3 h4");
	links(t, "s3-s4 h1-s1 s1-s2 h2-s2 h3-h4");
	plan(t);
	assert_int_equal(t->nsegments, 2);
	assert_int_equal(t->segments[0].domain, 0);
	assert_int_equal(t->segments[0].nports, 2);
	assert_int_equal(t->segments[1].domain, TOPO_NONE);
	assert_addr(t, "h1", "s1", "10.0.0.1/24");
	assert_addr(t, "h2", "s2", "10.0.0.2/24");
	assert_addr(t, "h3", "h4", "10.128.0.0/31");
	assert_int_equal(port_n(t, "s3", "s4", 0)->segment, TOPO_NONE);
	assert_routes(t, "h1", "");
}

static void test_switch_only(void **state)
{
	struct topo *t = *state;

	nodes(t, "s1 s2 s3");
	links(t, "s1-s2 s2-s3 s3-s1");
	plan(t);
	assert_int_equal(t->nsegments, 0);
	assert_int_equal(t->nroutes, 0);
}

static void test_switch_domain_order(void **state)
{
	struct topo *t = *state;

	/* Segments follow link order, not node order, and a switch domain
	 * joined late still makes one segment. */
	nodes(t, "s1 s2 s3 h1 h2 h3");
	links(t, "h3-s3 h1-s1 h2-s2 s2-s1");
	plan(t);
	assert_int_equal(t->nsegments, 2);
	assert_addr(t, "h3", "s3", "10.0.0.1/24");
	assert_addr(t, "h1", "s1", "10.0.1.1/24");
	assert_addr(t, "h2", "s2", "10.0.1.2/24");
	links(t, "s3-s2");
	plan(t);
	assert_int_equal(t->nsegments, 1);
	assert_addr(t, "h3", "s3", "10.0.0.1/24");
	assert_addr(t, "h1", "s1", "10.0.0.2/24");
	assert_addr(t, "h2", "s2", "10.0.0.3/24");
}

static void test_unreachable(void **state)
{
	struct topo *t = *state;

	/* Hosts never forward: r1 and r2 only meet through h1. */
	nodes(t, "r1 r2 h1");
	links(t, "r1-h1 h1-r2");
	plan(t);
	assert_routes(t, "r1", "");
	assert_routes(t, "r2", "");
	assert_routes(t, "h1", "0.0.0.0/0=10.128.0.0@eth0");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_demo),
		T(test_router_line),
		T(test_router_square),
		T(test_aggregation),
		T(test_parallel_links),
		T(test_direct_links),
		T(test_user_addresses),
		T(test_user_p2p),
		T(test_subnet_conflict),
		T(test_duplicate_address),
		T(test_overlapping_segments),
		T(test_loopback_conflicts),
		T(test_auto_skips_user),
		T(test_big_switch),
		T(test_subnet_full),
		T(test_loopbacks),
		T(test_replan),
		T(test_switch_domains),
		T(test_switch_only),
		T(test_switch_domain_order),
		T(test_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
