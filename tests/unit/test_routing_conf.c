/* Unit tests for core/routing/: sessions from the plan, FRR's and BIRD's
 * configs compared with the expected text, and the placeholders of a
 * user's config. */
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

static int setup(void **state)
{
	*state = topo_new("fab");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
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

static void route(struct topo *t, const char *name,
		  const struct topo_routing_opts *o)
{
	struct err err;

	if (topo_routing_set(t, topo_node_find(t, name), o, &err))
		fail_msg("%s", err.msg);
}

/* spine1 (ASN 4200000000) and leaf1 (4200000101) with a host, leaf2. */
static void fabric(struct topo *t, enum topo_proto p, const char *extra)
{
	struct topo_routing_opts spine = { .proto = p };
	struct topo_routing_opts leaf = { .proto = p, .extra = extra };
	struct err err;

	if (p == TOPO_PROTO_BGP)
		spine.asn = 4200000000u;
	add(t, "spine1", TOPO_ROUTER);
	add(t, "leaf1", TOPO_ROUTER);
	add(t, "leaf2", TOPO_ROUTER);
	add(t, "h1", TOPO_HOST);
	join(t, "leaf1", "spine1");
	join(t, "leaf2", "spine1");
	join(t, "h1", "leaf1");
	route(t, "spine1", &spine);
	if (p == TOPO_PROTO_BGP)
		leaf.asn = 4200000101u;
	route(t, "leaf1", &leaf);
	leaf.asn = p == TOPO_PROTO_BGP ? 4200000102u : 0;
	leaf.extra = NULL;
	route(t, "leaf2", &leaf);
	if (topo_plan(t, &err))
		fail_msg("%s", err.msg);
}

static const char head[] =
	"! Written by lunet for router leaf1 of emulation fab.\n"
	"frr version 8.4\n"
	"frr defaults datacenter\n"
	"hostname leaf1\n"
	"log file /run/lunet/fab/routers/leaf1/frr.log informational\n"
	"service integrated-vtysh-config\n"
	"! Routes as plain multipath routes, not kernel nexthop\n"
	"! objects: FRR 8.4 keeps a group's path that the kernel\n"
	"! dropped when its link went down, and ECMP never heals.\n"
	"no zebra nexthop kernel enable\n"
	"! Route changes batched for 200 ms, not 10: as a fabric\n"
	"! comes up, a route changes many times over.\n"
	"zebra work-queue 200\n"
	"!\n";

static void test_frr_bgp(void **state)
{
	struct topo *t = *state;
	char *conf, want[2048];
	struct err err;

	fabric(t, TOPO_PROTO_BGP, "bgp log-neighbor-changes\n");
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "leaf1"),
					  "/run/lunet/fab/routers/leaf1",
					  &conf, &err),
			 0);
	/* Loopbacks from 10.255.0.1 in node order; the router link is the
	 * first /31, leaf1 its lower end; h1's /24 the first subnet. */
	snprintf(want, sizeof(want),
		 "%s"
		 "router bgp 4200000101\n"
		 " bgp router-id 10.255.0.2\n"
		 " no bgp ebgp-requires-policy\n"
		 " bgp bestpath as-path multipath-relax\n"
		 " neighbor 10.128.0.1 remote-as 4200000000\n"
		 " neighbor 10.128.0.1 description spine1\n"
		 " !\n"
		 " address-family ipv4 unicast\n"
		 "  network 10.255.0.2/32\n"
		 "  network 10.128.0.4/31\n"
		 "  maximum-paths 64\n"
		 " exit-address-family\n"
		 "exit\n"
		 "!\n"
		 "! extra, from the topology\n"
		 "bgp log-neighbor-changes\n"
		 "!\n"
		 "end\n",
		 head);
	assert_string_equal(conf, want);
	free(conf);
}

static void test_frr_ospf(void **state)
{
	struct topo *t = *state;
	char *conf, want[2048];
	struct err err;

	fabric(t, TOPO_PROTO_OSPF, NULL);
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "leaf1"),
					  "/run/lunet/fab/routers/leaf1",
					  &conf, &err),
			 0);
	snprintf(want, sizeof(want),
		 "%s"
		 "interface lo\n ip ospf area 0\n ip ospf passive\nexit\n!\n"
		 "interface eth0\n ip ospf area 0\n"
		 " ip ospf network point-to-point\n"
		 " ip ospf hello-interval 1\n ip ospf dead-interval 4\n"
		 "exit\n!\n"
		 "interface eth1\n ip ospf area 0\n ip ospf passive\nexit\n!\n"
		 "router ospf\n ospf router-id 10.255.0.2\n"
		 " timers throttle spf 0 50 1000\n"
		 " timers throttle lsa all 0\n"
		 " timers lsa min-arrival 0\nexit\n!\n"
		 "end\n",
		 head);
	assert_string_equal(conf, want);
	free(conf);
}

/* Unnumbered on both ends of leaf1-spine1: the session by interface. */
/* The parts each daemon reads itself: the head without vtysh's line,
 * zebra's own line for zebra only, the protocol for its daemon only, and
 * never the extra lines (vtysh loads those). */
static void test_frr_parts(void **state)
{
	static const char part_head[] =
		"! Written by lunet for router leaf1 of emulation fab.\n"
		"! %s's part of frr.conf, read by %s itself.\n"
		"frr version 8.4\n"
		"frr defaults datacenter\n"
		"hostname leaf1\n"
		"log file /run/lunet/fab/routers/leaf1/frr.log "
		"informational\n";
	static const char zebra_line[] =
		"! Routes as plain multipath routes, not kernel nexthop\n"
		"! objects: FRR 8.4 keeps a group's path that the kernel\n"
		"! dropped when its link went down, and ECMP never heals.\n"
		"no zebra nexthop kernel enable\n"
		"! Route changes batched for 200 ms, not 10: as a fabric\n"
		"! comes up, a route changes many times over.\n"
		"zebra work-queue 200\n";
	const char *dir = "/run/lunet/fab/routers/leaf1";
	struct topo *t = *state;
	char *conf, *whole, want[2048];
	struct err err;
	uint32_t leaf1;

	fabric(t, TOPO_PROTO_BGP, "bgp log-neighbor-changes\n");
	leaf1 = topo_node_find(t, "leaf1");
	assert_int_equal(routing_conf_frr_daemon(t, leaf1, dir, "zebra",
						 &conf, &err), 0);
	snprintf(want, sizeof(want), part_head, "zebra", "zebra");
	strcat(want, zebra_line);
	strcat(want, "!\nend\n");
	assert_string_equal(conf, want);
	free(conf);

	assert_int_equal(routing_conf_frr_daemon(t, leaf1, dir, "bfdd",
						 &conf, &err), 0);
	snprintf(want, sizeof(want), part_head, "bfdd", "bfdd");
	strcat(want, "!\nend\n");
	assert_string_equal(conf, want);
	free(conf);

	/* bgpd's: the whole file's protocol lines, from "router bgp" to
	 * the extra lines. */
	assert_int_equal(routing_conf_frr(t, leaf1, dir, &whole, &err),
			 0);
	assert_int_equal(routing_conf_frr_daemon(t, leaf1, dir, "bgpd",
						 &conf, &err), 0);
	snprintf(want, sizeof(want), part_head, "bgpd", "bgpd");
	strcat(want, "!\n");
	strncat(want, strstr(whole, "router bgp"),
		(size_t)(strstr(whole, "! extra") - strstr(whole,
							  "router bgp")));
	strcat(want, "end\n");
	assert_string_equal(conf, want);
	free(conf);
	free(whole);

	/* ospfd takes nothing of a BGP router's, as bgpd of an OSPF one. */
	assert_int_equal(routing_conf_frr_daemon(t, leaf1, dir, "ospfd",
						 &conf, &err), 0);
	assert_null(strstr(conf, "\nrouter "));
	free(conf);
}

static void test_frr_unnumbered(void **state)
{
	struct topo *t = *state;
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP,
				       .unnumbered = true };
	struct err err;
	char *conf;

	fabric(t, TOPO_PROTO_BGP, NULL);
	o.asn = 4200000000u;
	assert_int_equal(topo_routing_set(t, topo_node_find(t, "spine1"), &o,
					  &err), 0);
	o.asn = 4200000101u;
	assert_int_equal(topo_routing_set(t, topo_node_find(t, "leaf1"), &o,
					  &err), 0);
	assert_int_equal(topo_plan(t, &err), 0);
	assert_true(topo_port_unnumbered(t, t->nodes[topo_node_find(
						    t, "leaf1")].ports[0]));
	/* leaf2 did not ask: its link to spine1 stays numbered. */
	assert_false(topo_port_unnumbered(t, t->nodes[topo_node_find(
						     t, "leaf2")].ports[0]));
	/* The link has no IPv4 address at either end; leaf2's keeps the
	 * /31 it had, the one after leaf1's (set aside, not given). */
	assert_int_equal(t->ports[t->nodes[topo_node_find(t, "spine1")]
					  .ports[0]].addr.ip, 0);
	assert_int_equal(t->ports[t->nodes[topo_node_find(t, "leaf1")]
					  .ports[0]].addr.ip, 0);
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "spine1"),
					  "/d", &conf, &err), 0);
	assert_non_null(strstr(conf,
		"router bgp 4200000000\n"
		" bgp router-id 10.255.0.1\n"
		" no bgp ebgp-requires-policy\n"
		" bgp bestpath as-path multipath-relax\n"
		" neighbor eth0 interface remote-as 4200000101\n"
		" neighbor eth0 description leaf1\n"
		" neighbor 10.128.0.2 remote-as 4200000102\n"
		" neighbor 10.128.0.2 description leaf2\n"
		" !\n"
		" address-family ipv4 unicast\n"
		"  network 10.255.0.1/32\n"
		"  maximum-paths 64\n"
		" exit-address-family\n"
		"exit\n"));
	free(conf);
	/* A placeholder for an address the port does not have. */
	o.asn = 4200000000u;
	o.extra = "! {{eth0.peer}}";
	assert_int_equal(topo_routing_set(t, topo_node_find(t, "spine1"), &o,
					  &err), 0);
	assert_int_equal(topo_plan(t, &err), 0);
	assert_int_equal(routing_conf_frr(t, topo_node_find(t, "spine1"),
					  "/d", &conf, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "{{eth0.peer}}"));
	o.extra = NULL;
	o = (struct topo_routing_opts){ .proto = TOPO_PROTO_OSPF,
					.unnumbered = true };
	assert_int_equal(topo_routing_set(t, 0, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "router spine1: unnumbered is for BGP "
			    "with daemon 'frr'");
}

static const char bird_head[] =
	"# Written by lunet for router leaf1 of emulation fab.\n"
	"log \"/run/lunet/fab/routers/leaf1/bird.log\" all;\n"
	"debug protocols { states };\n"
	"router id 10.255.0.2;\n"
	"\n"
	"protocol device device1 {\n"
	"}\n"
	"\n";

static void test_bird_bgp(void **state)
{
	struct topo *t = *state;
	char *conf, want[2048];

	fabric(t, TOPO_PROTO_BGP, "protocol static { ipv4; }");
	assert_int_equal(routing_conf_bird(t, topo_node_find(t, "leaf1"),
					   "/run/lunet/fab/routers/leaf1",
					   &conf),
			 0);
	/* The loopback and h1's subnet come in, not the link to spine1;
	 * the extra lines get their missing newline. */
	snprintf(want, sizeof(want),
		 "%s"
		 "protocol direct direct1 {\n"
		 "\tipv4 {\n"
		 "\t\timport where net ~ [ 10.255.0.2/32, 10.128.0.4/31 ];\n"
		 "\t};\n"
		 "}\n"
		 "\n"
		 "protocol kernel kernel1 {\n"
		 "\tipv4 {\n"
		 "\t\texport where source ~ [ RTS_BGP ];\n"
		 "\t};\n"
		 "\tmerge paths on limit 64;\n"
		 "}\n"
		 "\n"
		 "template bgp peers {\n"
		 "\tlocal as 4200000101;\n"
		 "\thold time 9;\n"
		 "\tkeepalive time 3;\n"
		 "\tconnect delay time 1;\n"
		 "\tconnect retry time 5;\n"
		 "\terror wait time 1, 10;\n"
		 "\tipv4 {\n"
		 "\t\timport all;\n"
		 "\t\texport where source ~ [ RTS_DEVICE, RTS_BGP ];\n"
		 "\t};\n"
		 "}\n"
		 "\n"
		 "protocol bgp 'spine1' from peers {\n"
		 "\tneighbor 10.128.0.1 as 4200000000;\n"
		 "}\n"
		 "\n"
		 "# extra, from the topology\n"
		 "protocol static { ipv4; }\n",
		 bird_head);
	assert_string_equal(conf, want);
	free(conf);
}

static void test_bird_ospf(void **state)
{
	struct topo *t = *state;
	char *conf, want[2048];

	fabric(t, TOPO_PROTO_OSPF, NULL);
	assert_int_equal(routing_conf_bird(t, topo_node_find(t, "leaf1"),
					   "/run/lunet/fab/routers/leaf1",
					   &conf),
			 0);
	snprintf(want, sizeof(want),
		 "%s"
		 "protocol direct direct1 {\n"
		 "\tipv4;\n"
		 "}\n"
		 "\n"
		 "protocol kernel kernel1 {\n"
		 "\tipv4 {\n"
		 "\t\texport where source ~ [ RTS_OSPF, RTS_OSPF_IA ];\n"
		 "\t};\n"
		 "}\n"
		 "\n"
		 "protocol ospf v2 ospf1 {\n"
		 "\tecmp yes limit 64;\n"
		 "\tipv4 {\n"
		 "\t\timport all;\n"
		 "\t\texport none;\n"
		 "\t};\n"
		 "\tarea 0 {\n"
		 "\t\tinterface \"lo\" { stub yes; };\n"
		 "\t\tinterface \"eth0\" { type ptp; hello 1; dead 4; };\n"
		 "\t\tinterface \"eth1\" { stub yes; };\n"
		 "\t};\n"
		 "}\n"
		 "\n",
		 bird_head);
	assert_string_equal(conf, want);
	free(conf);
}

/* Two links to one peer, and a peer named like a protocol of the config:
 * each session gets a name of its own. */
static void test_bird_names(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP,
				       .daemon = TOPO_DAEMON_BIRD };
	struct topo *t = *state;
	struct err err;
	char *conf;

	add(t, "r", TOPO_ROUTER);
	add(t, "spine1", TOPO_ROUTER);
	add(t, "kernel1", TOPO_ROUTER);
	join(t, "r", "spine1");
	join(t, "r", "spine1");
	join(t, "r", "kernel1");
	route(t, "r", &o);
	route(t, "spine1", &o);
	route(t, "kernel1", &o);
	if (topo_plan(t, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(routing_conf_bird(t, topo_node_find(t, "r"),
					   "/run/lunet/fab/routers/r", &conf),
			 0);
	assert_non_null(strstr(conf, "protocol bgp 'spine1' from peers {\n"));
	assert_non_null(strstr(conf, "protocol bgp 'spine1:eth1' from peers "
				     "{\n"));
	assert_non_null(strstr(conf, "protocol bgp 'kernel1:eth2' from peers "
				     "{\n"));
	free(conf);
}

static void test_peers(void **state)
{
	struct topo *t = *state;
	struct routing_peer p[8];

	fabric(t, TOPO_PROTO_BGP, NULL);
	/* The spine peers with both leaves, the host is nobody's peer. */
	assert_int_equal(routing_peers(t, topo_node_find(t, "spine1"), p, 8),
			 2);
	assert_int_equal(p[0].node, topo_node_find(t, "leaf1"));
	assert_int_equal(p[0].asn, 4200000101u);
	assert_int_equal(p[1].asn, 4200000102u);
	assert_int_equal(p[0].addr, t->ports[topo_peer_port(t, p[0].port)]
					    .addr.ip);
}

static void test_template(void **state)
{
	struct topo *t = *state;
	uint32_t leaf1;
	struct err err;
	char *out;

	fabric(t, TOPO_PROTO_BGP, NULL);
	leaf1 = topo_node_find(t, "leaf1");
	assert_int_equal(routing_conf_template(
				 t, leaf1,
				 "hostname {{name}}\nrouter bgp {{asn}}\n"
				 " bgp router-id {{router_id}}\n"
				 " neighbor {{eth0.peer}} remote-as "
				 "{{eth0.peer_asn}} ! {{eth0.peer_name}}\n"
				 "! {{eth0.ip}} {{eth1.addr}} {{lo}}\n",
				 "r.conf", &out, &err),
			 0);
	assert_string_equal(out, "hostname leaf1\nrouter bgp 4200000101\n"
				 " bgp router-id 10.255.0.2\n"
				 " neighbor 10.128.0.1 remote-as 4200000000 "
				 "! spine1\n"
				 "! 10.128.0.0/31 10.128.0.5 10.255.0.2\n");
	free(out);
	assert_int_equal(routing_conf_template(t, leaf1, "a\nb {{eth9.ip}}\n",
					       "r.conf", &out, &err),
			 -EINVAL);
	assert_null(out);
	assert_string_equal(err.msg,
			    "router leaf1: r.conf:2: no value for {{eth9.ip}} "
			    "(names: name, asn, router_id, lo, IF.ip, IF.addr, "
			    "IF.peer, IF.peer_asn, IF.peer_name)");
	assert_int_equal(routing_conf_template(t, leaf1, "x {{name",
					       "r.conf", &out, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "router leaf1: r.conf:1: '{{' without "
			    "'}}'");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_frr_bgp),
		T(test_frr_ospf),
		T(test_frr_parts),
		T(test_frr_unnumbered),
		T(test_bird_bgp),
		T(test_bird_ospf),
		T(test_bird_names),
		T(test_peers),
		T(test_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
