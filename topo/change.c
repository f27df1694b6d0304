/*
 * change: what a change to a running network needs of the model besides
 * the graph edits of topo.c: its plan kept, so that planning the changed
 * graph again renumbers nothing, and its routes kept aside, so that only
 * the nodes whose routes differ afterwards are touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/change.h"

void topo_keep_plan(struct topo *t)
{
	uint32_t i;

	for (i = 0; i < t->nports; i++)
		if (t->ports[i].addr.plen && !t->ports[i].addr_set)
			t->ports[i].addr_kept = true;
	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].kind == TOPO_ROUTER && t->nodes[i].lo.ip &&
		    !t->nodes[i].lo_set)
			t->nodes[i].lo_kept = true;
}

static int route_cmp(const void *a, const void *b)
{
	const struct topo_snap_route *x = a, *y = b;

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return (x->plen > y->plen) - (x->plen < y->plen);
}

static int nh_cmp(const void *a, const void *b)
{
	const struct topo_snap_nh *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return (x->gw > y->gw) - (x->gw < y->gw);
}

/* Node n's routes into s->r[at..], their next hops into s->nh[*nh..],
 * each route's next hops and the node's routes sorted. */
static void snap_node(const struct topo *t, uint32_t n,
		      struct topo_route_snap *s, uint32_t at, uint32_t *nh)
{
	const struct topo_node *node = &t->nodes[n];
	uint32_t r, h;

	for (r = 0; r < node->route_count; r++) {
		const struct topo_route *rt = &t->routes[node->route_first + r];
		struct topo_snap_route *x = &s->r[at + r];

		x->dst = rt->dst.ip;
		x->plen = rt->dst.plen;
		x->nh_first = *nh;
		x->nh_count = rt->nh_count;
		for (h = 0; h < rt->nh_count; h++) {
			const struct topo_nexthop *y =
				&t->nexthops[rt->nh_first + h];

			s->nh[*nh + h] = (struct topo_snap_nh){
				.gw = y->gw,
				.ifindex = topo_port_ifindex(t, y->port),
			};
		}
		qsort(&s->nh[*nh], rt->nh_count, sizeof(*s->nh), nh_cmp);
		*nh += rt->nh_count;
	}
	qsort(&s->r[at], node->route_count, sizeof(*s->r), route_cmp);
}

int topo_snap_take(const struct topo *t, struct topo_route_snap *s)
{
	uint64_t nnh = 0;
	uint32_t i, at = 0, nh = 0;

	/* Routes may share their next hops: each gets its own copy. */
	for (i = 0; i < t->nroutes; i++)
		nnh += t->routes[i].nh_count;
	*s = (struct topo_route_snap){ .nnodes = t->nnodes };
	s->first = malloc((t->nnodes + 1) * sizeof(*s->first));
	s->count = malloc((t->nnodes + 1) * sizeof(*s->count));
	s->r = malloc((t->nroutes + 1) * sizeof(*s->r));
	s->nh = malloc((nnh + 1) * sizeof(*s->nh));
	if (!s->first || !s->count || !s->r || !s->nh) {
		topo_snap_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < t->nnodes; i++) {
		s->first[i] = at;
		s->count[i] = t->nodes[i].route_count;
		snap_node(t, i, s, at, &nh);
		at += s->count[i];
	}
	return 0;
}

void topo_snap_free(struct topo_route_snap *s)
{
	free(s->first);
	free(s->count);
	free(s->r);
	free(s->nh);
	*s = (struct topo_route_snap){ 0 };
}

bool topo_snap_changed(const struct topo_route_snap *old, uint32_t o,
		       const struct topo_route_snap *now, uint32_t n)
{
	const struct topo_snap_route *a, *b;
	uint32_t i;

	if (old->count[o] != now->count[n])
		return true;
	for (i = 0; i < old->count[o]; i++) {
		a = &old->r[old->first[o] + i];
		b = &now->r[now->first[n] + i];
		if (route_cmp(a, b) || a->nh_count != b->nh_count ||
		    memcmp(&old->nh[a->nh_first], &now->nh[b->nh_first],
			   a->nh_count * sizeof(*old->nh)))
			return true;
	}
	return false;
}

bool topo_snap_has(const struct topo_route_snap *s, uint32_t n,
		   uint32_t dst, uint8_t plen)
{
	struct topo_snap_route key = { .dst = dst, .plen = plen };

	return bsearch(&key, s->r + s->first[n], s->count[n], sizeof(key),
		       route_cmp) != NULL;
}
