/* Unit tests for topo/draw.c: the tiers and the layout each kind of
 * topology gets, the DOT text of every node and link (state and rates),
 * the summary of a large topology by group, and rates as text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topo/draw.h"
#include "topo/topo.h"

static uint32_t add(struct topo *t, const char *name, enum topo_kind kind)
{
	int n = topo_node_add(t, name, kind, NULL, NULL);

	assert_true(n >= 0);
	return (uint32_t)n;
}

static void link2(struct topo *t, uint32_t a, uint32_t b)
{
	assert_true(topo_link_add(t, a, b, NULL, NULL) >= 0);
}

/* n routers in a ring, a host on each. */
static struct topo *ring(int n)
{
	struct topo *t = topo_new("ring");
	uint32_t r[16];
	char name[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "r%d", i + 1);
		r[i] = add(t, name, TOPO_ROUTER);
		snprintf(name, sizeof(name), "h%d", i + 1);
		link2(t, add(t, name, TOPO_HOST), r[i]);
	}
	for (i = 0; i < n; i++)
		link2(t, r[i], r[(i + 1) % n]);
	return t;
}

static char *dot_of(const struct topo *t, const struct draw_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(draw_dot(f, t, o), 0);
	fclose(f);
	return buf;
}

static void test_tiers(void **state)
{
	struct topo *t = topo_new("tree");
	uint32_t core, s1, s2, tier[8];

	core = add(t, "core", TOPO_SWITCH);
	s1 = add(t, "s1", TOPO_SWITCH);
	s2 = add(t, "s2", TOPO_SWITCH);
	link2(t, core, s1);
	link2(t, core, s2);
	link2(t, add(t, "h1", TOPO_HOST), s1);
	link2(t, add(t, "h2", TOPO_HOST), s2);
	assert_int_equal(draw_tiers(t, tier), DRAW_TIERS);
	assert_int_equal(tier[core], 2);
	assert_int_equal(tier[s1], 1);
	assert_int_equal(tier[topo_node_find(t, "h2")], 0);
	/* A link inside a tier: not layered any more; the switches are a
	 * triangle, then with one more a mesh. */
	link2(t, s1, s2);
	assert_int_equal(draw_tiers(t, tier), DRAW_RING);
	link2(t, s2, add(t, "s3", TOPO_SWITCH));
	assert_int_equal(draw_tiers(t, tier), DRAW_MESH);
	topo_free(t);
}

static void test_ring(void **state)
{
	struct topo *t = ring(5);
	uint32_t tier[10];

	assert_int_equal(draw_tiers(t, tier), DRAW_RING);
	/* A chord makes it a mesh. */
	link2(t, topo_node_find(t, "r1"), topo_node_find(t, "r3"));
	assert_int_equal(draw_tiers(t, tier), DRAW_MESH);
	topo_free(t);
}

/* An x by y torus as lunet.topo.torus{} names it, a host on each. */
static struct topo *torus(int x, int y)
{
	struct topo *t = topo_new("torus");
	char name[32];
	uint32_t r;
	int i, j;

	for (i = 1; i <= x; i++)
		for (j = 1; j <= y; j++) {
			snprintf(name, sizeof(name), "r%d_%d", i, j);
			r = add(t, name, TOPO_ROUTER);
			snprintf(name, sizeof(name), "h%d_%d", i, j);
			link2(t, add(t, name, TOPO_HOST), r);
		}
	for (i = 0; i < x; i++)
		for (j = 0; j < y; j++) {
			uint32_t me = (uint32_t)(2 * (i * y + j));

			link2(t, me, (uint32_t)(2 * (((i + 1) % x) * y + j)));
			link2(t, me, (uint32_t)(2 * (i * y + (j + 1) % y)));
		}
	return t;
}

static void test_torus(void **state)
{
	struct topo *t = torus(3, 4);
	struct draw_opts o = { 0 };
	uint32_t tier[32];
	char *dot;

	assert_int_equal(draw_tiers(t, tier), DRAW_TORUS);
	dot = dot_of(t, &o);
	/* Every node placed by lunet: r1_1 on the inner ring, its host
	 * beside it. */
	assert_non_null(strstr(dot, "\"r1_1\" [pos=\""));
	assert_non_null(strstr(dot, "\"h3_4\" [pos=\""));
	assert_non_null(strstr(dot, "layout=neato"));
	free(dot);
	/* A missing wrap-around link: a mesh, not a torus. */
	topo_free(t);
	t = torus(3, 4);
	link2(t, topo_node_find(t, "r1_1"), topo_node_find(t, "r2_3"));
	assert_int_equal(draw_tiers(t, tier), DRAW_MESH);
	topo_free(t);
}

static void test_dot(void **state)
{
	struct topo *t = ring(4);
	uint8_t down[8] = { 0 };
	double bps[8] = { 0 };
	struct draw_opts o = { .ifnames = true, .down = down, .bps = bps };
	char *s;

	down[5] = 1;
	bps[4] = 2.5e6;
	s = dot_of(t, &o);
	assert_non_null(strstr(s, "graph \"ring\" {"));
	assert_non_null(strstr(s, "layout=circo"));
	assert_non_null(strstr(s, "\"r1\" [id=\"node-r1\" class=\"router\" "
				  "shape=ellipse"));
	assert_non_null(strstr(s, "\"h4\" [id=\"node-h4\" class=\"host\""));
	/* Hosts first: the lower tier is the tail. */
	assert_non_null(strstr(s, "\"h1\" -- \"r1\" [id=\"link-0\" "
				  "class=\"link up\" taillabel=\"eth0\" "
				  "headlabel=\"eth0\"]"));
	assert_non_null(strstr(s, "[id=\"link-5\" class=\"link down\""));
	assert_non_null(strstr(s, "label=\"2.5 Mb/s\""));
	assert_false(draw_is_summary(t, &o));
	free(s);
	topo_free(t);
}

/* 40 racks of a leaf and 8 hosts, under 4 spines: 364 nodes. */
static void test_summary(void **state)
{
	struct topo *t = topo_new("big");
	struct draw_opts o = { 0 };
	uint32_t spine[4], leaf, h;
	char name[32], rack[16];
	int r, i;
	char *s;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "spine%d", i + 1);
		spine[i] = add(t, name, TOPO_ROUTER);
	}
	for (r = 0; r < 40; r++) {
		snprintf(name, sizeof(name), "leaf%d", r + 1);
		snprintf(rack, sizeof(rack), "rack%d", r + 1);
		leaf = add(t, name, TOPO_ROUTER);
		assert_int_equal(topo_node_set_group(t, leaf, rack, NULL), 0);
		for (i = 0; i < 4; i++)
			link2(t, leaf, spine[i]);
		for (i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "h%d_%d", r + 1, i + 1);
			h = add(t, name, TOPO_HOST);
			assert_int_equal(topo_node_set_group(t, h, rack, NULL),
					 0);
			link2(t, h, leaf);
		}
	}
	assert_true(draw_is_summary(t, &o));
	s = dot_of(t, &o);
	assert_non_null(strstr(s, "[id=\"group-rack1\" class=\"group\""));
	assert_non_null(strstr(s, "label=\"rack40\\n8 hosts\\n1 router\""));
	assert_non_null(strstr(s, "[id=\"group-tier2\" class=\"group\""));
	assert_non_null(strstr(s, "\"g:rack7\" -- \"g:tier2\""));
	assert_non_null(strstr(s, "label=\"4 links\""));
	assert_null(strstr(s, "node-h1_1"));
	free(s);
	o.full = true;
	s = dot_of(t, &o);
	assert_non_null(strstr(s, "node-h40_8"));
	assert_non_null(strstr(s, "rank=same"));
	free(s);
	topo_free(t);
}

/* 320 cells of a switch and a host, in a line: more groups than a
 * summary may draw, so it is by tier. */
static void test_summary_tiers(void **state)
{
	struct topo *t = topo_new("line");
	struct draw_opts o = { 0 };
	uint32_t sw, h, prev = TOPO_NONE;
	char name[32], cell[16];
	int i;
	char *s;

	for (i = 0; i < 320; i++) {
		snprintf(cell, sizeof(cell), "cell%d", i + 1);
		snprintf(name, sizeof(name), "s%d", i + 1);
		sw = add(t, name, TOPO_SWITCH);
		snprintf(name, sizeof(name), "h%d", i + 1);
		h = add(t, name, TOPO_HOST);
		assert_int_equal(topo_node_set_group(t, sw, cell, NULL), 0);
		assert_int_equal(topo_node_set_group(t, h, cell, NULL), 0);
		link2(t, h, sw);
		if (prev != TOPO_NONE)
			link2(t, prev, sw);
		prev = sw;
	}
	s = dot_of(t, &o);
	assert_null(strstr(s, "group-cell1\""));
	assert_non_null(strstr(s, "label=\"tier0\\n320 hosts\""));
	assert_non_null(strstr(s, "label=\"tier1\\n320 switches\""));
	assert_non_null(strstr(s, "label=\"320 links\""));
	free(s);
	topo_free(t);
}

static void test_rate(void **state)
{
	char buf[32];

	draw_rate(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0 b/s");
	draw_rate(buf, sizeof(buf), 950e3);
	assert_string_equal(buf, "950 kb/s");
	draw_rate(buf, sizeof(buf), 1.24e9);
	assert_string_equal(buf, "1.2 Gb/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tiers),
	    cmocka_unit_test(test_ring),
	    cmocka_unit_test(test_torus),
	    cmocka_unit_test(test_dot),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_summary_tiers),
	    cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
