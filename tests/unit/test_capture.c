/* Unit tests for the pure part of core/capture: capture targets ("h1:eth0",
 * "s1", "h1-s1", "h1,s1") against a topology, the interfaces each stands
 * for, and the names of ring and per-interface files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/observe/capture.h"
#include "topo/topo.h"

/* h1 - s1 - r-1 (a node name with '-'), h2 - s1. */
static int setup(void **state)
{
	struct topo *t = topo_new("demo");
	uint32_t h1, h2, s1, r;

	if (!t)
		return -1;
	h1 = topo_node_add(t, "h1", TOPO_HOST, NULL, NULL);
	h2 = topo_node_add(t, "h2", TOPO_HOST, NULL, NULL);
	s1 = topo_node_add(t, "s1", TOPO_SWITCH, NULL, NULL);
	r = topo_node_add(t, "r-1", TOPO_ROUTER, NULL, NULL);
	if (topo_link_add(t, h1, s1, NULL, NULL) < 0 ||
	    topo_link_add(t, h2, s1, NULL, NULL) < 0 ||
	    topo_link_add(t, s1, r, NULL, NULL) < 0)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	topo_free(*state);
	return 0;
}

static void test_intf(void **state)
{
	struct topo *t = *state;
	struct capture_spec sp;
	struct err err = {""};

	assert_int_equal(capture_spec_parse(t, "h1:eth0", &sp, &err), 0);
	assert_int_equal(sp.kind, CAPTURE_INTF);
	assert_int_equal(sp.node, topo_node_find(t, "h1"));
	assert_string_equal(sp.ifname, "eth0");
	assert_int_equal(capture_spec_parse(t, "s1:br0", &sp, &err), 0);
	assert_int_equal(capture_spec_parse(t, "h1:lo", &sp, &err), 0);
	assert_int_equal(capture_spec_parse(t, "h1:br0", &sp, &err), -ENOENT);
	assert_string_equal(err.msg, "no interface 'br0' on node 'h1'");
	assert_int_equal(capture_spec_parse(t, "h1:eth9", &sp, &err), -ENOENT);
	assert_string_equal(err.msg, "no interface 'eth9' on node 'h1'");
	assert_int_equal(capture_spec_parse(t, "h1:", &sp, &err), -ENOENT);
	assert_int_equal(capture_spec_parse(t, "h9:eth0", &sp, &err), -ENOENT);
	assert_string_equal(err.msg, "no node 'h9' in emulation 'demo'");
}

static void test_node(void **state)
{
	struct topo *t = *state;
	struct capture_target tg[4];
	struct capture_spec sp;
	struct err err = {""};

	assert_int_equal(capture_spec_parse(t, "s1", &sp, &err), 0);
	assert_int_equal(sp.kind, CAPTURE_NODE);
	assert_int_equal(capture_spec_targets(t, "demo", &sp, tg, 4), 3);
	assert_string_equal(tg[0].node, "s1");
	assert_string_equal(tg[0].ifname, "eth0");
	assert_string_equal(tg[2].ifname, "eth2");
	assert_string_equal(tg[2].emu, "demo");
	assert_false(tg[1].out_only);
	assert_null(tg[1].file);
	assert_int_equal(capture_spec_targets(t, "demo", &sp, tg, 2), -ENOSPC);
	/* A node whose name holds '-' is a node, not a link. */
	assert_int_equal(capture_spec_parse(t, "r-1", &sp, &err), 0);
	assert_int_equal(sp.kind, CAPTURE_NODE);
	assert_int_equal(capture_spec_parse(t, "nope", &sp, &err), -ENOENT);
	assert_string_equal(err.msg, "no node 'nope' in emulation 'demo'");
}

static void test_link(void **state)
{
	struct topo *t = *state;
	struct capture_target tg[2];
	struct capture_spec sp;
	struct err err = {""};

	assert_int_equal(capture_spec_parse(t, "h1-s1", &sp, &err), 0);
	assert_int_equal(sp.kind, CAPTURE_LINK);
	assert_int_equal(sp.link, 0);
	assert_int_equal(capture_spec_targets(t, "demo", &sp, tg, 2), 2);
	assert_string_equal(tg[0].node, "h1");
	assert_string_equal(tg[0].ifname, "eth0");
	assert_string_equal(tg[1].node, "s1");
	assert_string_equal(tg[1].ifname, "eth0");
	assert_true(tg[0].out_only && tg[1].out_only);
	/* Either order, either separator; '-' inside a name is skipped. */
	assert_int_equal(capture_spec_parse(t, "s1,h2", &sp, &err), 0);
	assert_int_equal(sp.link, 1);
	assert_int_equal(capture_spec_parse(t, "r-1-s1", &sp, &err), 0);
	assert_int_equal(sp.kind, CAPTURE_LINK);
	assert_int_equal(sp.link, 2);
	assert_int_equal(capture_spec_parse(t, "s1-r-1", &sp, &err), 0);
	assert_int_equal(sp.link, 2);
	assert_int_equal(capture_spec_parse(t, "h1-h2", &sp, &err), -ENOENT);
	assert_string_equal(err.msg, "no link between 'h1' and 'h2'");
	assert_int_equal(capture_spec_parse(t, "h1,x", &sp, &err), -ENOENT);
	assert_string_equal(err.msg, "no node 'x' in emulation 'demo'");
	assert_int_equal(capture_spec_parse(t, "x-y", &sp, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "no node or link 'x-y' in emulation 'demo'");
}

static void test_ring_name(void **state)
{
	char buf[32];

	assert_int_equal(capture_ring_name(buf, sizeof(buf), "x.pcap", 0), 0);
	assert_string_equal(buf, "x.pcap0");
	assert_int_equal(capture_ring_name(buf, sizeof(buf), "/tmp/a", 12), 0);
	assert_string_equal(buf, "/tmp/a12");
	assert_int_equal(capture_ring_name(buf, 8, "x.pcap", 10),
			 -ENAMETOOLONG);
}

static void test_intf_file(void **state)
{
	char buf[64];

	assert_int_equal(
	    capture_intf_file(buf, sizeof(buf), "/tmp/s1", false, NULL, "eth0"),
	    0);
	assert_string_equal(buf, "/tmp/s1-eth0.pcap");
	assert_int_equal(
	    capture_intf_file(buf, sizeof(buf), "/tmp/c", false, "s1", "eth1"),
	    0);
	assert_string_equal(buf, "/tmp/c-s1-eth1.pcap");
	assert_int_equal(
	    capture_intf_file(buf, sizeof(buf), "/tmp", true, "s1", "eth2"), 0);
	assert_string_equal(buf, "/tmp/s1-eth2.pcap");
	assert_int_equal(
	    capture_intf_file(buf, sizeof(buf), "/tmp/", true, "s1", "eth2"),
	    0);
	assert_string_equal(buf, "/tmp/s1-eth2.pcap");
	assert_int_equal(
	    capture_intf_file(buf, 10, "/tmp/s1", false, NULL, "eth0"),
	    -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_intf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link, setup, teardown),
	    cmocka_unit_test(test_ring_name),
	    cmocka_unit_test(test_intf_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
