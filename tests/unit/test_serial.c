/* Unit tests for topo/serial.c and topo/serial_read.c: models written and
 * read back with every option the user can give, the same bytes when
 * written again, the same plan from the model read as from the original
 * (every address, loopback, ASN, route and next hop), and the errors of a
 * bad model, each naming its line.
 *
 * test_speed prints how long a fat-tree of k = 32 takes to write and to
 * read (docs/performance.md quotes it); nothing is asserted of times. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "topo/serial.h"
#include "topo/topo.h"

/* A config file's text with what a format must not lose: newlines,
 * spaces, tabs, percent signs, the format's own ',' and '=', and bytes
 * past ASCII. */
static const char config_text[] =
	"! r1's own config\n"
	"router bgp {{asn}}\n"
	"  neighbor {{eth0.peer}} remote-as {{eth0.peer_asn}}\n"
	"\tdescription 100% \"sure\", a=b,c   spaced  \n"
	"! caf\xc3\xa9 \xe2\x86\x92 \xff\x01\n";

static uint32_t node(struct topo *t, const char *name, enum topo_kind kind,
		     const struct topo_node_opts *o)
{
	struct err err;
	int n = topo_node_add(t, name, kind, o, &err);

	if (n < 0)
		fail_msg("%s", err.msg);
	return (uint32_t)n;
}

static void link_(struct topo *t, uint32_t a, uint32_t b,
		  const struct topo_link_opts *o)
{
	struct err err;

	if (topo_link_add(t, a, b, o, &err) < 0)
		fail_msg("%s", err.msg);
}

static void routing(struct topo *t, uint32_t n,
		    const struct topo_routing_opts *o)
{
	struct err err;

	if (topo_routing_set(t, n, o, &err))
		fail_msg("%s", err.msg);
}

/* Every option there is: user addresses, MACs, interface names, an MTU,
 * stp, where each thing was made (a file name with spaces and bytes past
 * ASCII), routing with every field, both kinds of speaker. */
static struct topo *build_full(void)
{
	static const struct ip_prefix listed[] = {
		{ 0xcb007100, 24 }, /* 203.0.113.0/24 */
		{ 0xc6336400, 24 }, /* 198.51.100.0/24 */
	};
	struct topo *t = topo_new("full.1");
	struct topo_node_opts no;
	uint32_t h1, h2, s1, r1, r2, r3, sp1, sp2;

	assert_non_null(t);
	t->route_scope = TOPO_ROUTES_EDGE;
	no = (struct topo_node_opts){
		.ip = "10.1.0.5/24",
		.where = { "my dir/t\xc3\xa9st 100%.lua", 3 },
	};
	h1 = node(t, "h1", TOPO_HOST, &no);
	h2 = node(t, "h2", TOPO_HOST, NULL);
	no = (struct topo_node_opts){ .stp = true, .where = { NULL, 7 } };
	s1 = node(t, "s1", TOPO_SWITCH, &no);
	no = (struct topo_node_opts){ .lo = "10.255.9.1",
				      .where = { "a:b.lua", 12 } };
	r1 = node(t, "r1", TOPO_ROUTER, &no);
	r2 = node(t, "r2", TOPO_ROUTER, NULL);
	r3 = node(t, "r3.x_y-z", TOPO_ROUTER, NULL);
	sp1 = node(t, "sp1", TOPO_ROUTER, NULL);
	sp2 = node(t, "sp2", TOPO_ROUTER, NULL);
	routing(t, r1, &(struct topo_routing_opts){
		.proto = TOPO_PROTO_BGP, .daemon = TOPO_DAEMON_FRR,
		.asn = 65001, .router_id = "1.2.3.4",
		.config = "/etc/x%y/r1 frr.conf", .config_text = config_text,
		.extra = "line one\n  line two, =\n", .bfd = true,
		.unnumbered = true, .max_prefix = 100 });
	routing(t, r2, &(struct topo_routing_opts){
		.proto = TOPO_PROTO_OSPF, .daemon = TOPO_DAEMON_BIRD });
	routing(t, r3, &(struct topo_routing_opts){
		.proto = TOPO_PROTO_BGP, .unnumbered = true, .extra = "" });
	routing(t, sp1, &(struct topo_routing_opts){
		.proto = TOPO_PROTO_BGP, .asn = 65100, .speaker = true,
		.prefixes = listed, .nprefixes = 2 });
	routing(t, sp2, &(struct topo_routing_opts){
		.proto = TOPO_PROTO_BGP, .speaker = true, .nprefixes = 5,
		.bfd = true });
	link_(t, h1, s1, &(struct topo_link_opts){
		.ifname = { "e,=x", NULL }, .mac = { "02:00:00:00:aa:01" },
		.mtu = 9000, .where = { "my dir/t\xc3\xa9st 100%.lua", 20 } });
	link_(t, h2, s1, &(struct topo_link_opts){
		.addr = { "10.1.0.9/24" } });
	link_(t, s1, r1, &(struct topo_link_opts){
		.ifname = { NULL, "swp1" }, .addr = { NULL, "10.1.0.254/24" },
		.mtu = 1400 });
	link_(t, r1, r2, &(struct topo_link_opts){
		.addr = { "10.9.0.0/31", "10.9.0.1/31" },
		.mac = { "02:00:00:00:bb:01", "0a:00:00:00:bb:02" } });
	link_(t, r1, r3, NULL);
	link_(t, r3, sp1, NULL);
	link_(t, r1, sp2, NULL);
	/* A second link between the same two routers. */
	link_(t, r1, r3, &(struct topo_link_opts){ .mtu = 68 });
	return t;
}

/* A fat-tree of k pods (RFC 7938 with bgp: one ASN for the spine, one per
 * pod's aggregation tier, one per edge router), as lua/lib/topo.lua
 * makes it: k/2 hosts on each edge router. */
static struct topo *build_fattree(uint32_t k, bool bgp)
{
	struct topo *t = topo_new("ft");
	uint32_t half = k / 2, core0, p, i, j, a, e, h;
	char name[64];

	assert_non_null(t);
	core0 = t->nnodes;
	for (i = 0; i < half * half; i++) {
		snprintf(name, sizeof(name), "c%u", i);
		node(t, name, TOPO_ROUTER, NULL);
	}
	for (p = 0; p < k; p++) {
		uint32_t agg0 = t->nnodes;

		for (i = 0; i < half; i++) {
			snprintf(name, sizeof(name), "a%u_%u", p, i);
			a = node(t, name, TOPO_ROUTER, NULL);
			for (j = 0; j < half; j++)
				link_(t, a, core0 + i * half + j, NULL);
		}
		for (i = 0; i < half; i++) {
			snprintf(name, sizeof(name), "e%u_%u", p, i);
			e = node(t, name, TOPO_ROUTER, NULL);
			for (j = 0; j < half; j++)
				link_(t, e, agg0 + j, NULL);
			for (j = 0; j < half; j++) {
				snprintf(name, sizeof(name), "h%u_%u_%u", p,
					 i, j);
				h = node(t, name, TOPO_HOST, NULL);
				link_(t, h, e, NULL);
			}
		}
	}
	for (i = 0; bgp && i < t->nnodes; i++) {
		const char *n = t->nodes[i].name;
		struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };

		if (n[0] == 'h')
			continue;
		sscanf(n + 1, "%u_%u", &p, &j);
		o.asn = n[0] == 'c' ? TOPO_ASN_PRIVATE_FIRST :
			n[0] == 'a' ? TOPO_ASN_PRIVATE_FIRST + 1 + p :
				      TOPO_ASN_PRIVATE_FIRST + 1000 +
					      p * half + j;
		routing(t, i, &o);
	}
	return t;
}

static char *write_ok(const struct topo *t, size_t *len)
{
	struct err err;
	char *buf = NULL;

	if (topo_write(t, &buf, len, &err))
		fail_msg("topo_write: %s", err.msg);
	assert_int_equal(strlen(buf), *len);
	return buf;
}

static struct topo *read_ok(const char *buf, size_t len)
{
	struct err err;
	struct topo *t = topo_read(buf, len, &err);

	if (!t)
		fail_msg("topo_read: %s", err.msg);
	assert_false(t->planned);
	return t;
}

static void plan_ok(struct topo *t)
{
	struct err err;

	if (topo_plan(t, &err))
		fail_msg("topo_plan: %s", err.msg);
}

static void assert_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_where(const struct topo_where *a,
			 const struct topo_where *b)
{
	assert_str_or_null(a->file, b->file);
	assert_int_equal(a->line, b->line);
}

static void assert_prefix(const struct ip_prefix *a,
			  const struct ip_prefix *b)
{
	assert_int_equal(a->ip, b->ip);
	assert_int_equal(a->plen, b->plen);
}

/* What the user gave router a and b, the same. */
static void assert_same_routing(const struct topo_routing *a,
				const struct topo_routing *b)
{
	uint32_t i;

	if (!a || !b) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->daemon, b->daemon);
	assert_int_equal(a->asn_set, b->asn_set);
	if (a->asn_set)
		assert_int_equal(a->asn, b->asn);
	assert_int_equal(a->router_id_set, b->router_id_set);
	if (a->router_id_set)
		assert_int_equal(a->router_id, b->router_id);
	assert_str_or_null(a->config, b->config);
	assert_str_or_null(a->config_text, b->config_text);
	assert_str_or_null(a->extra, b->extra);
	assert_int_equal(a->bfd, b->bfd);
	assert_int_equal(a->unnumbered, b->unnumbered);
	assert_int_equal(a->max_prefix, b->max_prefix);
	assert_int_equal(a->speaker, b->speaker);
	assert_int_equal(a->nprefixes, b->nprefixes);
	assert_int_equal(!a->prefixes, !b->prefixes);
	for (i = 0; a->prefixes && i < a->nprefixes; i++)
		assert_prefix(&a->prefixes[i], &b->prefixes[i]);
}

/* Every input of a and b, field by field, in the same order. */
static void assert_same_inputs(const struct topo *a, const struct topo *b)
{
	uint32_t i, j;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->route_scope, b->route_scope);
	assert_int_equal(a->nnodes, b->nnodes);
	assert_int_equal(a->nlinks, b->nlinks);
	assert_int_equal(a->nports, b->nports);
	for (i = 0; i < a->nnodes; i++) {
		const struct topo_node *x = &a->nodes[i], *y = &b->nodes[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->kind, y->kind);
		assert_where(&x->where, &y->where);
		assert_int_equal(x->stp, y->stp);
		assert_int_equal(x->ip_set, y->ip_set);
		if (x->ip_set)
			assert_prefix(&x->ip, &y->ip);
		assert_int_equal(x->lo_set, y->lo_set);
		if (x->lo_set)
			assert_prefix(&x->lo, &y->lo);
		assert_int_equal(x->nports, y->nports);
		for (j = 0; j < x->nports; j++)
			assert_int_equal(x->ports[j], y->ports[j]);
		assert_same_routing(x->routing, y->routing);
		assert_int_equal(topo_node_find(b, x->name), i);
	}
	for (i = 0; i < a->nlinks; i++) {
		assert_int_equal(a->links[i].port[0], b->links[i].port[0]);
		assert_int_equal(a->links[i].port[1], b->links[i].port[1]);
		assert_int_equal(a->links[i].mtu, b->links[i].mtu);
		assert_where(&a->links[i].where, &b->links[i].where);
	}
	for (i = 0; i < a->nports; i++) {
		const struct topo_port *x = &a->ports[i], *y = &b->ports[i];

		assert_int_equal(x->node, y->node);
		assert_int_equal(x->link, y->link);
		assert_int_equal(x->index, y->index);
		assert_string_equal(x->ifname, y->ifname);
		assert_int_equal(x->ifname_set, y->ifname_set);
		assert_int_equal(x->addr_set, y->addr_set);
		if (x->addr_set)
			assert_prefix(&x->addr, &y->addr);
		assert_int_equal(x->mac_set, y->mac_set);
		if (x->mac_set)
			assert_memory_equal(x->mac, y->mac, 6);
	}
}

/* The plans of a and b, the same: segments, every port's address, every
 * loopback, ASN, router id and speaker's prefixes, every route and next
 * hop. */
static void assert_same_plan(const struct topo *a, const struct topo *b)
{
	uint32_t i, j;

	assert_true(a->planned && b->planned);
	assert_int_equal(a->nsegments, b->nsegments);
	for (i = 0; i < a->nsegments; i++) {
		const struct topo_segment *x = &a->segments[i],
					  *y = &b->segments[i];

		assert_prefix(&x->subnet, &y->subnet);
		assert_int_equal(x->domain, y->domain);
		assert_int_equal(x->nports, y->nports);
		for (j = 0; j < x->nports; j++)
			assert_int_equal(x->ports[j], y->ports[j]);
	}
	for (i = 0; i < a->nports; i++) {
		assert_prefix(&a->ports[i].addr, &b->ports[i].addr);
		assert_int_equal(a->ports[i].segment, b->ports[i].segment);
	}
	for (i = 0; i < a->nnodes; i++) {
		const struct topo_node *x = &a->nodes[i], *y = &b->nodes[i];

		assert_prefix(&x->lo, &y->lo);
		assert_int_equal(x->route_first, y->route_first);
		assert_int_equal(x->route_count, y->route_count);
		if (!x->routing)
			continue;
		assert_int_equal(x->routing->asn, y->routing->asn);
		assert_int_equal(x->routing->router_id, y->routing->router_id);
		assert_int_equal(x->routing->gen_first, y->routing->gen_first);
	}
	assert_int_equal(a->nroutes, b->nroutes);
	for (i = 0; i < a->nroutes; i++) {
		assert_prefix(&a->routes[i].dst, &b->routes[i].dst);
		assert_int_equal(a->routes[i].nh_first, b->routes[i].nh_first);
		assert_int_equal(a->routes[i].nh_count, b->routes[i].nh_count);
	}
	assert_int_equal(a->nnexthops, b->nnexthops);
	for (i = 0; i < a->nnexthops; i++) {
		assert_int_equal(a->nexthops[i].gw, b->nexthops[i].gw);
		assert_int_equal(a->nexthops[i].port, b->nexthops[i].port);
	}
}

/* Writes t, reads it back, and checks all the round trip promises:
 * the same inputs, the same bytes written again, the same bytes whether
 * t was planned or not, and the same plan. */
static void round_trip(struct topo *t)
{
	char *buf, *again, *planned;
	size_t len, len2, len3;
	struct topo *r;

	buf = write_ok(t, &len);
	r = read_ok(buf, len);
	assert_same_inputs(t, r);
	again = write_ok(r, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	plan_ok(t);
	plan_ok(r);
	assert_same_plan(t, r);
	planned = write_ok(r, &len3);
	assert_int_equal(len, len3);
	assert_memory_equal(buf, planned, len);
	free(planned);
	free(again);
	free(buf);
	topo_free(r);
}

static void test_full(void **state)
{
	struct topo *t = build_full();
	size_t len;
	char *buf;

	round_trip(t);
	/* The strings that need it are encoded, and the lines are those
	 * topo/serial.h shows. */
	buf = write_ok(t, &len);
	assert_non_null(strstr(buf, "lunet-topo 1\ntopo name=full.1 "
				    "routes=edge\n"));
	assert_non_null(strstr(buf, "\nnode h1 host where=my%20dir/t%C3%A9st"
				    "%20100%25.lua:3 ip=10.1.0.5/24\n"));
	assert_non_null(strstr(buf, "\nnode s1 switch where=:7 stp\n"));
	assert_non_null(strstr(buf, "\nrouting sp1 proto=bgp daemon=frr "
				    "asn=65100 speaker prefixes="
				    "198.51.100.0/24,203.0.113.0/24\n"));
	assert_non_null(strstr(buf, "\nrouting sp2 proto=bgp daemon=frr "
				    "bfd speaker prefixes=5\n"));
	assert_non_null(strstr(buf, "\nlink s1 r1 mtu=1400 ifname=,swp1 "
				    "addr=,10.1.0.254/24\n"));
	assert_non_null(strstr(buf, "\nlink h1 s1 where=my%20dir/t%C3%A9st"
				    "%20100%25.lua:20 mtu=9000 ifname=e%2C%3Dx,"
				    " addr=10.1.0.5/24, mac=02:00:00:00:aa:01,"
				    "\n"));
	assert_non_null(strstr(buf, "\nend nodes=8 links=8\n"));
	free(buf);
	topo_free(t);
}

static void test_empty(void **state)
{
	struct topo *t = topo_new("");
	size_t len;
	char *buf;

	assert_non_null(t);
	buf = write_ok(t, &len);
	assert_string_equal(buf, "lunet-topo 1\ntopo name= routes=auto\n"
				 "end nodes=0 links=0\n");
	free(buf);
	round_trip(t);
	topo_free(t);
}

static void test_fattree_static(void **state)
{
	struct topo *t = build_fattree(4, false);

	t->route_scope = TOPO_ROUTES_ALL;
	round_trip(t);
	topo_free(t);
}

static void test_fattree_bgp(void **state)
{
	struct topo *t = build_fattree(8, true);

	round_trip(t);
	topo_free(t);
	/* Without tiers: every router's ASN is planned, in node order. */
	t = build_fattree(8, false);
	round_trip(t);
	topo_free(t);
	/* Past TOPO_ROUTES_AUTO_MAX router links: the EDGE scope. */
	t = build_fattree(16, true);
	round_trip(t);
	topo_free(t);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_speed(void **state)
{
	struct topo *t = build_fattree(32, true), *r;
	double t0, t1, t2;
	char *buf, *again;
	size_t len, len2;

	t0 = now();
	buf = write_ok(t, &len);
	t1 = now();
	r = read_ok(buf, len);
	t2 = now();
	printf("# fat-tree k=32: %u nodes, %u links, %zu bytes: "
	       "written in %.0f ms, read in %.0f ms\n", t->nnodes, t->nlinks,
	       len, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	assert_same_inputs(t, r);
	again = write_ok(r, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	free(again);
	free(buf);
	topo_free(r);
	topo_free(t);
}

/* A model that is refused, with err naming what. */
static void refused(const char *text, size_t len, int code,
		    const char *want)
{
	struct err err = { "" };
	struct topo *t;

	errno = 0;
	t = topo_read(text, len, &err);
	if (t) {
		topo_free(t);
		fail_msg("read, and should not have been: %s", text);
	}
	assert_int_equal(errno, code);
	if (!strstr(err.msg, want))
		fail_msg("'%s' lacks '%s'", err.msg, want);
}

#define HEAD "lunet-topo 1\ntopo name=t routes=auto\n"

static void bad(const char *text, const char *want)
{
	refused(text, strlen(text), EINVAL, want);
}

static void test_bad_head(void **state)
{
	bad("", "line 1: empty");
	bad("lunet-topo 2\ntopo name=t\nend nodes=0 links=0\n",
	    "line 1: a model of version 2, and this lunet reads version 1");
	bad("lunet-topo\n", "line 1: not a lunet model");
	bad("#!/bin/sh\n", "line 1: not a lunet model");
	bad("lunet-topo 1", "line 1: the line has no end");
	bad("lunet-topo 1\n", "line 2: the model ends before its topo line");
	bad("lunet-topo 1\nnode h1 host\n", "line 2: the topo line should");
	bad("lunet-topo 1\ntopo routes=all\n", "line 2: topo: no name=");
	bad("lunet-topo 1\ntopo name=t routes=some\n",
	    "line 2: topo: routes 'some' is not auto, all or edge");
	bad("lunet-topo 1\ntopo name=t colour=red\n",
	    "line 2: topo: unknown field 'colour'");
}

static void test_truncated(void **state)
{
	struct topo *t = build_fattree(4, true);
	char *buf, *p, want[64];
	size_t len;
	unsigned lines = 0;

	buf = write_ok(t, &len);
	/* Cut in the middle of the last link's line, then at its start. */
	p = buf + len - 1;
	while (p[-1] != '\n')
		p--;
	p -= 2;
	while (p[-1] != '\n')
		p--;
	for (const char *q = buf; q < p; q++)
		lines += *q == '\n';
	snprintf(want, sizeof(want), "line %u: the line has no end", lines + 1);
	refused(buf, (size_t)(p - buf) + 5, EINVAL, want);
	snprintf(want, sizeof(want), "line %u: the model ends before its "
		 "end line", lines + 1);
	refused(buf, (size_t)(p - buf), EINVAL, want);
	free(buf);
	topo_free(t);
}

/* Every cut of a model short of its end is refused, naming a line; and
 * a model with any one byte changed is read or refused, never more (the
 * sanitizers of make check watch for the rest). */
static void test_every_cut(void **state)
{
	static const char swaps[] = { ' ', '%', ',', '=', '\n', '0', 'x' };
	struct topo *t = build_full(), *r;
	struct err err;
	size_t len, i, j;
	char *buf, *copy;

	buf = write_ok(t, &len);
	for (i = 0; i < len; i++) {
		err.msg[0] = '\0';
		r = topo_read(buf, i, &err);
		if (r)
			fail_msg("a model cut at byte %zu was read", i);
		assert_int_equal(strncmp(err.msg, "line ", 5), 0);
	}
	copy = malloc(len);
	assert_non_null(copy);
	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof(swaps); j++) {
			memcpy(copy, buf, len);
			copy[i] = swaps[j];
			err.msg[0] = '\0';
			r = topo_read(copy, len, &err);
			if (!r)
				assert_int_equal(strncmp(err.msg, "line ", 5),
						 0);
			topo_free(r);
		}
	}
	free(copy);
	free(buf);
	topo_free(t);
}

static void test_bad_records(void **state)
{
	bad(HEAD "frob x\n", "line 3: unknown record 'frob'");
	bad(HEAD "\n", "line 3: an empty line");
	bad(HEAD "node  h1 host\n", "line 3: two spaces in a row");
	bad(HEAD "node h1 host \n", "line 3: two spaces in a row");
	bad(HEAD "node h1\n", "line 3: a node line needs a name and a kind");
	bad(HEAD "node h1 hub\n", "line 3: node h1: kind 'hub' is not one");
	bad(HEAD "node h1 host colour=red\n",
	    "line 3: node: unknown field 'colour'");
	bad(HEAD "node h1 host ip=banana\n",
	    "line 3: node h1: ip 'banana' is not an IPv4 address");
	bad(HEAD "node h1 host ip\n", "line 3: node: field ip needs a value");
	bad(HEAD "node s1 switch stp=1\n",
	    "line 3: node: field stp takes no value");
	bad(HEAD "node h1 host where=x.lua\n",
	    "line 3: node: where 'x.lua' is not FILE:LINE");
	bad(HEAD "node h1 host where=x%2.lua:3\n",
	    "line 3: where: '%' is not followed by the two hex digits");
	bad(HEAD "node h%00 host\n", "line 3: node: '%' is not followed");
	bad(HEAD "node h1 host\nnode s1 switch\n"
	    "link h1 s1 mtu=big\n",
	    "line 5: link: mtu 'big' is not a number");
	bad(HEAD "node h1 host\nnode s1 switch\n"
	    "link h1 s1 mtu=20\n", "line 5: link h1-s1: MTU 20 is out of");
	bad(HEAD "node h1 host\nnode s1 switch\n"
	    "link h1 s1 ifname=eth0\n",
	    "line 5: link: ifname 'eth0' is not two values split by ','");
	bad(HEAD "node h1 host\nnode s1 switch\n"
	    "link h1 s1 mac=02:00:00:00:00:01,02:00\n",
	    "line 5: link h1-s1: MAC '02:00' is not of the form");
	bad(HEAD "node h1 host\nnode s1 switch\nlink h1 s1 speed=10\n",
	    "line 5: link: unknown field 'speed'");
	bad(HEAD "node r1 router\nrouting r1 proto=bgp asn=-1\n",
	    "line 4: routing: asn '-1' is not a number");
	bad(HEAD "node r1 router\nrouting r1 proto=rip\n",
	    "line 4: routing: proto 'rip' is not bgp or ospf");
	bad(HEAD "node r1 router\nrouting r1 daemon=frr\n",
	    "line 4: routing of router r1: no proto");
	bad(HEAD "node r1 router\nrouting r1 proto=bgp speaker "
	    "prefixes=10.0.0.0/24,x\n",
	    "line 4: routing: prefix 'x' is not a prefix");
	bad(HEAD "node r1 router\nrouting r1 proto=ospf asn=5\n",
	    "line 4: router r1: asn is for BGP");
	bad(HEAD "node h1 host\nrouting h1 proto=ospf\n",
	    "line 4: node h1: routing is for routers");
	bad(HEAD "node r1 router\nrouting r1 proto=ospf\n"
	    "routing r1 proto=ospf\n",
	    "line 5: routing of router r1 is given twice");
	bad(HEAD "node r1 router\nrouting r2 proto=ospf\n",
	    "line 4: routing to node 'r2', which no node line before it");
	bad(HEAD "node h1 host\nend nodes=1 links=0\nnode h2 host\n",
	    "line 4: text after the end line");
	bad(HEAD "node h1 host\nend nodes=2 links=0\n",
	    "line 4: the end line counts 2 nodes and 0 links, and 1 and 0");
	bad(HEAD "end nodes=0\n", "line 3: end: needs nodes= and links=");
	refused(HEAD "node h1 host\0\n", sizeof(HEAD "node h1 host\0\n") - 1,
		EINVAL, "line 3: a NUL byte");
}

static void test_graph_refusals(void **state)
{
	/* The graph's own sentences, with the line in front. */
	static const char twice[] = HEAD "node h1 host where=a.lua:1\n"
				    "node s1 switch\n"
				    "node h1 host where=a.lua:9\n";

	refused(twice, strlen(twice), EEXIST,
		"line 5: node 'h1' is defined twice (first at a.lua:1)");
	bad(HEAD "node h1 host\nnode s1 switch\nlink h1 zz\n",
	    "line 5: link to node 'zz', which no node line before it names");
	bad(HEAD "node h1 host\nlink h1 h1\n",
	    "line 4: link h1-h1: a node cannot be linked to itself");
	bad(HEAD "node bad/name host\n", "line 3: node name 'bad/name'");
}

static void test_unread_config(void **state)
{
	struct topo *t = topo_new("cfg");
	struct err err;
	size_t len;
	char *buf = NULL;
	uint32_t r;

	r = node(t, "r1", TOPO_ROUTER, NULL);
	routing(t, r, &(struct topo_routing_opts){
		.proto = TOPO_PROTO_OSPF, .config = "r1.conf" });
	assert_int_equal(topo_write(t, &buf, &len, &err), -EINVAL);
	assert_null(buf);
	assert_string_equal(err.msg, "router r1: config r1.conf was not read "
				     "before the model was written, and the "
				     "machine that reads the model cannot "
				     "read it");
	topo_free(t);
	/* Text without a file to name it by is refused too. */
	bad(HEAD "node r1 router\nrouting r1 proto=ospf config_text=x\n",
	    "line 4: router r1: a config's text comes with the name of its "
	    "file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fattree_static),
		cmocka_unit_test(test_fattree_bgp),
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_bad_head),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_graph_refusals),
		cmocka_unit_test(test_unread_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
