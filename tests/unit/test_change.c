/* Unit tests for changing a running network's model: topo_truncate(),
 * topo_remove() and its map, topo_keep_plan() (nothing renumbered), the
 * route snapshots of topo/change.c, and topo_diff() of topo/diff.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "topo/change.h"
#include "topo/diff.h"
#include "topo/topo.h"

static uint32_t node(const struct topo *t, const char *name)
{
	uint32_t n = topo_node_find(t, name);

	if (n == TOPO_NONE)
		fail_msg("no node %s", name);
	return n;
}

/* "s1 r1 h1": the kind from the first letter. */
static void nodes(struct topo *t, const char *spec)
{
	char name[65];
	struct err err;
	int off;

	while (sscanf(spec, " %64s%n", name, &off) == 1) {
		enum topo_kind k = name[0] == 'h' ? TOPO_HOST :
				   name[0] == 's' ? TOPO_SWITCH : TOPO_ROUTER;

		spec += off;
		if (topo_node_add(t, name, k, NULL, &err) < 0)
			fail_msg("%s", err.msg);
	}
}

/* "h1-s1 s1-r1" */
static void links(struct topo *t, const char *spec)
{
	char a[65], b[65], one[140];
	struct err err;
	int off;

	while (sscanf(spec, " %139s%n", one, &off) == 1) {
		spec += off;
		assert_int_equal(sscanf(one, "%64[^-]-%64s", a, b), 2);
		if (topo_link_add(t, node(t, a), node(t, b), NULL, &err) < 0)
			fail_msg("%s", err.msg);
	}
}

static void plan(struct topo *t)
{
	struct err err = { "" };

	if (topo_plan(t, &err) < 0)
		fail_msg("plan: %s", err.msg);
}

/* The address of node's port named ifname, as text. */
static const char *addr_of(const struct topo *t, const char *name,
			   const char *ifname)
{
	static char buf[IP_STRLEN];
	const struct topo_node *n = &t->nodes[node(t, name)];
	uint32_t k;

	for (k = 0; k < n->nports; k++)
		if (!strcmp(t->ports[n->ports[k]].ifname, ifname))
			return ip_format(&t->ports[n->ports[k]].addr, true, buf);
	fail_msg("%s has no %s", name, ifname);
	return NULL;
}

/* Two segments joined by a router:  h1 h2 - s1 - r1 - s2 - h3 */
static struct topo *small(void)
{
	struct topo *t = topo_new("c");

	nodes(t, "s1 s2 r1 h1 h2 h3");
	links(t, "h1-s1 h2-s1 s1-r1 r1-s2 h3-s2");
	plan(t);
	return t;
}

static void test_keep_plan(void **state)
{
	struct topo *t = small();
	char before[IP_STRLEN];

	snprintf(before, sizeof(before), "%s", addr_of(t, "h2", "eth0"));
	/* A host added to s1: the next free address of s1's subnet, and
	 * nothing else renumbered. */
	topo_keep_plan(t);
	nodes(t, "h9");
	links(t, "h9-s1");
	plan(t);
	assert_string_equal(addr_of(t, "h2", "eth0"), before);
	assert_string_equal(addr_of(t, "h9", "eth0"), "10.0.0.3/24");
	assert_string_equal(addr_of(t, "r1", "eth0"), "10.0.0.254/24");
	/* h1 removed: its address is not given to anyone else that
	 * stays, and the rest keep theirs. */
	bool gone[16] = { false };
	struct topo_map m;

	gone[node(t, "h1")] = true;
	assert_int_equal(topo_remove(t, gone, NULL, &m), 0);
	topo_map_free(&m);
	topo_keep_plan(t);
	plan(t);
	assert_string_equal(addr_of(t, "h2", "eth0"), before);
	assert_string_equal(addr_of(t, "h9", "eth0"), "10.0.0.3/24");
	topo_free(t);
}

static void test_truncate(void **state)
{
	struct topo *t = small();
	uint32_t nn = t->nnodes, nl = t->nlinks, np = t->nports;
	uint32_t s1 = node(t, "s1");

	nodes(t, "h8 h9");
	links(t, "h8-s1 h9-s1 h9-s2");
	assert_int_equal(t->nodes[s1].next_port, 5);
	topo_truncate(t, nn, nl);
	assert_int_equal(t->nnodes, nn);
	assert_int_equal(t->nlinks, nl);
	assert_int_equal(t->nports, np);
	assert_int_equal(t->nodes[s1].nports, 3);
	assert_int_equal(t->nodes[s1].next_port, 3);
	assert_int_equal(topo_node_find(t, "h9"), TOPO_NONE);
	/* The name is free again, and the next port is eth3 again. */
	nodes(t, "h9");
	links(t, "h9-s1");
	assert_string_equal(t->ports[t->links[t->nlinks - 1].port[1]].ifname,
			    "eth3");
	topo_free(t);
}

static void test_remove_map(void **state)
{
	struct topo *t = small();
	bool gone[8] = { false };
	uint32_t r1 = node(t, "r1"), h3 = node(t, "h3"), s2 = node(t, "s2");
	struct topo_map m;
	uint32_t i, k;

	/* r1 goes, and with it its two links; s2's other port keeps its
	 * name and interface index. */
	gone[r1] = true;
	assert_int_equal(topo_remove(t, gone, NULL, &m), 0);
	assert_int_equal(m.node[r1], TOPO_NONE);
	assert_int_equal(m.nnodes, 6);
	assert_int_equal(t->nnodes, 5);
	assert_int_equal(t->nlinks, 3);
	assert_int_equal(t->nports, 6);
	assert_int_equal(m.link[2], TOPO_NONE); /* s1-r1 */
	assert_int_equal(m.link[3], TOPO_NONE); /* r1-s2 */
	assert_int_equal(m.link[4], 2);         /* h3-s2 */
	assert_int_equal(topo_node_find(t, "r1"), TOPO_NONE);
	assert_int_equal(topo_node_find(t, "h3"), m.node[h3]);
	s2 = m.node[s2];
	assert_int_equal(t->nodes[s2].nports, 1);
	assert_string_equal(t->ports[t->nodes[s2].ports[0]].ifname, "eth1");
	assert_int_equal(topo_port_ifindex(t, t->nodes[s2].ports[0]),
			 TOPO_IFINDEX_PORT0 + 1);
	assert_int_equal(topo_node_port_at(t, s2, TOPO_IFINDEX_PORT0 + 1), 0);
	assert_int_equal(topo_node_port_at(t, s2, TOPO_IFINDEX_PORT0), -1);
	/* Every port points at its link and node, and back. */
	for (i = 0; i < t->nlinks; i++)
		for (k = 0; k < 2; k++) {
			const struct topo_port *p = topo_link_port(t, i, (int)k);

			assert_int_equal(p->link, i);
			assert_true(p->node < t->nnodes);
		}
	topo_map_free(&m);
	/* A new port of s2 is eth2: eth1 is still taken, eth0 never
	 * reused. */
	nodes(t, "h9");
	links(t, "h9-s2");
	assert_string_equal(t->ports[t->links[t->nlinks - 1].port[1]].ifname,
			    "eth2");
	plan(t);
	topo_free(t);
}

static void test_snap(void **state)
{
	struct topo *t = small();
	struct topo_route_snap a, b;
	uint32_t h1 = node(t, "h1"), h3 = node(t, "h3");
	bool gone[8] = { false };
	struct topo_map m;

	assert_int_equal(topo_snap_take(t, &a), 0);
	/* h9 on s2: h1's routes do not change (its default route), r1's
	 * neither (s2's subnet is connected). */
	topo_keep_plan(t);
	nodes(t, "h9");
	links(t, "h9-s2");
	plan(t);
	assert_int_equal(topo_snap_take(t, &b), 0);
	assert_false(topo_snap_changed(&a, h1, &b, h1));
	assert_false(topo_snap_changed(&a, h3, &b, h3));
	topo_snap_free(&b);
	/* A second router between s1 and s2, then r1 gone: h1's default
	 * route moves to r2. */
	nodes(t, "r2");
	links(t, "s1-r2 r2-s2");
	plan(t);
	topo_snap_free(&a);
	assert_int_equal(topo_snap_take(t, &a), 0);
	gone[node(t, "r1")] = true;
	assert_int_equal(topo_remove(t, gone, NULL, &m), 0);
	topo_keep_plan(t);
	plan(t);
	assert_int_equal(topo_snap_take(t, &b), 0);
	assert_true(topo_snap_changed(&a, h1, &b, m.node[h1]));
	assert_true(topo_snap_has(&b, m.node[h1], 0, 0));
	topo_map_free(&m);
	topo_snap_free(&a);
	topo_snap_free(&b);
	topo_free(t);
}

static void test_diff(void **state)
{
	struct topo *a = small(), *b = topo_new("c");
	struct topo_link_opts mtu = { .mtu = 9000 };
	struct topo_diff d;
	struct err err;

	/* h2 gone (its link with it), h9 new, h3-s2 gone between nodes
	 * that stay, r1 a switch now (made again, with its links), s1-r1
	 * with an MTU. */
	nodes(b, "s1 s2 h1 h3 h9");
	assert_true(topo_node_add(b, "r1", TOPO_SWITCH, NULL, &err) >= 0);
	links(b, "h1-s1 r1-s2 h9-s1");
	assert_true(topo_link_add(b, node(b, "s1"), node(b, "r1"), &mtu,
				  &err) >= 0);
	assert_int_equal(topo_diff(a, b, &d), 0);
	assert_int_equal(d.nnode_gone, 2); /* r1 (its kind), h2 */
	assert_int_equal(d.nnode_new, 2);  /* h9, r1 */
	assert_int_equal(d.nlink_kept, 1); /* h1-s1 */
	/* h3-s2 goes; h2-s1 goes with h2, s1-r1 and r1-s2 with r1. */
	assert_int_equal(d.nlink_gone, 1);
	assert_string_equal(a->nodes[topo_link_node(a, d.link_gone[0], 0)].name,
			    "h3");
	assert_int_equal(d.nlink_new, 3); /* r1-s2, h9-s1, s1-r1 */
	topo_diff_free(&d);
	/* The same model: no difference at all. */
	assert_int_equal(topo_diff(a, a, &d), 0);
	assert_int_equal(d.nnode_gone + d.nnode_new + d.nlink_gone +
				 d.nlink_new, 0);
	assert_int_equal(d.nlink_kept, a->nlinks);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

static void test_diff_parallel(void **state)
{
	struct topo *a = topo_new("p"), *b = topo_new("p");
	struct topo_diff d;

	/* Two links r1-r2 and one more in b: one new, two kept, matched
	 * whichever way round they were written. */
	nodes(a, "r1 r2");
	links(a, "r1-r2 r2-r1");
	nodes(b, "r1 r2");
	links(b, "r2-r1 r1-r2 r1-r2");
	assert_int_equal(topo_diff(a, b, &d), 0);
	assert_int_equal(d.nlink_kept, 2);
	assert_int_equal(d.nlink_new, 1);
	assert_int_equal(d.nlink_gone, 0);
	topo_diff_free(&d);
	topo_free(a);
	topo_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_plan),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_remove_map),
		cmocka_unit_test(test_snap),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_parallel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
