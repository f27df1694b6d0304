/*
 * place_part: the partition of placement's units over the machines (see
 * topo/place.c for the steps): a region grown per machine, then
 * Fiduccia-Mattheyses passes with a heap of moves by gain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/place_int.h"

#define PASSES_MAX 12
/* A pass stops after this many moves that found no better state: hill
 * climbing past a longer run of losses seldom pays. */
#define CLIMB_MAX 128

/* ---- The heap of moves: the greatest gain first, then the lowest unit,
 * then the lowest machine. */

static bool before(const struct move *a, const struct move *b)
{
	if (a->gain != b->gain)
		return a->gain > b->gain;
	if (a->v != b->v)
		return a->v < b->v;
	return a->to < b->to;
}

static int heap_push(struct heap *h, struct move m)
{
	size_t i, up;
	struct move *v;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;

		v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	for (i = h->n++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (!before(&m, &h->v[up]))
			break;
		h->v[i] = h->v[up];
	}
	h->v[i] = m;
	return 0;
}

static struct move heap_pop(struct heap *h)
{
	struct move top = h->v[0], last = h->v[--h->n];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

/* ---- Moves --------------------------------------------------------------- */

static double overload(const struct place *p)
{
	double over = 0;
	uint32_t m;

	for (m = 0; m < p->k; m++)
		if ((double)p->load[m] > p->bound[m])
			over += (double)p->load[m] - p->bound[m];
	return over;
}

/* How unevenly the machines are loaded, for capacity: the sum of squares
 * of their relative loads, least when all are equal.  It only breaks
 * ties between states of equal overload and cut. */
static double spread(const struct place *p)
{
	double sum = 0, r;
	uint32_t m;

	for (m = 0; m < p->k; m++) {
		r = (double)p->load[m] / p->cap[m];
		sum += r * r;
	}
	return sum;
}

bool place_over_bound(const struct place *p, uint32_t m)
{
	return (double)p->load[m] > p->bound[m];
}

/* Whether machine to may take unit u from machine from: within its bound,
 * or, with from over its bound, less loaded after than from before. */
static bool may_take(const struct place *p, uint32_t u, uint32_t from,
		     uint32_t to)
{
	if ((double)(p->load[to] + p->w[u]) <= p->bound[to])
		return true;
	return from != TOPO_NONE && place_over_bound(p, from) &&
	       (double)(p->load[to] + p->w[u]) / p->cap[to] <
		       (double)p->load[from] / p->cap[from];
}

/* Counts u's links to each machine into p->conn (reset by conn_clear). */
static void conn_count(struct place *p, uint32_t u)
{
	uint32_t j, m;

	for (j = p->adj_first[u]; j < p->adj_first[u + 1]; j++) {
		m = p->part[p->adj[j]];
		if (m != TOPO_NONE)
			p->conn[m] += p->adj_w[j];
	}
}

static void conn_clear(struct place *p, uint32_t u)
{
	uint32_t j, m;

	for (j = p->adj_first[u]; j < p->adj_first[u + 1]; j++) {
		m = p->part[p->adj[j]];
		if (m != TOPO_NONE)
			p->conn[m] = 0;
	}
}

/* Of machines a and b, the one u should rather go to, at equal gain: the
 * less loaded for its capacity, then the first. */
static bool lighter(const struct place *p, uint32_t a, uint32_t b)
{
	double la = (double)p->load[a] / p->cap[a];
	double lb = (double)p->load[b] / p->cap[b];

	return la != lb ? la < lb : a < b;
}

/* The best move of placed unit u: to the machine it has most links to
 * among those that may take it; any machine when its own is over bound.
 * Returns false when there is none. */
static bool best_move(struct place *p, uint32_t u, struct move *out)
{
	uint32_t from = p->part[u], m, best = TOPO_NONE;
	bool any = place_over_bound(p, from);
	int64_t stay;

	conn_count(p, u);
	stay = p->conn[from];
	for (m = 0; m < p->k; m++) {
		if (m == from || (!any && p->conn[m] == 0) ||
		    !may_take(p, u, from, m))
			continue;
		if (best == TOPO_NONE || p->conn[m] > p->conn[best] ||
		    (p->conn[m] == p->conn[best] && lighter(p, m, best)))
			best = m;
	}
	if (best != TOPO_NONE)
		*out = (struct move){ p->conn[best] - stay, u, best };
	conn_clear(p, u);
	p->conn[from] = 0;
	return best != TOPO_NONE;
}

static void assign(struct place *p, uint32_t u, uint32_t m)
{
	if (p->part[u] != TOPO_NONE)
		p->load[p->part[u]] -= p->w[u];
	p->part[u] = m;
	p->load[m] += p->w[u];
}

/* ---- The initial partition ---------------------------------------------- */

static bool fits(const struct place *p, uint32_t u, uint32_t m)
{
	return (double)(p->load[m] + p->w[u]) <= p->bound[m];
}

/* Queues the unplaced neighbours of u not yet seen by machine m. */
static void queue_neighbours(struct place *p, uint32_t u, uint32_t m,
			     uint32_t *queue, uint32_t *tail)
{
	uint32_t j, v;

	for (j = p->adj_first[u]; j < p->adj_first[u + 1]; j++) {
		v = p->adj[j];
		if (p->part[v] == TOPO_NONE && p->stamp[v] != m + 1) {
			p->stamp[v] = m + 1;
			queue[(*tail)++] = v;
		}
	}
}

/* Grows machine m's region breadth-first up to its share. */
static void grow(struct place *p, uint32_t m, uint32_t *queue,
		 uint32_t *cursor)
{
	uint32_t head = 0, tail = 0, u, s;

	for (u = 0; u < p->nunits; u++)
		if (p->fixed[u] == m)
			queue_neighbours(p, u, m, queue, &tail);
	while ((double)p->load[m] < p->share[m]) {
		if (head == tail) {
			/* A new seed: the first unplaced unit that fits. */
			while (*cursor < p->nunits &&
			       p->part[*cursor] != TOPO_NONE)
				(*cursor)++;
			for (s = *cursor; s < p->nunits; s++)
				if (p->part[s] == TOPO_NONE &&
				    p->stamp[s] != m + 1 && fits(p, s, m))
					break;
			if (s == p->nunits)
				return;
			p->stamp[s] = m + 1;
			queue[tail++] = s;
		}
		u = queue[head++];
		if (p->part[u] != TOPO_NONE || !fits(p, u, m))
			continue;
		assign(p, u, m);
		queue_neighbours(p, u, m, queue, &tail);
	}
}

static int cmp_heavier(const void *a, const void *b, void *arg)
{
	const uint64_t *w = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (w[x] != w[y])
		return w[x] > w[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* What no region took, heaviest first: where it fits, next to most of its
 * neighbours; else on the machine it overloads least. */
static void leftovers_place(struct place *p, uint32_t *list)
{
	uint32_t n = 0, i, u, m, best;

	for (u = 0; u < p->nunits; u++)
		if (p->part[u] == TOPO_NONE)
			list[n++] = u;
	qsort_r(list, n, sizeof(*list), cmp_heavier, p->w);
	for (i = 0; i < n; i++) {
		u = list[i];
		best = TOPO_NONE;
		conn_count(p, u);
		for (m = 0; m < p->k; m++) {
			if (!fits(p, u, m))
				continue;
			if (best == TOPO_NONE || p->conn[m] > p->conn[best] ||
			    (p->conn[m] == p->conn[best] && lighter(p, m, best)))
				best = m;
		}
		conn_clear(p, u);
		if (best == TOPO_NONE) {
			best = 0;
			for (m = 1; m < p->k; m++)
				if ((double)(p->load[m] + p->w[u]) / p->cap[m] <
				    (double)(p->load[best] + p->w[u]) /
					    p->cap[best])
					best = m;
		}
		assign(p, u, best);
	}
}

void place_initial(struct place *p, uint32_t *scratch)
{
	uint32_t u, m, cursor = 0;

	for (u = 0; u < p->nunits; u++)
		if (p->fixed[u] != TOPO_NONE)
			assign(p, u, p->fixed[u]);
	for (m = 0; m < p->k; m++)
		grow(p, m, scratch, &cursor);
	leftovers_place(p, scratch);
}

/* ---- Refinement ---------------------------------------------------------- */

static int64_t cut_count(const struct place *p)
{
	int64_t cut = 0;
	uint32_t u, j;

	for (u = 0; u < p->nunits; u++)
		for (j = p->adj_first[u]; j < p->adj_first[u + 1]; j++)
			if (p->adj[j] > u && p->part[p->adj[j]] != p->part[u])
				cut += p->adj_w[j];
	return cut;
}

static bool boundary(const struct place *p, uint32_t u)
{
	uint32_t j;

	for (j = p->adj_first[u]; j < p->adj_first[u + 1]; j++)
		if (p->part[p->adj[j]] != p->part[u])
			return true;
	return false;
}

static int push_best(struct place *p, uint32_t u)
{
	struct move mv;

	if (p->fixed[u] != TOPO_NONE || !best_move(p, u, &mv))
		return 0;
	return heap_push(&p->heap, mv);
}

/* One FM pass (pass counts from 1; the unit stamps say who moved in it).
 * moves holds the moves made, rolled back past the best state.  Sets
 * *better when the pass ended in a better state than it began. */
static int fm_pass(struct place *p, uint32_t pass, struct move *moves,
		   bool *better)
{
	double over = overload(p), best_over = over;
	double sp = spread(p), best_sp = sp;
	int64_t best_cut = p->cut;
	uint32_t nmoves = 0, best_len = 0, climb = 0, u, j;
	struct move mv, now;
	int ret;

	p->heap.n = 0;
	for (u = 0; u < p->nunits; u++) {
		if (boundary(p, u) || place_over_bound(p, p->part[u])) {
			ret = push_best(p, u);
			if (ret < 0)
				return ret;
		}
	}
	while (p->heap.n && climb < CLIMB_MAX) {
		mv = heap_pop(&p->heap);
		u = mv.v;
		if (p->stamp[u] == pass || !best_move(p, u, &now))
			continue;
		if (now.gain != mv.gain || now.to != mv.to) {
			/* stale: a neighbour moved since it was queued */
			ret = heap_push(&p->heap, now);
			if (ret < 0)
				return ret;
			continue;
		}
		moves[nmoves++] = (struct move){ mv.gain, u, p->part[u] };
		assign(p, u, mv.to);
		p->stamp[u] = pass;
		p->cut -= mv.gain;
		over = overload(p);
		sp = spread(p);
		if (over < best_over - 1e-9 ||
		    (over <= best_over + 1e-9 &&
		     (p->cut < best_cut ||
		      (p->cut == best_cut && sp < best_sp * (1 - 1e-12))))) {
			best_over = over;
			best_cut = p->cut;
			best_sp = sp;
			best_len = nmoves;
			climb = 0;
		} else {
			climb++;
		}
		for (j = p->adj_first[u]; j < p->adj_first[u + 1]; j++) {
			if (p->stamp[p->adj[j]] == pass)
				continue;
			ret = push_best(p, p->adj[j]);
			if (ret < 0)
				return ret;
		}
	}
	while (nmoves > best_len) {
		nmoves--;
		assign(p, moves[nmoves].v, moves[nmoves].to);
	}
	p->cut = best_cut;
	*better = best_len > 0;
	return 0;
}

int place_refine(struct place *p, struct move *moves)
{
	uint32_t pass, u;
	bool better = true;
	int ret;

	for (u = 0; u < p->nunits; u++)
		p->stamp[u] = 0;
	p->cut = cut_count(p);
	for (pass = 1; better && pass <= PASSES_MAX; pass++) {
		ret = fm_pass(p, pass, moves, &better);
		if (ret < 0)
			return ret;
	}
	return 0;
}
