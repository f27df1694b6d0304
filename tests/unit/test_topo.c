/* Unit tests for building a topology: names, nodes, links, lookups and the
 * whole-graph checks of topo_validate(). */
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

static uint32_t add(struct topo *t, const char *name, enum topo_kind kind)
{
	struct err err = { "" };
	int n = topo_node_add(t, name, kind, NULL, &err);

	if (n < 0)
		fail_msg("adding %s: %s", name, err.msg);
	return (uint32_t)n;
}

static uint32_t join(struct topo *t, uint32_t a, uint32_t b)
{
	struct err err = { "" };
	int l = topo_link_add(t, a, b, NULL, &err);

	if (l < 0)
		fail_msg("linking: %s", err.msg);
	return (uint32_t)l;
}

/* Expects err to contain every string of a NULL-terminated list. */
static void assert_says(const struct err *err, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, err);
	while ((s = va_arg(ap, const char *)))
		if (!strstr(err->msg, s))
			fail_msg("'%s' does not say '%s'", err->msg, s);
	va_end(ap);
}

static void test_emu_names(void **state)
{
	static const char *const good[] = {
		"demo", "a", "Lab_1.v2", "x2345678901234567890123456789012",
	};
	static const char *const bad[] = {
		"", ".demo", "my-lab", "a b", "a/b", "é",
		"x23456789012345678901234567890123",
	};
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(topo_check_name(good[i], &err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		assert_int_equal(topo_check_name(bad[i], &err), -EINVAL);
		assert_true(err.msg[0] != '\0');
		if (bad[i][0])
			assert_says(&err, bad[i], NULL);
	}
	topo_check_name("my-lab", &err);
	assert_says(&err, "'-'", NULL);
	topo_check_name("", &err);
	assert_says(&err, "empty", NULL);
	topo_check_name("x23456789012345678901234567890123", &err);
	assert_says(&err, "longer than 32", NULL);
	assert_int_equal(topo_check_name(NULL, NULL), -EINVAL);
}

static void test_node_names(void **state)
{
	static const char *const bad[] = {
		"", "-h1", ".h1", "h 1", "h/1", "h:1", "h1\n", "h1%",
	};
	char longname[66];
	struct topo *t = *state;
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		assert_int_equal(
			topo_node_add(t, bad[i], TOPO_HOST, NULL, &err),
			-EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	topo_node_add(t, "h 1", TOPO_HOST, NULL, &err);
	assert_says(&err, "'h 1'", "a space", NULL);
	topo_node_add(t, "-h1", TOPO_HOST, NULL, &err);
	assert_says(&err, "'-h1'", "starts with '-'", NULL);
	memset(longname, 'a', 65);
	longname[65] = '\0';
	assert_int_equal(topo_node_add(t, longname, TOPO_HOST, NULL, &err),
			 -EINVAL);
	assert_says(&err, "longer than 64", NULL);
	longname[64] = '\0';
	assert_int_equal(topo_node_add(t, longname, TOPO_HOST, NULL, &err), 0);
	assert_int_equal(
		topo_node_add(t, "core-1.a_b", TOPO_ROUTER, NULL, &err), 1);
	assert_int_equal(t->nnodes, 2);
}

static void test_nodes_and_lookup(void **state)
{
	struct topo *t = *state;
	char name[16];
	uint32_t i;

	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		assert_int_equal(add(t, name, i % 3), i);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		assert_int_equal(topo_node_find(t, name), i);
		assert_string_equal(t->nodes[i].name, name);
		assert_int_equal(t->nodes[i].kind, i % 3);
	}
	assert_int_equal(topo_node_find(t, "h1000"), TOPO_NONE);
	assert_int_equal(topo_node_find(t, ""), TOPO_NONE);
	assert_int_equal(topo_node_find(t, NULL), TOPO_NONE);
}

static void test_find_empty(void **state)
{
	struct topo *t = *state;

	assert_int_equal(topo_node_find(t, "h1"), TOPO_NONE);
	assert_int_equal(topo_link_find(t, 0, 1), TOPO_NONE);
}

static void test_duplicate_node(void **state)
{
	struct topo_node_opts o = { .where = { "demo.lua", 3 } };
	struct topo *t = *state;
	struct err err;

	assert_int_equal(topo_node_add(t, "h1", TOPO_HOST, &o, &err), 0);
	o.where.line = 9;
	assert_int_equal(topo_node_add(t, "h1", TOPO_SWITCH, &o, &err),
			 -EEXIST);
	assert_string_equal(err.msg,
			    "node 'h1' is defined twice (first at demo.lua:3)");
	add(t, "h2", TOPO_HOST);
	assert_int_equal(topo_node_add(t, "h2", TOPO_HOST, NULL, &err),
			 -EEXIST);
	assert_string_equal(err.msg, "node 'h2' is defined twice");
	assert_int_equal(t->nnodes, 2);
	assert_string_equal(t->nodes[0].where.file, "demo.lua");
	assert_int_equal(t->nodes[0].where.line, 3);
}

static void test_kinds(void **state)
{
	enum topo_kind k;

	(void)state;
	assert_string_equal(topo_kind_name(TOPO_HOST), "host");
	assert_string_equal(topo_kind_name(TOPO_SWITCH), "switch");
	assert_string_equal(topo_kind_name(TOPO_ROUTER), "router");
	assert_int_equal(topo_kind_parse("router", &k), 0);
	assert_int_equal(k, TOPO_ROUTER);
	assert_int_equal(topo_kind_parse("switch", &k), 0);
	assert_int_equal(k, TOPO_SWITCH);
	assert_int_equal(topo_kind_parse("Host", &k), -EINVAL);
	assert_int_equal(topo_kind_parse("", &k), -EINVAL);
	assert_int_equal(topo_kind_parse(NULL, &k), -EINVAL);
}

static void test_node_opts(void **state)
{
	struct topo *t = *state;
	struct topo_node_opts o;
	struct err err;
	int n;

	o = (struct topo_node_opts){ .ip = "10.1.0.5" };
	n = topo_node_add(t, "h1", TOPO_HOST, &o, &err);
	assert_int_equal(n, 0);
	assert_true(t->nodes[0].ip_set);
	assert_int_equal(t->nodes[0].ip.ip, 0x0a010005);
	assert_int_equal(t->nodes[0].ip.plen, 24);

	o = (struct topo_node_opts){ .ip = "10.1.0.5/24" };
	assert_int_equal(topo_node_add(t, "s1", TOPO_SWITCH, &o, &err),
			 -EINVAL);
	assert_says(&err, "s1", "ip", "switch", NULL);
	assert_int_equal(topo_node_add(t, "r1", TOPO_ROUTER, &o, &err),
			 -EINVAL);
	assert_says(&err, "r1", "router", NULL);

	o = (struct topo_node_opts){ .ip = "10.1.0.300" };
	assert_int_equal(topo_node_add(t, "h2", TOPO_HOST, &o, &err), -EINVAL);
	assert_says(&err, "h2", "10.1.0.300", NULL);
	o = (struct topo_node_opts){ .ip = "10.1.0.0/24" };
	assert_int_equal(topo_node_add(t, "h2", TOPO_HOST, &o, &err), -EINVAL);
	assert_says(&err, "network address", NULL);
	o = (struct topo_node_opts){ .ip = "224.0.0.1" };
	assert_int_equal(topo_node_add(t, "h2", TOPO_HOST, &o, &err), -EINVAL);

	o = (struct topo_node_opts){ .lo = "10.9.9.9" };
	assert_int_equal(topo_node_add(t, "r1", TOPO_ROUTER, &o, &err), 1);
	assert_true(t->nodes[1].lo_set);
	assert_int_equal(t->nodes[1].lo.ip, 0x0a090909);
	assert_int_equal(t->nodes[1].lo.plen, 32);
	assert_int_equal(topo_node_add(t, "h2", TOPO_HOST, &o, &err), -EINVAL);
	assert_says(&err, "h2", "lo", "host", NULL);
	o = (struct topo_node_opts){ .lo = "10.9.9.8/24" };
	assert_int_equal(topo_node_add(t, "r2", TOPO_ROUTER, &o, &err),
			 -EINVAL);
	assert_says(&err, "r2", "/32", NULL);

	o = (struct topo_node_opts){ .stp = true };
	assert_int_equal(topo_node_add(t, "s1", TOPO_SWITCH, &o, &err), 2);
	assert_true(t->nodes[2].stp);
	assert_int_equal(topo_node_add(t, "h3", TOPO_HOST, &o, &err), -EINVAL);
	assert_says(&err, "h3", "stp", NULL);
	assert_int_equal(t->nnodes, 3);
}

static void test_links(void **state)
{
	struct topo *t = *state;
	uint32_t h1 = add(t, "h1", TOPO_HOST), s1 = add(t, "s1", TOPO_SWITCH);
	uint32_t h2 = add(t, "h2", TOPO_HOST), r1 = add(t, "r1", TOPO_ROUTER);
	const struct topo_port *p;

	t->planned = true;
	assert_int_equal(join(t, h1, s1), 0);
	assert_false(t->planned);
	assert_int_equal(join(t, h2, s1), 1);
	assert_int_equal(join(t, s1, r1), 2);
	assert_int_equal(join(t, h1, r1), 3);
	assert_int_equal(t->nlinks, 4);
	assert_int_equal(t->nports, 8);
	assert_int_equal(t->nodes[s1].nports, 3);
	assert_int_equal(t->nodes[h1].nports, 2);

	/* Ports are numbered per node in link order. */
	p = &t->ports[t->nodes[s1].ports[2]];
	assert_int_equal(p->index, 2);
	assert_string_equal(p->ifname, "eth2");
	assert_false(p->ifname_set);
	assert_int_equal(p->link, 2);
	assert_int_equal(p->node, s1);
	p = &t->ports[t->nodes[h1].ports[1]];
	assert_string_equal(p->ifname, "eth1");
	p = &t->ports[topo_peer_port(t, t->nodes[h1].ports[1])];
	assert_int_equal(p->node, r1);
	assert_string_equal(p->ifname, "eth1");
	assert_int_equal(t->links[0].port[0], t->nodes[h1].ports[0]);
	assert_int_equal(t->links[0].port[1], t->nodes[s1].ports[0]);

	assert_int_equal(topo_link_find(t, h1, s1), 0);
	assert_int_equal(topo_link_find(t, s1, h1), 0);
	assert_int_equal(topo_link_find(t, r1, s1), 2);
	assert_int_equal(topo_link_find(t, h1, r1), 3);
	assert_int_equal(topo_link_find(t, h1, h2), TOPO_NONE);
	assert_int_equal(topo_link_find(t, h1, 99), TOPO_NONE);
	/* Parallel links: find gives the first. */
	assert_int_equal(join(t, r1, h1), 4);
	assert_int_equal(topo_link_find(t, h1, r1), 3);
}

static void test_link_errors(void **state)
{
	struct topo *t = *state;
	uint32_t h1 = add(t, "h1", TOPO_HOST), s1 = add(t, "s1", TOPO_SWITCH);
	struct topo_link_opts o = { .where = { "demo.lua", 7 } };
	struct err err;

	assert_int_equal(topo_link_add(t, h1, h1, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "link h1-h1 (demo.lua:7): a node cannot "
				     "be linked to itself");
	assert_int_equal(topo_link_add(t, h1, 5, NULL, &err), -ENOENT);
	assert_int_equal(topo_link_add(t, 5, h1, NULL, &err), -ENOENT);

	o.mtu = 67;
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "link h1-s1 (demo.lua:7)", "MTU 67", NULL);
	o.mtu = 65536;
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	o.mtu = 0;

	o.mac[1] = "02:00:00:00:00";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "link h1-s1", "02:00:00:00:00", NULL);
	o.mac[1] = "03:00:00:00:00:01";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "multicast", NULL);
	o.mac[1] = "00:00:00:00:00:00";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "zero", NULL);
	o.mac[1] = NULL;

	o.addr[0] = "10.0.0.1/33";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "link h1-s1", "10.0.0.1/33", NULL);
	o.addr[0] = "127.0.0.2";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	o.addr[0] = "10.0.0.255";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "broadcast", NULL);
	o.addr[0] = NULL;
	o.addr[1] = "10.0.0.2";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "s1 is a switch", NULL);
	o.addr[1] = NULL;

	/* Nothing was added by the failures. */
	assert_int_equal(t->nlinks, 0);
	assert_int_equal(t->nports, 0);
	assert_int_equal(t->nodes[h1].nports, 0);

	o.mtu = 9000;
	o.mac[0] = "02:AA:00:00:00:01";
	o.addr[0] = "192.168.7.9";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), 0);
	assert_int_equal(t->links[0].mtu, 9000);
	assert_string_equal(t->links[0].where.file, "demo.lua");
	assert_true(t->ports[0].mac_set);
	assert_int_equal(t->ports[0].mac[1], 0xaa);
	assert_true(t->ports[0].addr_set);
	assert_int_equal(t->ports[0].addr.ip, 0xc0a80709);
	assert_int_equal(t->ports[0].addr.plen, 24);
	assert_false(t->ports[1].addr_set);
}

static void test_ifnames(void **state)
{
	static const char *const bad[] = {
		"",      "a/b", "a:b", "a b", "a\tb", "eth%d", ".",
		"..",    "lo",  "abcdefghijklmnop",
	};
	struct topo *t = *state;
	uint32_t h1 = add(t, "h1", TOPO_HOST), s1 = add(t, "s1", TOPO_SWITCH);
	struct topo_link_opts o = { 0 };
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.ifname[0] = bad[i];
		err_clear(&err);
		if (topo_link_add(t, h1, s1, &o, &err) != -EINVAL)
			fail_msg("interface name '%s' was accepted", bad[i]);
		assert_says(&err, "link h1-s1", NULL);
	}
	o.ifname[0] = "abcdefghijklmnop";
	topo_link_add(t, h1, s1, &o, &err);
	assert_says(&err, "longer than 15", NULL);

	/* br0 is the bridge of a switch, but a fine name elsewhere. */
	o.ifname[0] = "br0";
	o.ifname[1] = "br0";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), -EINVAL);
	assert_says(&err, "bridge", NULL);
	o.ifname[1] = "abcdefghijklmno";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), 0);
	assert_string_equal(t->ports[0].ifname, "br0");
	assert_true(t->ports[0].ifname_set);
	assert_string_equal(t->ports[1].ifname, "abcdefghijklmno");
	assert_int_equal(topo_check_ifname("br0", TOPO_ROUTER, NULL), 0);
	assert_int_equal(topo_check_ifname("br0", TOPO_SWITCH, NULL), -EINVAL);
}

static void test_ifname_duplicates(void **state)
{
	struct topo *t = *state;
	uint32_t h1 = add(t, "h1", TOPO_HOST), s1 = add(t, "s1", TOPO_SWITCH);
	uint32_t s2 = add(t, "s2", TOPO_SWITCH);
	struct topo_link_opts o = { 0 };
	struct err err;

	/* User name against a later generated one: h1's second port would
	 * be eth1. */
	o.ifname[0] = "eth1";
	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), 0);
	assert_int_equal(topo_link_add(t, h1, s2, NULL, &err), -EEXIST);
	assert_says(&err, "h1", "'eth1'", NULL);
	/* User against user. */
	assert_int_equal(topo_link_add(t, h1, s2, &o, &err), -EEXIST);
	assert_says(&err, "link h1-s2", "h1", "'eth1'", NULL);
	/* User against an earlier generated one. */
	o.ifname[0] = NULL;
	o.ifname[1] = "eth0";
	assert_int_equal(topo_link_add(t, s2, s1, &o, &err), -EEXIST);
	assert_says(&err, "link s2-s1", "node s1", "'eth0'", NULL);
	assert_int_equal(t->nlinks, 1);
	assert_int_equal(topo_validate(t, &err), 0);

	/* Whatever slips past topo_link_add() is caught on validation. */
	o.ifname[1] = NULL;
	o.ifname[0] = "up";
	assert_int_equal(topo_link_add(t, h1, s2, &o, &err), 1);
	snprintf(t->ports[0].ifname, TOPO_IFNAMSIZ, "up");
	assert_int_equal(topo_validate(t, &err), -EEXIST);
	assert_string_equal(err.msg, "node h1 has two interfaces named 'up'");
}

static void test_bridge_port_limit(void **state)
{
	struct topo *t = *state;
	uint32_t s1 = add(t, "s1", TOPO_SWITCH), i, h;
	struct err err;
	char name[16];

	for (i = 0; i < TOPO_BRIDGE_MAX_PORTS; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		h = add(t, name, TOPO_HOST);
		join(t, h, s1);
	}
	assert_int_equal(topo_validate(t, &err), 0);
	h = add(t, "one_more", TOPO_HOST);
	join(t, s1, h);
	assert_string_equal(t->ports[t->nodes[s1].ports[1023]].ifname,
			    "eth1023");
	assert_int_equal(topo_validate(t, &err), -E2BIG);
	assert_string_equal(err.msg, "switch s1 has 1024 ports; a Linux bridge "
				     "takes at most 1023");
	assert_int_equal(topo_plan(t, &err), -E2BIG);
}

static void test_host_ip_option(void **state)
{
	struct topo *t = *state;
	struct topo_node_opts no = { .ip = "10.5.0.9/16" };
	struct topo_link_opts lo = { 0 };
	uint32_t s1 = add(t, "s1", TOPO_SWITCH), s2 = add(t, "s2", TOPO_SWITCH);
	struct err err;
	int h1;

	h1 = topo_node_add(t, "h1", TOPO_HOST, &no, &err);
	assert_true(h1 >= 0);
	/* The ip option is the first port's address: it may be repeated on
	 * the link, not contradicted. */
	lo.addr[0] = "10.5.0.8/16";
	assert_int_equal(topo_link_add(t, h1, s1, &lo, &err), -EINVAL);
	assert_says(&err, "link h1-s1", "h1", NULL);
	lo.addr[0] = "10.5.0.9/16";
	assert_int_equal(topo_link_add(t, h1, s1, &lo, &err), 0);
	assert_true(t->ports[0].addr_set);
	assert_int_equal(t->ports[0].addr.ip, 0x0a050009);
	assert_int_equal(t->ports[0].addr.plen, 16);
	assert_int_equal(topo_link_add(t, h1, s2, NULL, &err), 1);
	assert_false(t->ports[2].addr_set);
	assert_int_equal(topo_node_ip(t, h1), 0x0a050009);
	assert_int_equal(topo_node_ip(t, s1), 0);
}

static void test_duplicate_mac(void **state)
{
	struct topo *t = *state;
	uint32_t h1 = add(t, "h1", TOPO_HOST), h2 = add(t, "h2", TOPO_HOST);
	uint32_t s1 = add(t, "s1", TOPO_SWITCH);
	struct topo_link_opts o = { .mac = { "02:00:00:00:00:07" } };
	struct err err;

	assert_int_equal(topo_link_add(t, h1, s1, &o, &err), 0);
	assert_int_equal(topo_link_add(t, h2, s1, &o, &err), 1);
	assert_int_equal(topo_validate(t, &err), -EADDRINUSE);
	assert_says(&err, "node h1 eth0", "node h2 eth0", "02:00:00:00:00:07",
		    NULL);
}

static void test_describe(void **state)
{
	struct topo *t = *state;
	uint32_t h1 = add(t, "h1", TOPO_HOST), s1 = add(t, "s1", TOPO_SWITCH);
	struct topo_link_opts o = { .where = { "x.lua", 12 } };
	char buf[TOPO_DESCSIZ];
	struct err err;

	join(t, h1, s1);
	assert_int_equal(topo_link_add(t, s1, h1, &o, &err), 1);
	assert_string_equal(topo_link_describe(t, 0, buf, sizeof(buf)),
			    "link h1-s1");
	assert_string_equal(topo_link_describe(t, 1, buf, sizeof(buf)),
			    "link s1-h1 (x.lua:12)");
	assert_string_equal(topo_port_describe(t, 3, buf, sizeof(buf)),
			    "node h1 eth1");
	assert_string_equal(topo_link_name(t, 1, buf, sizeof(buf)), "s1-h1");
	assert_int_equal(topo_link_node(t, 1, 0), s1);
	assert_int_equal(topo_link_node(t, 1, 1), h1);
	assert_string_equal(topo_link_port(t, 1, 1)->ifname, "eth1");
	assert_int_equal(topo_link_port(t, 0, 0)->node, h1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_emu_names),	   T(test_node_names),
		T(test_nodes_and_lookup),  T(test_find_empty),
		T(test_duplicate_node),	   T(test_kinds),
		T(test_node_opts),	   T(test_links),
		T(test_link_errors),	   T(test_ifnames),
		T(test_ifname_duplicates), T(test_bridge_port_limit),
		T(test_host_ip_option),	   T(test_duplicate_mac),
		T(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
