/* Unit tests for speakers and max_prefix: topo/speaker.c (the prefixes,
 * placed and checked), topo/expect.c (their routes in every FIB, and the
 * sessions max_prefix tears down) and core/routing/frr_conf.c (the config
 * of a speaker and of a router with a limit, extra's placeholders). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/routing/routing_conf.h"
#include "topo/topo.h"

static struct topo_expect_set set;

static int setup(void **state)
{
	*state = topo_new("sp");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	topo_expect_set_free(&set);
	topo_free(*state);
	return 0;
}

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

static void bgp(struct topo *t, const char *name, uint32_t asn,
		uint32_t max_prefix)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP, .asn = asn,
				       .max_prefix = max_prefix };
	struct err err;

	if (topo_routing_set(t, topo_node_find(t, name), &o, &err))
		fail_msg("%s", err.msg);
}

/* Makes name a speaker of ASN asn with count generated prefixes, or the
 * list (NULL-terminated) when given.  Returns topo_routing_set(). */
static int speaker(struct topo *t, const char *name, uint32_t asn,
		   uint32_t count, const char *const *list, struct err *err)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP, .asn = asn,
				       .speaker = true, .nprefixes = count };
	struct ip_prefix v[8];
	uint32_t n = 0;

	if (topo_node_find(t, name) == TOPO_NONE)
		add(t, name, TOPO_ROUTER);
	for (; list && list[n]; n++)
		assert_int_equal(ip_parse(list[n], 32, &v[n]), 0);
	if (list) {
		o.prefixes = v;
		o.nprefixes = n;
	}
	return topo_routing_set(t, topo_node_find(t, name), &o, err);
}

/* 2 spines (one ASN), leaf1 and leaf2 with a host each; leaf1 with
 * max_prefix max1. */
static void fabric(struct topo *t, uint32_t max1)
{
	add(t, "spine1", TOPO_ROUTER);
	add(t, "spine2", TOPO_ROUTER);
	bgp(t, "spine1", 4200000000u, 0);
	bgp(t, "spine2", 4200000000u, 0);
	add(t, "leaf1", TOPO_ROUTER);
	add(t, "leaf2", TOPO_ROUTER);
	bgp(t, "leaf1", 4200001001u, max1);
	bgp(t, "leaf2", 4200001002u, 0);
	add(t, "h1", TOPO_HOST);
	add(t, "h2", TOPO_HOST);
	join(t, "h1", "leaf1");
	join(t, "h2", "leaf2");
	join(t, "leaf1", "spine1");
	join(t, "leaf1", "spine2");
	join(t, "leaf2", "spine1");
	join(t, "leaf2", "spine2");
}

static void plan(struct topo *t)
{
	struct err err;

	if (topo_plan(t, &err))
		fail_msg("%s", err.msg);
	topo_expect_set_free(&set);
	assert_int_equal(topo_expect_build(t, NULL, &set), 0);
}

static int plan_err(struct topo *t, struct err *err)
{
	err_clear(err);
	return topo_plan(t, err);
}

static const struct topo_routing *routing(const struct topo *t,
					  const char *name)
{
	return topo_routing(t, topo_node_find(t, name));
}

static const char *prefix(const struct topo *t, const char *name,
			  uint32_t i, char *buf)
{
	struct ip_prefix p = topo_speaker_prefix(routing(t, name), i);

	return ip_format(&p, true, buf);
}

/* How many prefixes of 100.64.0.0/10 router name should hold, and with
 * which width (all the same, or UINT32_MAX). */
static uint32_t held(const struct topo *t, const char *name, uint32_t *width)
{
	struct ip_prefix range = { TOPO_SPEAKER_BASE, TOPO_SPEAKER_BASE_PLEN };
	const struct topo_expect *e;
	uint32_t n, i, k = 0;

	*width = 0;
	e = topo_expect_of(&set, topo_node_find(t, name), &n);
	for (i = 0; i < n; i++) {
		if (!ip_contains(&range, e[i].dst.ip))
			continue;
		if (*width && *width != e[i].width)
			*width = UINT32_MAX;
		else
			*width = e[i].width;
		k++;
	}
	return k;
}

static void test_generated(void **state)
{
	struct topo *t = *state;
	char buf[IP_STRLEN];
	struct err err;

	fabric(t, 0);
	assert_int_equal(speaker(t, "isp1", 64496, 300, NULL, &err), 0);
	assert_int_equal(speaker(t, "isp2", 64497, 2, NULL, &err), 0);
	join(t, "isp1", "leaf1");
	join(t, "isp2", "leaf2");
	plan(t);
	/* Consecutive /24s from 100.64.0.0, in node order. */
	assert_string_equal(prefix(t, "isp1", 0, buf), "100.64.0.0/24");
	assert_string_equal(prefix(t, "isp1", 299, buf), "100.65.43.0/24");
	assert_string_equal(prefix(t, "isp2", 0, buf), "100.65.44.0/24");
	assert_string_equal(prefix(t, "isp2", 1, buf), "100.65.45.0/24");
}

static void test_listed(void **state)
{
	static const char *const list[] = { "203.0.113.0/24", "192.0.2.0/24",
					    "198.51.100.128/25", NULL };
	static const char *const twice[] = { "192.0.2.0/24", "192.0.2.0/24",
					     NULL };
	static const char *const bits[] = { "192.0.2.1/24", NULL };
	struct topo *t = *state;
	char buf[IP_STRLEN];
	struct err err;

	assert_int_equal(speaker(t, "isp", 64496, 0, list, &err), 0);
	/* Kept sorted. */
	assert_int_equal(routing(t, "isp")->nprefixes, 3);
	assert_string_equal(prefix(t, "isp", 0, buf), "192.0.2.0/24");
	assert_string_equal(prefix(t, "isp", 1, buf), "198.51.100.128/25");
	assert_string_equal(prefix(t, "isp", 2, buf), "203.0.113.0/24");
	assert_int_equal(speaker(t, "isp", 64496, 0, twice, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: prefix 192.0.2.0/24 is "
				     "listed twice");
	assert_int_equal(speaker(t, "isp", 64496, 0, bits, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: prefix 192.0.2.1/24 has "
				     "bits set past its length");
}

static void test_refused(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_OSPF,
				       .speaker = true, .nprefixes = 1 };
	struct topo *t = *state;
	uint32_t isp = add(t, "isp", TOPO_ROUTER);
	struct err err;

	assert_int_equal(topo_routing_set(t, isp, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: speakers run BGP, not "
				     "ospf");
	o.proto = TOPO_PROTO_BGP;
	o.daemon = TOPO_DAEMON_BIRD;
	assert_int_equal(topo_routing_set(t, isp, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: speakers need daemon "
				     "'frr' (BIRD speakers are not written "
				     "yet)");
	o.daemon = TOPO_DAEMON_FRR;
	o.config = "isp.conf";
	assert_int_equal(topo_routing_set(t, isp, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: a speaker's config is "
				     "written from its prefixes: use extra, "
				     "or a router with config");
	o.config = NULL;
	o.nprefixes = TOPO_SPEAKER_MAX + 1;
	assert_int_equal(topo_routing_set(t, isp, &o, &err), -ERANGE);
	assert_string_equal(err.msg, "speaker isp: 16385 prefixes is more "
				     "than the 16384 /24s of 100.64.0.0/10; "
				     "list them instead");
	o = (struct topo_routing_opts){ .proto = TOPO_PROTO_OSPF,
					.max_prefix = 10 };
	assert_int_equal(topo_routing_set(t, isp, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "router isp: max_prefix is for BGP, "
				     "and isp runs ospf");
}

/* Mistakes only the whole plan shows. */
static void test_plan_refused(void **state)
{
	static const char *const rack[] = { "10.128.0.0/16", NULL };
	static const char *const lo[] = { "10.255.0.0/24", NULL };
	struct topo_link_opts in_range = { .addr = { "100.64.7.1/24" } };
	struct topo *t = *state;
	struct err err;

	fabric(t, 0);
	add(t, "isp", TOPO_ROUTER);
	assert_int_equal(speaker(t, "isp", 64496, 10, NULL, &err), 0);
	assert_int_equal(plan_err(t, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: no router to announce "
				     "to: link it to a router that runs BGP");
	join(t, "isp", "leaf1");
	assert_int_equal(speaker(t, "isp", 4200001001u, 10, NULL, &err), 0);
	assert_int_equal(plan_err(t, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: its ASN 4200001001 is "
				     "that of router leaf1, which it links "
				     "to (lunet plans no iBGP): give it "
				     "another");
	add(t, "r9", TOPO_ROUTER);
	join(t, "isp", "r9");
	assert_int_equal(speaker(t, "isp", 64496, 10, NULL, &err), 0);
	assert_int_equal(plan_err(t, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: router r9, which it links "
				     "to, does not run BGP, so it would not "
				     "hear the speaker's prefixes");
	bgp(t, "r9", 0, 0);
	/* A rack's subnet, a loopback, a subnet the user put in the
	 * generated range. */
	assert_int_equal(speaker(t, "isp", 64496, 0, rack, &err), 0);
	assert_int_equal(plan_err(t, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: prefix 10.128.0.0/16 "
				     "overlaps the subnet of link h1-leaf1");
	assert_int_equal(speaker(t, "isp", 64496, 0, lo, &err), 0);
	assert_int_equal(plan_err(t, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: prefix 10.255.0.0/24 "
				     "overlaps the loopback of router "
				     "spine1");
	add(t, "h9", TOPO_HOST);
	assert_true(topo_link_add(t, topo_node_find(t, "h9"),
				  topo_node_find(t, "r9"), &in_range,
				  &err) >= 0);
	assert_int_equal(speaker(t, "isp", 64496, 10, NULL, &err), 0);
	assert_int_equal(plan_err(t, &err), -EINVAL);
	assert_string_equal(err.msg, "speaker isp: prefix 100.64.7.0/24 "
				     "overlaps the subnet of link h9-r9");
	/* Over the range in all, across speakers. */
	assert_int_equal(speaker(t, "isp", 64496, TOPO_SPEAKER_MAX, NULL,
				 &err),
			 0);
	assert_int_equal(speaker(t, "isp2", 64497, 1, NULL, &err), 0);
	join(t, "isp2", "leaf2");
	assert_int_equal(plan_err(t, &err), -ERANGE);
	assert_string_equal(err.msg, "speaker isp2: the speakers ask for more "
				     "than the 16384 /24s of 100.64.0.0/10 "
				     "in all; list the prefixes of some "
				     "instead");
}

static void test_expected_everywhere(void **state)
{
	struct topo *t = *state;
	uint32_t w, n;
	struct err err;

	fabric(t, 0);
	assert_int_equal(speaker(t, "isp", 64496, 1000, NULL, &err), 0);
	join(t, "isp", "leaf1");
	plan(t);
	/* leaf1 from the speaker, the spines from leaf1, leaf2 over both
	 * spines. */
	assert_int_equal(held(t, "leaf1", &w), 1000);
	assert_int_equal(w, 1);
	assert_int_equal(held(t, "spine1", &w), 1000);
	assert_int_equal(w, 1);
	assert_int_equal(held(t, "leaf2", &w), 1000);
	assert_int_equal(w, 2);
	assert_int_equal(held(t, "isp", &w), 0);
	/* The speaker learns the fabric: 4 loopbacks and 2 racks. */
	topo_expect_of(&set, topo_node_find(t, "isp"), &n);
	assert_int_equal(n, 6);
	assert_int_equal(set.ntrips, 0);
	/* Every prefix announced, once: 1000, 5 loopbacks, 2 racks. */
	assert_int_equal(set.nknown, 1007);
}

static void test_max_prefix(void **state)
{
	struct topo *t = *state;
	uint32_t w, n;
	struct err err;

	/* The speaker offers leaf1 its 1000 prefixes and its loopback. */
	fabric(t, 1001);
	assert_int_equal(speaker(t, "isp", 64496, 1000, NULL, &err), 0);
	join(t, "isp", "leaf1");
	plan(t);
	assert_int_equal(set.ntrips, 0);
	assert_int_equal(held(t, "leaf2", &w), 1000);
	bgp(t, "leaf1", 4200001001u, 1000);
	plan(t);
	assert_int_equal(set.ntrips, 1);
	assert_int_equal(set.trips[0].router, topo_node_find(t, "leaf1"));
	assert_int_equal(set.trips[0].speaker, topo_node_find(t, "isp"));
	assert_int_equal(set.trips[0].offered, 1001);
	/* Nobody holds the flood, and the speaker is cut off. */
	assert_int_equal(held(t, "leaf1", &w), 0);
	assert_int_equal(held(t, "spine2", &w), 0);
	assert_int_equal(held(t, "leaf2", &w), 0);
	topo_expect_of(&set, topo_node_find(t, "isp"), &n);
	assert_int_equal(n, 0);
	/* A limit on a router the speaker does not reach changes nothing:
	 * it counts sessions with speakers only. */
	bgp(t, "leaf1", 4200001001u, 0);
	bgp(t, "leaf2", 4200001002u, 10);
	plan(t);
	assert_int_equal(set.ntrips, 0);
	assert_int_equal(held(t, "leaf2", &w), 1000);
}

/* A speaker on two leaves: the one with the lower limit trips, and the
 * flood reaches it through the spines instead. */
static void test_max_prefix_multihomed(void **state)
{
	struct topo *t = *state;
	uint32_t w;
	struct err err;

	fabric(t, 500);
	assert_int_equal(speaker(t, "isp", 64496, 1000, NULL, &err), 0);
	join(t, "isp", "leaf1");
	join(t, "isp", "leaf2");
	plan(t);
	assert_int_equal(set.ntrips, 1);
	assert_int_equal(held(t, "leaf1", &w), 1000);
	assert_int_equal(w, 2);
	assert_int_equal(held(t, "leaf2", &w), 1000);
	assert_int_equal(w, 1);
}

static const char head[] =
	"! Written by lunet for router isp of emulation sp.\n"
	"frr version 8.4\n"
	"frr defaults datacenter\n"
	"hostname isp\n"
	"log file /r/isp/frr.log informational\n"
	"service integrated-vtysh-config\n"
	"! Routes as plain multipath routes, not kernel nexthop\n"
	"! objects: FRR 8.4 keeps a group's path that the kernel\n"
	"! dropped when its link went down, and ECMP never heals.\n"
	"no zebra nexthop kernel enable\n"
	"! Route changes batched for 200 ms, not 10: as a fabric\n"
	"! comes up, a route changes many times over.\n"
	"zebra work-queue 200\n"
	"!\n";

static void test_conf(void **state)
{
	static const char *const list[] = { "203.0.113.0/24", "192.0.2.0/24",
					    NULL };
	struct topo *t = *state;
	char *conf, want[2048];
	struct err err;

	fabric(t, 1000);
	assert_int_equal(speaker(t, "isp", 64496, 0, list, &err), 0);
	join(t, "isp", "leaf1");
	plan(t);
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "isp"),
					  "/r/isp", &conf, &err),
			 0);
	snprintf(want, sizeof(want),
		 "%s"
		 "router bgp 64496\n"
		 " bgp router-id 10.255.0.5\n"
		 " no bgp ebgp-requires-policy\n"
		 " no bgp network import-check\n"
		 " bgp bestpath as-path multipath-relax\n"
		 " neighbor 10.128.0.13 remote-as 4200001001\n"
		 " neighbor 10.128.0.13 description leaf1\n"
		 " !\n"
		 " address-family ipv4 unicast\n"
		 "  network 10.255.0.5/32\n"
		 "  network 192.0.2.0/24\n"
		 "  network 203.0.113.0/24\n"
		 "  maximum-paths 64\n"
		 " exit-address-family\n"
		 "exit\n"
		 "!\n"
		 "end\n",
		 head);
	assert_string_equal(conf, want);
	free(conf);
	/* leaf1 limits its session with the speaker, not the spines'. */
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "leaf1"),
					  "/r/leaf1", &conf, &err),
			 0);
	assert_non_null(strstr(conf, "  network 10.128.0.0/31\n"
				     "  neighbor 10.128.0.12 maximum-prefix "
				     "1000\n"
				     "  maximum-paths 64\n"));
	assert_null(strstr(strstr(conf, "maximum-prefix") + 1,
			   "maximum-prefix"));
	free(conf);
}

static void test_extra_placeholders(void **state)
{
	struct topo_routing_opts o = {
		.proto = TOPO_PROTO_BGP,
		.asn = 4200001002u,
		.extra = "router bgp {{asn}}\n"
			 " neighbor {{eth1.peer}} route-map X out\n",
	};
	struct topo *t = *state;
	char *conf;
	struct err err;

	fabric(t, 0);
	assert_int_equal(topo_routing_set(t, topo_node_find(t, "leaf2"), &o,
					  &err),
			 0);
	plan(t);
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "leaf2"),
					  "/r/leaf2", &conf, &err),
			 0);
	assert_non_null(strstr(conf, "! extra, from the topology\n"
				     "router bgp 4200001002\n"
				     " neighbor 10.128.0.9 route-map X out\n"
				     "!\nend\n"));
	free(conf);
	o.extra = "router bgp {{asn}}\n neighbor {{eth9.peer}} bfd\n";
	assert_int_equal(topo_routing_set(t, topo_node_find(t, "leaf2"), &o,
					  &err),
			 0);
	plan(t);
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "leaf2"),
					  "/r/leaf2", &conf, &err),
			 -EINVAL);
	assert_null(conf);
	assert_string_equal(err.msg,
			    "router leaf2: extra:2: no value for "
			    "{{eth9.peer}} (names: name, asn, router_id, lo, "
			    "IF.ip, IF.addr, IF.peer, IF.peer_asn, "
			    "IF.peer_name)");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_generated),
		T(test_listed),
		T(test_refused),
		T(test_plan_refused),
		T(test_expected_everywhere),
		T(test_max_prefix),
		T(test_max_prefix_multihomed),
		T(test_conf),
		T(test_extra_placeholders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
