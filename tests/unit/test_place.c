/* Unit tests for placement (topo/place.c): fat-trees whose pods stay whole
 * with only core-aggregation links cut, balance within the tolerance,
 * groups and nodes placed by hand kept, the same placement every time,
 * and the errors that name what is wrong.
 *
 * With arguments ("test_place torus 224 16"), times one placement
 * instead: a torus of X by X routers with a host each (no groups) on N
 * machines, or "fattree K N". */
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

#include "topo/place.h"
#include "topo/topo.h"

static uint32_t add(struct topo *t, const char *name, enum topo_kind kind,
		    const char *group)
{
	struct err err = { "" };
	int n = topo_node_add(t, name, kind, NULL, &err);

	if (n < 0 || topo_node_set_group(t, (uint32_t)n, group, &err))
		fail_msg("adding %s: %s", name, err.msg);
	return (uint32_t)n;
}

static void join(struct topo *t, uint32_t a, uint32_t b)
{
	struct err err = { "" };

	if (topo_link_add(t, a, b, NULL, &err) < 0)
		fail_msg("linking: %s", err.msg);
}

/* The fat-tree of lunet.topo.fattree{k}, without addresses: cores first,
 * then pod by pod, the pods grouped "pod<p>" when groups is set. */
static struct topo *fattree(int k, bool groups)
{
	struct topo *t = topo_new("fattree");
	uint32_t core[1024], agg[32], edge[32];
	int half = k / 2, p, i, e, j, c;
	char name[64], pod[16];

	for (c = 0; c < half * half; c++) {
		snprintf(name, sizeof(name), "core%d", c + 1);
		core[c] = add(t, name, TOPO_ROUTER, NULL);
	}
	for (p = 0; p < k; p++) {
		snprintf(pod, sizeof(pod), "pod%d", p + 1);
		for (i = 0; i < half; i++) {
			snprintf(name, sizeof(name), "agg%d_%d", p + 1, i + 1);
			agg[i] = add(t, name, TOPO_ROUTER, groups ? pod : NULL);
		}
		for (e = 0; e < half; e++) {
			snprintf(name, sizeof(name), "edge%d_%d", p + 1, e + 1);
			edge[e] = add(t, name, TOPO_ROUTER,
				      groups ? pod : NULL);
			for (j = 0; j < half; j++) {
				snprintf(name, sizeof(name), "h%d_%d_%d",
					 p + 1, e + 1, j + 1);
				join(t, edge[e],
				     add(t, name, TOPO_HOST,
					 groups ? pod : NULL));
			}
		}
		for (i = 0; i < half; i++) {
			for (e = 0; e < half; e++)
				join(t, agg[i], edge[e]);
			for (c = 0; c < half; c++)
				join(t, agg[i], core[i * half + c]);
		}
	}
	return t;
}

/* An x by x torus of routers, a host on each (no groups). */
static struct topo *torus(int x)
{
	struct topo *t = topo_new("torus");
	uint32_t *r = malloc((size_t)x * x * sizeof(*r));
	char name[32];
	int i, j;

	for (i = 0; i < x * x; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		r[i] = add(t, name, TOPO_ROUTER, NULL);
		snprintf(name, sizeof(name), "h%d", i);
		join(t, r[i], add(t, name, TOPO_HOST, NULL));
	}
	for (i = 0; i < x; i++) {
		for (j = 0; j < x; j++) {
			join(t, r[i * x + j], r[((i + 1) % x) * x + j]);
			join(t, r[i * x + j], r[i * x + (j + 1) % x]);
		}
	}
	free(r);
	return t;
}

static uint32_t *place(const struct topo *t, const struct topo_place_opts *o,
		       struct topo_place_stats *s)
{
	uint32_t *m = malloc((t->nnodes + 1) * sizeof(*m));
	struct err err = { "" };

	assert_non_null(m);
	if (topo_place(t, o, m, s, &err))
		fail_msg("placing %s: %s", t->name, err.msg);
	return m;
}

static void assert_within_bounds(const struct topo_place_stats *s)
{
	uint32_t m;

	if (!s->balanced)
		fail_msg("unbalanced: %s", s->warning);
	for (m = 0; m < s->nmachines; m++)
		assert_true((double)s->load[m] <= s->bound[m]);
}

/* Every link cut joins a core to an aggregation router; pods are whole. */
static void assert_fattree_cut(const struct topo *t, const uint32_t *m)
{
	uint32_t l, a, b, i;
	const char *g;

	for (l = 0; l < t->nlinks; l++) {
		a = topo_link_node(t, l, 0);
		b = topo_link_node(t, l, 1);
		if (m[a] == m[b])
			continue;
		if (!((!strncmp(t->nodes[a].name, "agg", 3) &&
		       !strncmp(t->nodes[b].name, "core", 4)) ||
		      (!strncmp(t->nodes[b].name, "agg", 3) &&
		       !strncmp(t->nodes[a].name, "core", 4))))
			fail_msg("link %s-%s is cut", t->nodes[a].name,
				 t->nodes[b].name);
	}
	for (i = 0; i < t->nnodes; i++) {
		g = t->nodes[i].group;
		if (g && m[i] != m[topo_node_find(t, "agg1_1")] &&
		    !strcmp(g, "pod1"))
			fail_msg("%s is not with the rest of pod1",
				 t->nodes[i].name);
	}
}

static void check_fattree(int k, uint32_t nm, uint32_t cut)
{
	struct topo *t = fattree(k, true);
	struct topo_place_opts o = { .nmachines = nm };
	struct topo_place_stats s;
	uint32_t *m = place(t, &o, &s), i, cores[64] = { 0 };
	uint32_t ncores = (uint32_t)(k * k / 4);

	assert_within_bounds(&s);
	assert_fattree_cut(t, m);
	assert_int_equal(s.cut, cut);
	assert_int_equal(s.units, k + ncores);
	/* the same share of pods and of cores on every machine */
	for (i = 0; i < ncores; i++)
		cores[m[i]]++;
	for (i = 0; i < nm; i++) {
		assert_int_equal(cores[i], ncores / nm);
		assert_int_equal(s.load[i], s.total / nm);
	}
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
}

/* On k / 2 machines... any n dividing k: each core has one link per pod,
 * and all but the pods of its own machine are cut. */
static void test_fattree_k4(void **state)
{
	check_fattree(4, 2, 4 * (4 - 2));
}

static void test_fattree_k8(void **state)
{
	check_fattree(8, 4, 16 * (8 - 2));
	check_fattree(8, 2, 16 * (8 - 4));
}

static void test_fattree_k16(void **state)
{
	check_fattree(16, 4, 64 * (16 - 4));
}

/* Four pods of 8 on three machines cannot be within 10%: placed anyway,
 * and said so. */
static void test_unbalanced_warns(void **state)
{
	struct topo *t = fattree(4, true);
	struct topo_place_opts o = { .nmachines = 3 };
	struct topo_place_stats s;
	uint32_t *m = place(t, &o, &s), i, most = 0;

	assert_false(s.balanced);
	assert_non_null(strstr(s.warning, "no placement within 10%"));
	for (i = 0; i < 3; i++)
		most = s.load[i] > most ? (uint32_t)s.load[i] : most;
	assert_int_equal(most, 16); /* two pods: the least it can be */
	assert_fattree_cut(t, m);
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
}

static void test_one_machine(void **state)
{
	struct topo *t = fattree(4, true);
	struct topo_place_opts o = { .nmachines = 1 };
	struct topo_place_stats s;
	uint32_t *m = place(t, &o, &s), i;

	for (i = 0; i < t->nnodes; i++)
		assert_int_equal(m[i], 0);
	assert_int_equal(s.cut, 0);
	assert_int_equal(s.npairs, 0);
	assert_int_equal(s.nodes[0], t->nnodes);
	assert_true(s.balanced);
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
}

/* Without groups, on a torus: within 10%, and a cut far below a random
 * placement's (3/4 of the links on 4 machines). */
static void test_torus_balance(void **state)
{
	struct topo *t = torus(20);
	struct topo_place_opts o = { .nmachines = 4 };
	struct topo_place_stats s;
	uint32_t *m = place(t, &o, &s), l, cut = 0, i, pairs = 0;

	assert_within_bounds(&s);
	for (l = 0; l < t->nlinks; l++)
		cut += m[topo_link_node(t, l, 0)] != m[topo_link_node(t, l, 1)];
	assert_int_equal(cut, s.cut);
	for (i = 0; i < s.npairs; i++) {
		assert_true(s.pairs[i].a < s.pairs[i].b);
		pairs += s.pairs[i].links;
	}
	assert_int_equal(pairs, s.cut);
	/* four quadrants of a 20 x 20 torus cut 4 x 40 links */
	if (s.cut > 200)
		fail_msg("cut %u of %u links", s.cut, t->nlinks);
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
}

/* Capacities: a machine of 3 takes three times the load of one of 1. */
static void test_capacity(void **state)
{
	struct topo *t = torus(10);
	double cap[2] = { 1, 3 };
	struct topo_place_opts o = { .nmachines = 2, .capacity = cap };
	struct topo_place_stats s;
	uint32_t *m = place(t, &o, &s);

	assert_within_bounds(&s);
	/* within bounds: the big one at most 165, so the small one at
	 * least 35 */
	assert_true(s.load[1] <= 165 && s.load[0] <= 55);
	assert_true(s.share[0] == 50 && s.share[1] == 150);
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
}

static void test_deterministic(void **state)
{
	struct topo *t = torus(16), *f = fattree(8, false);
	struct topo_place_opts o = { .nmachines = 5 };
	uint32_t *a = place(t, &o, NULL), *b = place(t, &o, NULL);
	uint32_t *c = place(f, &o, NULL), *d = place(f, &o, NULL);

	assert_memory_equal(a, b, t->nnodes * sizeof(*a));
	assert_memory_equal(c, d, f->nnodes * sizeof(*c));
	free(a);
	free(b);
	free(c);
	free(d);
	topo_free(t);
	topo_free(f);
}

/* A node placed by hand stays there, and takes its group along. */
static void test_manual(void **state)
{
	struct topo *t = fattree(4, true);
	const char *names[] = { "east", "west" };
	struct topo_place_opts o = { .nmachines = 2, .names = names };
	struct err err = { "" };
	uint32_t *m, i, c1 = topo_node_find(t, "core1");
	uint32_t h = topo_node_find(t, "h3_2_1");

	assert_int_equal(topo_node_set_machine(t, c1, "west", &err), 0);
	assert_int_equal(topo_node_set_machine(t, h, "west", &err), 0);
	m = place(t, &o, NULL);
	assert_int_equal(m[c1], 1);
	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].group && !strcmp(t->nodes[i].group, "pod3"))
			assert_int_equal(m[i], 1);
	free(m);
	topo_free(t);
}

static void expect_error(struct topo *t, const struct topo_place_opts *o,
			 const char *a, const char *b)
{
	uint32_t *m = malloc(t->nnodes * sizeof(*m));
	struct err err = { "" };

	assert_int_equal(topo_place(t, o, m, NULL, &err), -EINVAL);
	if (!strstr(err.msg, a) || (b && !strstr(err.msg, b)))
		fail_msg("'%s' does not say '%s' and '%s'", err.msg, a,
			 b ? b : "");
	free(m);
}

static void test_errors(void **state)
{
	struct topo *t = fattree(4, true);
	struct topo_place_opts o = { .nmachines = 2 };
	struct err err = { "" };
	uint32_t c1 = topo_node_find(t, "core1");

	/* a machine name that is none of them, as net:place() stores it */
	assert_int_equal(topo_node_set_machine(t, c1, "m9", &err), 0);
	expect_error(t, &o, "node core1 is placed on machine 'm9'",
		     "(m1, m2)");
	assert_int_equal(topo_node_set_machine(t, c1, NULL, &err), 0);
	/* a group on two machines */
	topo_node_set_machine(t, topo_node_find(t, "agg1_1"), "m1", &err);
	topo_node_set_machine(t, topo_node_find(t, "h1_2_2"), "m2", &err);
	expect_error(t, &o, "group pod1", "one machine");
	topo_node_set_machine(t, topo_node_find(t, "h1_2_2"), NULL, &err);
	/* pods of 8 on 8 machines of 4.5 */
	o.nmachines = 8;
	expect_error(t, &o, "group pod1 weighs 8", "--no-groups");
	o.no_groups = true;
	free(place(t, &o, NULL));
	/* options */
	o.nmachines = 0;
	expect_error(t, &o, "0 machines", NULL);
	o.nmachines = 2;
	o.names = (const char *const[]){ "a", "a" };
	expect_error(t, &o, "'a' is given twice", NULL);
	/* the setters' own checks */
	assert_int_equal(topo_node_set_group(t, c1, "no spaces", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "node core1: group 'no spaces'"));
	assert_int_equal(topo_node_set_machine(t, c1, "", &err), -EINVAL);
	topo_free(t);
}

/* Routing daemons weigh more: an FRR router is ten hosts. */
static void test_weights(void **state)
{
	struct topo *t = topo_new("w");
	struct topo_routing_opts frr = { .proto = TOPO_PROTO_BGP };
	struct topo_routing_opts bird = { .proto = TOPO_PROTO_OSPF,
					  .daemon = TOPO_DAEMON_BIRD };
	struct topo_place_opts o = { .nmachines = 2 };
	struct topo_place_stats s;
	struct err err = { "" };
	uint32_t r1 = add(t, "r1", TOPO_ROUTER, NULL), i, *m;
	uint32_t r2 = add(t, "r2", TOPO_ROUTER, NULL);
	char name[16];

	assert_int_equal(topo_routing_set(t, r1, &frr, &err), 0);
	assert_int_equal(topo_routing_set(t, r2, &bird, &err), 0);
	join(t, r1, r2);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		join(t, r2, add(t, name, TOPO_HOST, NULL));
	}
	assert_int_equal(topo_place_weight(t, r1), TOPO_PLACE_W_FRR);
	assert_int_equal(topo_place_weight(t, r2), TOPO_PLACE_W_BIRD);
	assert_int_equal(topo_place_weight(t, r2 + 1), TOPO_PLACE_W_NODE);
	m = place(t, &o, &s);
	assert_int_equal(s.total, 20);
	/* r1 alone is half of it; r2 and its hosts the other half */
	assert_int_equal(s.cut, 1);
	assert_true(s.balanced);
	assert_int_not_equal(m[r1], m[r2]);
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "test_place torus X N" or "test_place fattree K N": one timed
 * placement. */
static int time_one(int argc, char **argv)
{
	struct topo_place_opts o = { 0 };
	struct topo_place_stats s;
	struct err err = { "" };
	struct topo *t;
	uint32_t *m, i, most = 0;
	double t0, secs;

	if (argc != 4)
		return fprintf(stderr, "usage: test_place torus|fattree SIZE "
				       "MACHINES\n"), 2;
	t = !strcmp(argv[1], "torus") ? torus(atoi(argv[2])) :
					fattree(atoi(argv[2]), true);
	o.nmachines = (uint32_t)atoi(argv[3]);
	m = malloc(t->nnodes * sizeof(*m));
	t0 = now();
	if (topo_place(t, &o, m, &s, &err))
		return fprintf(stderr, "%s\n", err.msg), 1;
	secs = now() - t0;
	for (i = 0; i < s.nmachines; i++)
		most = s.load[i] > most ? (uint32_t)s.load[i] : most;
	printf("%s %s on %u machines: %u nodes, %u links, %u units: "
	       "placed in %.3f s, cut %u, heaviest %u of a share %.1f%s\n",
	       argv[1], argv[2], o.nmachines, t->nnodes, t->nlinks, s.units,
	       secs, s.cut, most, s.share[0], s.balanced ? "" : " (over)");
	free(m);
	topo_place_stats_free(&s);
	topo_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fattree_k4),
		cmocka_unit_test(test_fattree_k8),
		cmocka_unit_test(test_fattree_k16),
		cmocka_unit_test(test_unbalanced_warns),
		cmocka_unit_test(test_one_machine),
		cmocka_unit_test(test_torus_balance),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_manual),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_weights),
	};

	if (argc > 1)
		return time_one(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
