/*
 * route: every node's routes, from the planned segments and addresses.
 *
 * Hosts get one default route through a router on their segment.  Routers
 * get a route to every subnet and loopback they are not attached to, with
 * every equal-cost next hop: for each destination a breadth-first search
 * over routers (hosts never forward) gives each router its distance, and a
 * router's next hops are the neighbours one hop closer.  The search walks
 * routers and segments, touching each port once, so a destination costs
 * O(routers + ports) and the whole plan O(destinations x that).
 *
 * Routes are collected destination by destination, then regrouped by node
 * with a stable counting sort, which keeps each node's routes sorted by
 * destination without sorting them again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

#define INF UINT32_MAX

struct dest {
	struct ip_prefix dst;
	uint32_t seg;  /* the segment, or TOPO_NONE for a loopback */
	uint32_t node; /* the loopback's router */
};

struct route_ctx {
	struct topo *t;
	uint32_t *dist;     /* per node: hops from the destination */
	uint32_t *queue;    /* BFS queue of routers */
	uint32_t *seen;     /* per segment: destination that visited it */
	uint32_t *gw_seen;  /* per segment: destination gw_* was built for */
	uint32_t *gw_first; /* per segment: its gateways in gw_ports */
	uint32_t *gw_count;
	uint32_t *gw_dist;  /* per segment: the gateways' distance */
	uint32_t *gw_ports; /* router ports closest to the destination */
	uint32_t ngw_ports;
	struct topo_route *routes; /* in destination order, see route_node */
	uint32_t *route_node;
	uint32_t nroutes, cap_routes, cap_route_node;
	struct topo_nexthop *nhs;
	uint32_t nnhs, cap_nhs;
};

static bool is_router(const struct topo *t, uint32_t n)
{
	return t->nodes[n].kind == TOPO_ROUTER;
}

static int grow(void **arr, uint32_t *cap, uint32_t len, size_t sz)
{
	uint32_t ncap = *cap ? *cap * 2 : 64;
	void *p;

	if (len < *cap)
		return 0;
	if (ncap <= *cap)
		return -ENOMEM;
	p = realloc(*arr, (size_t)ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int nexthop_add(struct route_ctx *c, uint32_t gw, uint32_t port)
{
	if (grow((void **)&c->nhs, &c->cap_nhs, c->nnhs, sizeof(*c->nhs)) < 0)
		return -ENOMEM;
	c->nhs[c->nnhs++] = (struct topo_nexthop){ gw, port };
	return 0;
}

/* Ends the route of node n whose next hops start at nh_first. */
static int route_add(struct route_ctx *c, uint32_t n,
		     const struct ip_prefix *dst, uint32_t nh_first)
{
	if (grow((void **)&c->routes, &c->cap_routes, c->nroutes,
		 sizeof(*c->routes)) < 0 ||
	    grow((void **)&c->route_node, &c->cap_route_node, c->nroutes,
		 sizeof(*c->route_node)) < 0)
		return -ENOMEM;
	c->route_node[c->nroutes] = n;
	c->routes[c->nroutes++] = (struct topo_route){
		.dst = *dst,
		.nh_first = nh_first,
		.nh_count = c->nnhs - nh_first,
	};
	return 0;
}

/* A host's default route goes to the first router found on its segments,
 * taking its ports in order and each segment's ports in order. */
static int host_route(struct route_ctx *c, uint32_t h)
{
	static const struct ip_prefix any = { 0, 0 };
	const struct topo *t = c->t;
	const struct topo_node *n = &t->nodes[h];
	const struct topo_segment *seg;
	uint32_t i, j, p, q;

	for (i = 0; i < n->nports; i++) {
		p = n->ports[i];
		seg = &t->segments[t->ports[p].segment];
		for (j = 0; j < seg->nports; j++) {
			q = seg->ports[j];
			if (!is_router(t, t->ports[q].node))
				continue;
			if (nexthop_add(c, t->ports[q].addr.ip, p) < 0)
				return -ENOMEM;
			return route_add(c, h, &any, c->nnhs - 1);
		}
	}
	return 0;
}

static void bfs_push(struct route_ctx *c, uint32_t *tail, uint32_t r,
		     uint32_t d)
{
	if (c->dist[r] != INF)
		return;
	c->dist[r] = d;
	c->queue[(*tail)++] = r;
}

/* Gives every router its distance in hops from destination k. */
static void bfs(struct route_ctx *c, const struct dest *dst, uint32_t k)
{
	const struct topo *t = c->t;
	const struct topo_segment *seg;
	uint32_t head = 0, tail = 0, r, i, j, s, q;

	for (i = 0; i < t->nnodes; i++)
		c->dist[i] = INF;
	if (dst->seg == TOPO_NONE) {
		bfs_push(c, &tail, dst->node, 0);
	} else {
		seg = &t->segments[dst->seg];
		c->seen[dst->seg] = k;
		for (j = 0; j < seg->nports; j++) {
			q = t->ports[seg->ports[j]].node;
			if (is_router(t, q))
				bfs_push(c, &tail, q, 0);
		}
	}
	while (head < tail) {
		r = c->queue[head++];
		for (i = 0; i < t->nodes[r].nports; i++) {
			s = t->ports[t->nodes[r].ports[i]].segment;
			if (c->seen[s] == k)
				continue;
			c->seen[s] = k;
			seg = &t->segments[s];
			for (j = 0; j < seg->nports; j++) {
				q = t->ports[seg->ports[j]].node;
				if (is_router(t, q))
					bfs_push(c, &tail, q, c->dist[r] + 1);
			}
		}
	}
}

/* The router ports of segment s closest to destination k, built once per
 * destination so that a segment full of routers costs its ports, not
 * their square. */
static void gateways_build(struct route_ctx *c, uint32_t s, uint32_t k)
{
	const struct topo *t = c->t;
	const struct topo_segment *seg = &t->segments[s];
	uint32_t j, q, min = INF;

	c->gw_seen[s] = k;
	for (j = 0; j < seg->nports; j++) {
		q = t->ports[seg->ports[j]].node;
		if (is_router(t, q) && c->dist[q] < min)
			min = c->dist[q];
	}
	c->gw_dist[s] = min;
	c->gw_first[s] = c->ngw_ports;
	for (j = 0; j < seg->nports; j++) {
		q = t->ports[seg->ports[j]].node;
		if (is_router(t, q) && c->dist[q] == min && min != INF)
			c->gw_ports[c->ngw_ports++] = seg->ports[j];
	}
	c->gw_count[s] = c->ngw_ports - c->gw_first[s];
}

static int nexthop_cmp(const void *a, const void *b)
{
	const struct topo_nexthop *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->gw < y->gw ? -1 : x->gw > y->gw;
}

/* Sorts the next hops from first on by port, then gateway, and drops
 * repeats. */
static void nexthops_tidy(struct route_ctx *c, uint32_t first)
{
	uint32_t i, n = first;

	qsort(c->nhs + first, c->nnhs - first, sizeof(*c->nhs), nexthop_cmp);
	for (i = first; i < c->nnhs; i++)
		if (i == first || nexthop_cmp(&c->nhs[i], &c->nhs[n - 1]))
			c->nhs[n++] = c->nhs[i];
	c->nnhs = n;
}

/* The route of router r to destination k: every neighbour one hop closer,
 * through each of r's ports that shares a segment with it. */
static int router_route(struct route_ctx *c, uint32_t r,
			const struct dest *dst, uint32_t k)
{
	const struct topo *t = c->t;
	const struct topo_node *n = &t->nodes[r];
	uint32_t i, j, p, s, first = c->nnhs, d = c->dist[r];

	for (i = 0; i < n->nports; i++) {
		p = n->ports[i];
		s = t->ports[p].segment;
		if (c->gw_seen[s] != k)
			gateways_build(c, s, k);
		if (c->gw_dist[s] != d - 1)
			continue;
		for (j = 0; j < c->gw_count[s]; j++) {
			uint32_t q = c->gw_ports[c->gw_first[s] + j];

			if (nexthop_add(c, t->ports[q].addr.ip, p) < 0)
				return -ENOMEM;
		}
	}
	nexthops_tidy(c, first);
	return route_add(c, r, &dst->dst, first);
}

static int dest_routes(struct route_ctx *c, const struct dest *dst,
		       uint32_t k)
{
	const struct topo *t = c->t;
	uint32_t r;
	int ret;

	bfs(c, dst, k);
	c->ngw_ports = 0;
	for (r = 0; r < t->nnodes; r++) {
		if (!is_router(t, r) || c->dist[r] == 0 || c->dist[r] == INF)
			continue;
		ret = router_route(c, r, dst, k);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int dest_cmp(const void *a, const void *b)
{
	const struct dest *x = a, *y = b;

	if (x->dst.ip != y->dst.ip)
		return x->dst.ip < y->dst.ip ? -1 : 1;
	return x->dst.plen < y->dst.plen ? -1 : x->dst.plen > y->dst.plen;
}

/* Every segment subnet and every router loopback, sorted. */
static struct dest *dests_build(const struct topo *t, uint32_t *ndests)
{
	struct dest *v;
	uint32_t i, n = 0;

	v = malloc((t->nsegments + t->nnodes + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < t->nsegments; i++)
		v[n++] = (struct dest){ t->segments[i].subnet, i, TOPO_NONE };
	for (i = 0; i < t->nnodes; i++)
		if (is_router(t, i))
			v[n++] = (struct dest){ t->nodes[i].lo, TOPO_NONE, i };
	qsort(v, n, sizeof(*v), dest_cmp);
	*ndests = n;
	return v;
}

/* Moves the collected routes into t, grouped by node, keeping their
 * order inside each node; next hops follow so that each route's are
 * contiguous. */
static int routes_store(struct route_ctx *c)
{
	struct topo *t = c->t;
	struct topo_route *routes;
	struct topo_nexthop *nhs;
	uint32_t i, n, pos = 0, nh = 0, *slot;
	const struct topo_route *src;

	routes = malloc((c->nroutes + 1) * sizeof(*routes));
	nhs = malloc((c->nnhs + 1) * sizeof(*nhs));
	if (!routes || !nhs) {
		free(routes);
		free(nhs);
		return -ENOMEM;
	}
	for (i = 0; i < c->nroutes; i++)
		t->nodes[c->route_node[i]].route_count++;
	for (n = 0; n < t->nnodes; n++) {
		t->nodes[n].route_first = pos;
		pos += t->nodes[n].route_count;
		t->nodes[n].route_count = 0;
	}
	for (i = 0; i < c->nroutes; i++) {
		n = c->route_node[i];
		slot = &t->nodes[n].route_count;
		routes[t->nodes[n].route_first + (*slot)++] = c->routes[i];
	}
	for (i = 0; i < c->nroutes; i++) {
		src = &routes[i];
		if (src->nh_count)
			memcpy(nhs + nh, c->nhs + src->nh_first,
			       src->nh_count * sizeof(*nhs));
		routes[i].nh_first = nh;
		nh += src->nh_count;
	}
	free(t->routes);
	free(t->nexthops);
	t->routes = routes;
	t->nroutes = t->cap_routes = c->nroutes;
	t->nexthops = nhs;
	t->nnexthops = t->cap_nexthops = c->nnhs;
	return 0;
}

static int routes_run(struct route_ctx *c)
{
	struct topo *t = c->t;
	struct dest *dests;
	uint32_t i, ndests;
	int ret = 0;

	for (i = 0; i < t->nnodes && ret == 0; i++)
		if (t->nodes[i].kind == TOPO_HOST)
			ret = host_route(c, i);
	if (ret < 0)
		return ret;
	dests = dests_build(t, &ndests);
	if (!dests)
		return -ENOMEM;
	for (i = 0; i < ndests && ret == 0; i++)
		ret = dest_routes(c, &dests[i], i);
	free(dests);
	return ret < 0 ? ret : routes_store(c);
}

int topo_plan_routes(struct topo *t, struct err *err)
{
	struct route_ctx c = { .t = t };
	size_t ns = t->nsegments + 1;
	int ret = -ENOMEM;

	c.dist = malloc((t->nnodes + 1) * sizeof(*c.dist));
	c.queue = malloc((t->nnodes + 1) * sizeof(*c.queue));
	c.seen = malloc(ns * sizeof(*c.seen));
	c.gw_seen = malloc(ns * sizeof(*c.gw_seen));
	c.gw_first = malloc(ns * sizeof(*c.gw_first));
	c.gw_count = malloc(ns * sizeof(*c.gw_count));
	c.gw_dist = malloc(ns * sizeof(*c.gw_dist));
	c.gw_ports = malloc((t->nports + 1) * sizeof(*c.gw_ports));
	if (c.dist && c.queue && c.seen && c.gw_seen && c.gw_first &&
	    c.gw_count && c.gw_dist && c.gw_ports) {
		/* No destination has number INF, so nothing is seen yet. */
		memset(c.seen, 0xff, ns * sizeof(*c.seen));
		memset(c.gw_seen, 0xff, ns * sizeof(*c.gw_seen));
		ret = routes_run(&c);
	}
	free(c.dist);
	free(c.queue);
	free(c.seen);
	free(c.gw_seen);
	free(c.gw_first);
	free(c.gw_count);
	free(c.gw_dist);
	free(c.gw_ports);
	free(c.routes);
	free(c.route_node);
	free(c.nhs);
	if (ret < 0)
		return err_set(err, ret, "planning routes: out of memory");
	return 0;
}
