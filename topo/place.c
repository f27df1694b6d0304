/*
 * place: a balanced partition of the topology graph over machines, with
 * few links cut.
 *
 * Three steps, after the weights (topo/place.h):
 *  1. Coarsening: every group becomes one unit (a super-node) with the sum
 *     of its nodes' weights, every node outside a group a unit of its own,
 *     and parallel links between two units one edge weighing as many
 *     links.  A unit is never split, so a group stays on one machine.
 *     Units holding a node the user placed are fixed to its machine.
 *  2. An initial partition by graph growing: each machine in turn grows a
 *     region breadth-first from its fixed units (or from the first unit
 *     left) until it holds its share; a unit too heavy for the room left
 *     is skipped for a later machine, and what no region took goes where
 *     it fits, next to most of its neighbours.
 *  3. Refinement by Fiduccia-Mattheyses passes, k-way: the free units on
 *     the boundary sit in a heap by the gain of their best move (links no
 *     longer cut minus links newly cut), moves go best first, each unit
 *     once a pass, even at a loss to climb out of a local minimum, and
 *     the pass is rolled back to the best state it went through.  A move
 *     must keep its destination within bound, or relieve a machine over
 *     its bound; the best state is the least overload, then the smallest
 *     cut, then the most even loads.
 *
 * Steps 2 and 3 are topo/place_part.c's.  Every choice breaks ties by
 * index, so the same topology always gives the same placement.  The cost
 * is O((V + E) log V) per pass, a few passes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/place.h"
#include "topo/place_int.h"

uint32_t topo_place_weight(const struct topo *t, uint32_t n)
{
	const struct topo_routing *r = t->nodes[n].routing;

	if (!r || r->proto == TOPO_PROTO_STATIC)
		return TOPO_PLACE_W_NODE;
	return r->daemon == TOPO_DAEMON_BIRD ? TOPO_PLACE_W_BIRD :
					       TOPO_PLACE_W_FRR;
}

/* ---- Coarsening ---------------------------------------------------------- */

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

/* Numbers the units in node order of their first node: each group (the
 * group of node i is found through a hash of group names to the unit of
 * its first node) and each node outside one. */
static int units_build(struct place *p, bool no_groups)
{
	const struct topo *t = p->t;
	uint32_t size = 16, *hash, i, h = 0, u;
	const char *g;

	while (size < 2 * (uint64_t)t->nnodes)
		size *= 2;
	hash = malloc(size * sizeof(*hash));
	if (!hash)
		return -ENOMEM;
	memset(hash, 0xff, size * sizeof(*hash));
	for (i = 0; i < t->nnodes; i++) {
		g = no_groups ? NULL : t->nodes[i].group;
		u = TOPO_NONE;
		if (g) {
			for (h = str_hash(g) & (size - 1); hash[h] != TOPO_NONE;
			     h = (h + 1) & (size - 1)) {
				if (!strcmp(t->nodes[p->first[hash[h]]].group,
					    g)) {
					u = hash[h];
					break;
				}
			}
		}
		if (u == TOPO_NONE) {
			u = p->nunits++;
			p->first[u] = i;
			p->w[u] = 0;
			p->fixed[u] = TOPO_NONE;
			if (g)
				hash[h] = u;
		}
		p->unit_of[i] = u;
		p->w[u] += topo_place_weight(t, i);
	}
	free(hash);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The edges between units, as sorted adjacency lists with the links
 * between two units counted into one edge.  Links inside a unit are never
 * cut, so they are left out. */
static int edges_build(struct place *p)
{
	const struct topo *t = p->t;
	uint32_t *deg, i, u, a, b, j, n, out;

	deg = calloc(p->nunits + 1, sizeof(*deg));
	p->adj_first = calloc(p->nunits + 1, sizeof(*p->adj_first));
	if (!deg || !p->adj_first)
		goto err_nomem;
	for (i = 0; i < t->nlinks; i++) {
		a = p->unit_of[topo_link_node(t, i, 0)];
		b = p->unit_of[topo_link_node(t, i, 1)];
		if (a != b) {
			deg[a]++;
			deg[b]++;
		}
	}
	for (u = 0; u < p->nunits; u++)
		p->adj_first[u + 1] = p->adj_first[u] + deg[u];
	n = p->adj_first[p->nunits];
	p->adj = malloc((n + 1) * sizeof(*p->adj));
	p->adj_w = malloc((n + 1) * sizeof(*p->adj_w));
	if (!p->adj || !p->adj_w)
		goto err_nomem;
	memcpy(deg, p->adj_first, p->nunits * sizeof(*deg)); /* cursors */
	for (i = 0; i < t->nlinks; i++) {
		a = p->unit_of[topo_link_node(t, i, 0)];
		b = p->unit_of[topo_link_node(t, i, 1)];
		if (a != b) {
			p->adj[deg[a]++] = b;
			p->adj[deg[b]++] = a;
		}
	}
	/* Sort each list and merge repeats, compacting in place. */
	out = 0;
	for (u = 0; u < p->nunits; u++) {
		uint32_t lo = p->adj_first[u], hi = p->adj_first[u + 1];

		qsort(p->adj + lo, hi - lo, sizeof(*p->adj), cmp_u32);
		p->adj_first[u] = out;
		for (j = lo; j < hi; j++) {
			if (out > p->adj_first[u] && p->adj[out - 1] == p->adj[j]) {
				p->adj_w[out - 1]++;
				continue;
			}
			p->adj[out] = p->adj[j];
			p->adj_w[out++] = 1;
		}
	}
	p->adj_first[p->nunits] = out;
	free(deg);
	return 0;

err_nomem:
	free(deg);
	return -ENOMEM;
}

/* ---- Machines, fixed units, and the checks ------------------------------ */

static uint32_t machine_find(const struct place *p, const char *name)
{
	uint32_t m;

	for (m = 0; m < p->k; m++)
		if (!strcmp(p->names[m], name))
			return m;
	return TOPO_NONE;
}

/* "m1, m2, m3" (the first few), for messages. */
static const char *machine_list(const struct place *p, char *buf,
				size_t size)
{
	size_t len = 0;
	uint32_t m;

	buf[0] = '\0';
	for (m = 0; m < p->k && len + 1 < size; m++) {
		if (m == 8) {
			snprintf(buf + len, size - len, ", ...");
			break;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					m ? ", " : "", p->names[m]);
	}
	return buf;
}

static int fixed_build(struct place *p, struct err *err)
{
	const struct topo *t = p->t;
	char w[TOPO_DESCSIZ], list[160];
	uint32_t i, m, u;

	for (i = 0; i < t->nnodes; i++) {
		if (!t->nodes[i].machine)
			continue;
		m = machine_find(p, t->nodes[i].machine);
		if (m == TOPO_NONE)
			return err_set(err, -EINVAL,
				       "node %s%s is placed on machine '%s', "
				       "which is not one of the %u machines "
				       "(%s)",
				       t->nodes[i].name,
				       topo_where(&t->nodes[i].where, w,
						  sizeof(w)),
				       t->nodes[i].machine, p->k,
				       machine_list(p, list, sizeof(list)));
		u = p->unit_of[i];
		if (p->fixed[u] != TOPO_NONE && p->fixed[u] != m)
			return err_set(err, -EINVAL,
				       "group %s: node %s is placed on %s and "
				       "node %s on %s, but a group stays on "
				       "one machine",
				       t->nodes[i].group, t->nodes[i].name,
				       t->nodes[i].machine,
				       t->nodes[p->first[u]].name,
				       p->names[p->fixed[u]]);
		/* The first placed node of the group is the one named above
		 * if another disagrees. */
		if (p->fixed[u] == TOPO_NONE)
			p->first[u] = i;
		p->fixed[u] = m;
	}
	return 0;
}

static void bounds_build(struct place *p, double tol)
{
	double sum = 0;
	uint32_t m, u;

	p->total = 0;
	for (u = 0; u < p->nunits; u++)
		p->total += p->w[u];
	for (m = 0; m < p->k; m++)
		sum += p->cap[m];
	for (m = 0; m < p->k; m++) {
		p->share[m] = (double)p->total * p->cap[m] / sum;
		/* No machine is asked to carry less than its share rounded
		 * up: weights are whole. */
		p->bound[m] = fmax(p->share[m] * (1 + tol), ceil(p->share[m]));
	}
}

/* A group heavier than the most any machine may carry would overload a
 * machine by itself: refused, rather than split against the generator's
 * word that its nodes belong together. */
static int groups_check(const struct place *p, double tol, struct err *err)
{
	const struct topo *t = p->t;
	double most = 0;
	uint32_t m, u, big = TOPO_NONE;

	for (m = 0; m < p->k; m++)
		most = fmax(most, p->bound[m]);
	for (u = 0; u < p->nunits; u++) {
		if (!t->nodes[p->first[u]].group || p->w[u] <= most)
			continue;
		if (big == TOPO_NONE || p->w[u] > p->w[big])
			big = u;
	}
	if (big == TOPO_NONE)
		return 0;
	return err_set(err, -EINVAL,
		       "group %s weighs %llu, more than a machine may carry "
		       "(%.1f: its share of %llu over %u machines, and "
		       "%.0f%%); use fewer machines, or place node by node "
		       "(--no-groups)",
		       t->nodes[p->first[big]].group,
		       (unsigned long long)p->w[big], most,
		       (unsigned long long)p->total, p->k, tol * 100);
}

/* ---- Results ------------------------------------------------------------- */

static void warn_unbalanced(const struct place *p, double tol,
			    struct topo_place_stats *s)
{
	uint32_t m, worst = TOPO_NONE, u, heavy = 0;
	const struct topo_node *n;

	for (m = 0; m < p->k; m++)
		if (place_over_bound(p, m) &&
		    (worst == TOPO_NONE ||
		     (double)p->load[m] - p->bound[m] >
			     (double)p->load[worst] - p->bound[worst]))
			worst = m;
	s->balanced = worst == TOPO_NONE;
	if (s->balanced)
		return;
	for (u = 1; u < p->nunits; u++)
		if (p->w[u] > p->w[heavy])
			heavy = u;
	for (u = 0; u < p->nunits && p->fixed[u] == TOPO_NONE; u++)
		;
	n = &p->t->nodes[p->first[heavy]];
	snprintf(s->warning, sizeof(s->warning),
		 "no placement within %.0f%% found: %s carries %llu, over its "
		 "bound of %.1f (a share of %.1f); %s are not split (the "
		 "heaviest, %s %s, weighs %llu)%s",
		 tol * 100, p->names[worst],
		 (unsigned long long)p->load[worst], p->bound[worst],
		 p->share[worst], p->no_groups ? "nodes" : "groups and nodes",
		 n->group && !p->no_groups ? "group" : "node",
		 n->group && !p->no_groups ? n->group : n->name,
		 (unsigned long long)p->w[heavy],
		 u < p->nunits ? " and nodes placed by hand stay" : "");
}

static int stats_fill(const struct place *p, const uint32_t *machine_of,
		      double tol, struct topo_place_stats *s)
{
	const struct topo *t = p->t;
	uint32_t *pair = NULL, i, a, b, n = 0;
	uint64_t cells = (uint64_t)p->k * p->k;

	memset(s, 0, sizeof(*s));
	s->nmachines = p->k;
	s->load = calloc(p->k, sizeof(*s->load));
	s->nodes = calloc(p->k, sizeof(*s->nodes));
	s->share = calloc(p->k, sizeof(*s->share));
	s->bound = calloc(p->k, sizeof(*s->bound));
	pair = calloc(cells, sizeof(*pair));
	if (!s->load || !s->nodes || !s->share || !s->bound || !pair)
		goto err_nomem;
	memcpy(s->load, p->load, p->k * sizeof(*s->load));
	memcpy(s->share, p->share, p->k * sizeof(*s->share));
	memcpy(s->bound, p->bound, p->k * sizeof(*s->bound));
	s->total = p->total;
	s->units = p->nunits;
	for (i = 0; i < t->nnodes; i++)
		s->nodes[machine_of[i]]++;
	for (i = 0; i < t->nlinks; i++) {
		a = machine_of[topo_link_node(t, i, 0)];
		b = machine_of[topo_link_node(t, i, 1)];
		if (a == b)
			continue;
		s->cut++;
		if (a > b) {
			uint32_t x = a;

			a = b;
			b = x;
		}
		n += pair[(uint64_t)a * p->k + b]++ == 0;
	}
	s->pairs = calloc(n + 1, sizeof(*s->pairs));
	if (!s->pairs)
		goto err_nomem;
	for (a = 0; a < p->k; a++)
		for (b = a + 1; b < p->k; b++)
			if (pair[(uint64_t)a * p->k + b])
				s->pairs[s->npairs++] = (struct topo_place_pair){
					a, b, pair[(uint64_t)a * p->k + b]
				};
	free(pair);
	warn_unbalanced(p, tol, s);
	return 0;

err_nomem:
	free(pair);
	topo_place_stats_free(s);
	return -ENOMEM;
}

void topo_place_stats_free(struct topo_place_stats *s)
{
	if (!s)
		return;
	free(s->load);
	free(s->nodes);
	free(s->share);
	free(s->bound);
	free(s->pairs);
	memset(s, 0, sizeof(*s));
}

/* ---- topo_place ---------------------------------------------------------- */

static int opts_check(const struct topo_place_opts *o, double *tol,
		      struct err *err)
{
	uint32_t m, j;

	if (!o || o->nmachines < 1 || o->nmachines > TOPO_PLACE_MACHINES_MAX)
		return err_set(err, -EINVAL,
			       "placement: %u machines; there must be 1 to %d",
			       o ? o->nmachines : 0, TOPO_PLACE_MACHINES_MAX);
	*tol = o->tolerance ? o->tolerance : TOPO_PLACE_TOLERANCE;
	if (!(*tol > 0) || *tol > 100)
		return err_set(err, -EINVAL,
			       "placement: a tolerance of %g is not between 0 "
			       "and 100 (10 times the share)", *tol);
	for (m = 0; o->capacity && m < o->nmachines; m++)
		if (!(o->capacity[m] > 0) || !isfinite(o->capacity[m]))
			return err_set(err, -EINVAL,
				       "placement: machine %u has a capacity of "
				       "%g; capacities are above 0", m + 1,
				       o->capacity[m]);
	for (m = 0; o->names && m < o->nmachines; m++)
		for (j = 0; j < m; j++)
			if (!strcmp(o->names[m], o->names[j]))
				return err_set(err, -EINVAL,
					       "placement: machine name '%s' is "
					       "given twice", o->names[m]);
	return 0;
}

/* The names "m1".."mN", when opts give none: one buffer, pointers in. */
static char **default_names(uint32_t k)
{
	char **v = malloc(k * (sizeof(char *) + 12));
	char *buf = (char *)(v + k);
	uint32_t m;

	if (!v)
		return NULL;
	for (m = 0; m < k; m++) {
		v[m] = buf + 12 * m;
		snprintf(v[m], 12, "m%u", m + 1);
	}
	return v;
}

static void place_free(struct place *p)
{
	free(p->unit_of);
	free(p->first);
	free(p->w);
	free(p->fixed);
	free(p->adj_first);
	free(p->adj);
	free(p->adj_w);
	free(p->part);
	free(p->load);
	free(p->share);
	free(p->bound);
	free(p->cap);
	free(p->conn);
	free(p->stamp);
	free(p->heap.v);
}

static int place_alloc(struct place *p, const struct topo_place_opts *o)
{
	size_t n = p->t->nnodes + 1, k = o->nmachines;
	uint32_t m;

	p->unit_of = malloc(n * sizeof(*p->unit_of));
	p->first = malloc(n * sizeof(*p->first));
	p->w = malloc(n * sizeof(*p->w));
	p->fixed = malloc(n * sizeof(*p->fixed));
	p->part = malloc(n * sizeof(*p->part));
	p->stamp = calloc(n, sizeof(*p->stamp));
	p->load = calloc(k, sizeof(*p->load));
	p->share = calloc(k, sizeof(*p->share));
	p->bound = calloc(k, sizeof(*p->bound));
	p->cap = calloc(k, sizeof(*p->cap));
	p->conn = calloc(k, sizeof(*p->conn));
	if (!p->unit_of || !p->first || !p->w || !p->fixed || !p->part ||
	    !p->stamp || !p->load || !p->share || !p->bound || !p->cap ||
	    !p->conn)
		return -ENOMEM;
	for (m = 0; m < k; m++)
		p->cap[m] = o->capacity ? o->capacity[m] : 1;
	return 0;
}

int topo_place(const struct topo *t, const struct topo_place_opts *opts,
	       uint32_t *machine_of, struct topo_place_stats *stats,
	       struct err *err)
{
	struct place p = { .t = t };
	struct move *moves = NULL;
	char **names = NULL;
	uint32_t *scratch = NULL, i, u;
	double tol = 0;
	int ret;

	ret = opts_check(opts, &tol, err);
	if (ret < 0)
		return ret;
	p.k = opts->nmachines;
	p.no_groups = opts->no_groups;
	if (!opts->names) {
		names = default_names(p.k);
		if (!names)
			return err_set(err, -ENOMEM, "placement: out of memory");
	}
	p.names = opts->names ? opts->names : (const char *const *)names;
	ret = -ENOMEM;
	if (place_alloc(&p, opts) < 0 || units_build(&p, opts->no_groups) < 0)
		goto err_nomem;
	ret = fixed_build(&p, err);
	if (ret < 0)
		goto out;
	bounds_build(&p, tol);
	ret = groups_check(&p, tol, err);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	scratch = malloc((p.nunits + 1) * sizeof(*scratch));
	moves = malloc((p.nunits + 1) * sizeof(*moves));
	if (!scratch || !moves || edges_build(&p) < 0)
		goto err_nomem;
	for (u = 0; u < p.nunits; u++)
		p.part[u] = TOPO_NONE;
	place_initial(&p, scratch);
	if (p.k > 1 && place_refine(&p, moves) < 0)
		goto err_nomem;
	for (i = 0; i < t->nnodes; i++)
		machine_of[i] = p.part[p.unit_of[i]];
	ret = 0;
	if (stats && stats_fill(&p, machine_of, tol, stats) < 0)
		goto err_nomem;
	goto out;

err_nomem:
	ret = err_set(err, -ENOMEM, "placing %s: out of memory", t->name);
out:
	free(scratch);
	free(moves);
	free(names);
	place_free(&p);
	return ret;
}
