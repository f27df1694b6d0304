/*
 * What the files of placement share (topo/place.c: coarsening, checks,
 * results; topo/place_part.c: the partition itself); private.
 */
#ifndef LUNET_TOPO_PLACE_INT_H
#define LUNET_TOPO_PLACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"

/* A move of unit v to machine to (or, in a pass's record, from it). */
struct move {
	int64_t gain;
	uint32_t v, to;
};

struct heap {
	struct move *v;
	size_t n, cap;
};

struct place {
	const struct topo *t;
	uint32_t k;          /* machines */
	const char *const *names;
	bool no_groups;
	uint32_t nunits;
	uint32_t *unit_of;   /* per node */
	uint32_t *first;     /* per unit: its first node, for messages */
	uint64_t *w;         /* per unit */
	uint32_t *fixed;     /* per unit: its machine, or TOPO_NONE */
	uint32_t *adj_first; /* per unit: [adj_first[u], adj_first[u + 1]) */
	uint32_t *adj;       /* neighbour units ... */
	uint32_t *adj_w;     /* ... and the links to each */
	uint32_t *part;      /* per unit: its machine, TOPO_NONE unplaced */
	uint64_t *load;      /* per machine */
	double *share, *bound, *cap;
	int64_t *conn;       /* per machine, scratch: links to it */
	uint32_t *stamp;     /* per unit, scratch */
	uint64_t total;
	int64_t cut;
	struct heap heap;
};

/* The initial partition: fixed units on their machines, a region grown
 * per machine, the leftovers where they fit (scratch: nunits + 1). */
void place_initial(struct place *p, uint32_t *scratch);

/* Fiduccia-Mattheyses passes over a complete partition (moves: nunits +
 * 1).  Returns 0 or -ENOMEM. */
int place_refine(struct place *p, struct move *moves);

/* Whether machine m carries more than its bound. */
bool place_over_bound(const struct place *p, uint32_t m);

#endif
