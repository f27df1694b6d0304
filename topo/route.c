/*
 * route: every node's routes, from the planned segments and addresses.
 *
 * Hosts get one default route through a router on their segment.  Routers
 * that run a routing daemon (topo/routing.h) get none: they learn theirs.
 * Other routers get a route to every subnet and loopback they are not
 * attached to (with TOPO_ROUTES_EDGE, or TOPO_ROUTES_AUTO on a large
 * topology, not to the links between two routers), with every equal-cost
 * next hop: a
 * breadth-first search over routers (hosts never forward) from the routers
 * attached to the destination gives each router its distance, and a
 * router's next hops are the neighbours one hop closer.
 *
 * Scale comes from three things:
 *   - destinations attached to the same routers (the hosts of one edge
 *     router) have the same next hops everywhere, so one search serves
 *     them all: results are cached by attached-router set;
 *   - next-hop sets are interned, so a route is a prefix and a set id, and
 *     the many routes sharing a set share its next hops;
 *   - routes are aggregated as they are made: destinations come in address
 *     order, and a router's new route merges with the one before it when
 *     the two are the halves of one prefix and have the same next hops,
 *     repeatedly (the stack collapse of sorted, disjoint prefixes).  Only
 *     exact halves merge, so no address gets a route it had not before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

#define INF UINT32_MAX
#define NO_SET UINT32_MAX
#define NSLOTS 64 /* search results kept, by attached-router set */

struct dest {
	struct ip_prefix dst;
	uint32_t seg;     /* the segment, or TOPO_NONE for a loopback */
	uint32_t node;    /* the loopback's router */
	uint32_t hash;    /* of the attached routers */
	uint32_t r_first; /* attached routers: [r_first, + r_count) in */
	uint32_t r_count; /* route_ctx.attached, sorted */
};

/* The next-hop set of every router toward one attached-router set. */
struct slot {
	uint32_t dest; /* the destination it was computed for, or INF */
	uint32_t *set; /* per node: next-hop set id, or NO_SET */
};

struct nhset {
	uint32_t first, count; /* in route_ctx.nhs */
	uint32_t hash;
};

/* A node's routes as they are made; nh_first holds a set id until
 * routes_store() turns it into an index. */
struct rvec {
	struct topo_route *v;
	uint32_t n, cap;
};

struct route_ctx {
	struct topo *t;
	uint32_t *routers; /* every router, in node order */
	uint32_t nrouters;
	/* The graph as the searches walk it, packed so that they touch
	 * little memory: per segment its router ports (sr_*), per router
	 * its ports and their segments (rp_*), [first[i], first[i + 1]). */
	uint32_t *sr_first, *sr_port, *sr_node;
	uint32_t *rp_first, *rp_port, *rp_seg;
	uint32_t *port_ip;
	uint32_t *dist;     /* per node: hops from the destination */
	uint32_t *queue;    /* BFS queue of routers */
	uint32_t serial;    /* number of the current search */
	uint32_t *seen;     /* per segment: search that visited it */
	uint32_t *gw_seen;  /* per segment: search gw_* was built for */
	uint32_t *gw_first; /* per segment: its gateways in gw_ports */
	uint32_t *gw_count;
	uint32_t *gw_dist;  /* per segment: the gateways' distance */
	uint32_t *gw_ports; /* router ports closest to the destination */
	uint32_t ngw_ports;
	struct dest *dests;
	uint32_t ndests;
	uint32_t *attached; /* routers attached to each destination */
	struct slot slots[NSLOTS];
	struct topo_nexthop *nhs; /* interned sets, then scratch */
	uint32_t nnhs, cap_nhs;
	struct nhset *sets;
	uint32_t nsets, cap_sets;
	uint32_t *set_hash; /* open addressing: set id + 1, 0 empty */
	uint32_t set_hash_size;
	struct rvec *rv; /* per node */
};

static bool is_router(const struct topo *t, uint32_t n)
{
	return t->nodes[n].kind == TOPO_ROUTER;
}

static int grow(void **arr, uint32_t *cap, uint32_t len, size_t sz)
{
	uint32_t ncap = *cap ? *cap * 2 : 16;
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

static uint32_t hash_mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x01000193u; /* FNV-1a prime */
	return h ^ (h >> 15);
}

static int nexthop_add(struct route_ctx *c, uint32_t gw, uint32_t port)
{
	if (grow((void **)&c->nhs, &c->cap_nhs, c->nnhs, sizeof(*c->nhs)) < 0)
		return -ENOMEM;
	c->nhs[c->nnhs++] = (struct topo_nexthop){ gw, port };
	return 0;
}

static int nexthop_cmp(const void *a, const void *b)
{
	const struct topo_nexthop *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->gw < y->gw ? -1 : x->gw > y->gw;
}

static uint32_t nhs_hash(const struct topo_nexthop *v, uint32_t n)
{
	uint32_t h = 0x811c9dc5u, i;

	for (i = 0; i < n; i++)
		h = hash_mix(hash_mix(h, v[i].gw), v[i].port);
	return h;
}

static int set_hash_grow(struct route_ctx *c)
{
	uint32_t size = c->set_hash_size ? c->set_hash_size * 2 : 1024, i, j;
	uint32_t *h = calloc(size, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (i = 0; i < c->nsets; i++) {
		for (j = c->sets[i].hash & (size - 1); h[j];
		     j = (j + 1) & (size - 1))
			;
		h[j] = i + 1;
	}
	free(c->set_hash);
	c->set_hash = h;
	c->set_hash_size = size;
	return 0;
}

/* Turns the next hops from first to the end of c->nhs into a set: sorted,
 * without repeats, and shared with an equal set made before (the scratch
 * is then dropped).  Returns the set id, or NO_SET when there are no next
 * hops; *rc is set on failure. */
static uint32_t set_intern(struct route_ctx *c, uint32_t first, int *rc)
{
	uint32_t i, n = first, h, j, id;
	struct nhset *s;

	if (c->nnhs == first)
		return NO_SET;
	qsort(c->nhs + first, c->nnhs - first, sizeof(*c->nhs), nexthop_cmp);
	for (i = first; i < c->nnhs; i++)
		if (i == first || nexthop_cmp(&c->nhs[i], &c->nhs[n - 1]))
			c->nhs[n++] = c->nhs[i];
	c->nnhs = n;
	h = nhs_hash(c->nhs + first, n - first);
	if (2 * (c->nsets + 1) > c->set_hash_size && set_hash_grow(c) < 0)
		goto err_nomem;
	for (j = h & (c->set_hash_size - 1); c->set_hash[j];
	     j = (j + 1) & (c->set_hash_size - 1)) {
		s = &c->sets[c->set_hash[j] - 1];
		if (s->hash == h && s->count == n - first &&
		    !memcmp(c->nhs + s->first, c->nhs + first,
			    s->count * sizeof(*c->nhs))) {
			c->nnhs = first;
			return c->set_hash[j] - 1;
		}
	}
	if (grow((void **)&c->sets, &c->cap_sets, c->nsets,
		 sizeof(*c->sets)) < 0)
		goto err_nomem;
	id = c->nsets++;
	c->sets[id] = (struct nhset){ first, n - first, h };
	c->set_hash[j] = id + 1;
	return id;

err_nomem:
	*rc = -ENOMEM;
	return NO_SET;
}

/* Adds dst through set to node n's routes, which come in address order,
 * and merges it with the routes before it while they are the two halves
 * of one prefix with the same next hops. */
static int route_push(struct route_ctx *c, uint32_t n,
		      const struct ip_prefix *dst, uint32_t set)
{
	struct rvec *rv = &c->rv[n];
	struct topo_route *a, *b;
	uint32_t size;

	if (grow((void **)&rv->v, &rv->cap, rv->n, sizeof(*rv->v)) < 0)
		return -ENOMEM;
	rv->v[rv->n++] = (struct topo_route){ .dst = *dst, .nh_first = set };
	while (rv->n >= 2) {
		a = &rv->v[rv->n - 2];
		b = &rv->v[rv->n - 1];
		if (a->nh_first != b->nh_first || a->dst.plen != b->dst.plen ||
		    a->dst.plen == 0)
			break;
		size = 1u << (32 - a->dst.plen);
		if ((a->dst.ip & size) || b->dst.ip != a->dst.ip + size)
			break;
		a->dst.plen--;
		rv->n--;
	}
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
	uint32_t i, j, p, q, first = c->nnhs, set;
	int rc = 0;

	for (i = 0; i < n->nports; i++) {
		p = n->ports[i];
		seg = &t->segments[t->ports[p].segment];
		for (j = 0; j < seg->nports; j++) {
			q = seg->ports[j];
			if (!is_router(t, t->ports[q].node))
				continue;
			if (nexthop_add(c, t->ports[q].addr.ip, p) < 0)
				return -ENOMEM;
			set = set_intern(c, first, &rc);
			return rc ? rc : route_push(c, h, &any, set);
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

/* Gives every router its distance in hops from the routers attached to
 * dst. */
static void bfs(struct route_ctx *c, const struct dest *dst)
{
	uint32_t head = 0, tail = 0, r, i, j, s, k = c->serial;

	for (i = 0; i < c->nrouters; i++)
		c->dist[c->routers[i]] = INF;
	for (i = 0; i < dst->r_count; i++)
		bfs_push(c, &tail, c->attached[dst->r_first + i], 0);
	if (dst->seg != TOPO_NONE)
		c->seen[dst->seg] = k;
	while (head < tail) {
		r = c->queue[head++];
		for (i = c->rp_first[r]; i < c->rp_first[r + 1]; i++) {
			s = c->rp_seg[i];
			if (c->seen[s] == k)
				continue;
			c->seen[s] = k;
			for (j = c->sr_first[s]; j < c->sr_first[s + 1]; j++)
				bfs_push(c, &tail, c->sr_node[j], c->dist[r] + 1);
		}
	}
}

/* The router ports of segment s closest to the destination, built once
 * per search so that a segment full of routers costs its ports, not
 * their square. */
static void gateways_build(struct route_ctx *c, uint32_t s)
{
	uint32_t j, q, min = INF, end = c->sr_first[s + 1];

	c->gw_seen[s] = c->serial;
	for (j = c->sr_first[s]; j < end; j++) {
		q = c->sr_node[j];
		if (c->dist[q] < min)
			min = c->dist[q];
	}
	c->gw_dist[s] = min;
	c->gw_first[s] = c->ngw_ports;
	for (j = c->sr_first[s]; j < end && min != INF; j++)
		if (c->dist[c->sr_node[j]] == min)
			c->gw_ports[c->ngw_ports++] = c->sr_port[j];
	c->gw_count[s] = c->ngw_ports - c->gw_first[s];
}

/* The next-hop set of router r: every neighbour one hop closer, through
 * each of r's ports that shares a segment with it. */
static uint32_t router_set(struct route_ctx *c, uint32_t r, int *rc)
{
	uint32_t i, j, p, s, q, first = c->nnhs, d = c->dist[r];

	for (i = c->rp_first[r]; i < c->rp_first[r + 1]; i++) {
		p = c->rp_port[i];
		s = c->rp_seg[i];
		if (c->gw_seen[s] != c->serial)
			gateways_build(c, s);
		if (c->gw_dist[s] != d - 1)
			continue;
		for (j = 0; j < c->gw_count[s]; j++) {
			q = c->gw_ports[c->gw_first[s] + j];
			if (nexthop_add(c, c->port_ip[q], p) < 0) {
				*rc = -ENOMEM;
				return NO_SET;
			}
		}
	}
	return set_intern(c, first, rc);
}

static bool same_routers(const struct route_ctx *c, const struct dest *a,
			 const struct dest *b)
{
	return a->hash == b->hash && a->r_count == b->r_count &&
	       !memcmp(c->attached + a->r_first, c->attached + b->r_first,
		       a->r_count * sizeof(*c->attached));
}

/* The slot holding every router's next hops toward destination i,
 * computed now unless a destination with the same attached routers left
 * them there. */
static struct slot *slot_get(struct route_ctx *c, uint32_t i, int *rc)
{
	const struct dest *dst = &c->dests[i];
	struct slot *sl = &c->slots[dst->hash % NSLOTS];
	uint32_t k, r;

	if (sl->dest != INF && same_routers(c, &c->dests[sl->dest], dst))
		return sl;
	c->serial++;
	bfs(c, dst);
	c->ngw_ports = 0;
	sl->dest = i;
	for (k = 0; k < c->nrouters && !*rc; k++) {
		r = c->routers[k];
		sl->set[r] = NO_SET;
		if (c->dist[r] != 0 && c->dist[r] != INF)
			sl->set[r] = router_set(c, r, rc);
	}
	if (*rc)
		sl->dest = INF;
	return sl;
}

static int dest_routes(struct route_ctx *c, uint32_t i)
{
	const struct dest *dst = &c->dests[i];
	struct slot *sl;
	uint32_t k, r;
	int rc = 0;

	sl = slot_get(c, i, &rc);
	for (k = 0; k < c->nrouters && !rc; k++) {
		r = c->routers[k];
		/* A router running FRR or BIRD learns its routes itself. */
		if (sl->set[r] != NO_SET && !c->t->nodes[r].routing)
			rc = route_push(c, r, &dst->dst, sl->set[r]);
	}
	return rc;
}

static int dest_cmp(const void *a, const void *b)
{
	const struct dest *x = a, *y = b;

	if (x->dst.ip != y->dst.ip)
		return x->dst.ip < y->dst.ip ? -1 : 1;
	return x->dst.plen < y->dst.plen ? -1 : x->dst.plen > y->dst.plen;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool router_link(const struct topo *t, uint32_t s)
{
	const struct topo_segment *seg = &t->segments[s];
	uint32_t j;

	if (seg->domain != TOPO_NONE || topo_segment_unnumbered(t, s))
		return false;
	for (j = 0; j < seg->nports; j++)
		if (!is_router(t, t->ports[seg->ports[j]].node))
			return false;
	return true;
}

/* TOPO_ROUTES_AUTO made concrete: links between routers are routed
 * unless that means more than TOPO_ROUTES_AUTO_MAX routes. */
static enum topo_routes scope(const struct route_ctx *c)
{
	const struct topo *t = c->t;
	uint64_t links = 0;
	uint32_t s;

	if (t->route_scope != TOPO_ROUTES_AUTO)
		return t->route_scope;
	for (s = 0; s < t->nsegments; s++)
		links += router_link(t, s);
	return links * c->nrouters > TOPO_ROUTES_AUTO_MAX ? TOPO_ROUTES_EDGE :
							     TOPO_ROUTES_ALL;
}
/* Records the routers attached to dst (sorted) and their hash. */
static void dest_attach(struct route_ctx *c, struct dest *dst,
			uint32_t *nattached)
{
	const struct topo *t = c->t;
	const struct topo_segment *seg;
	uint32_t j, q, *v = c->attached + *nattached, n = 0;

	if (dst->seg == TOPO_NONE) {
		v[n++] = dst->node;
	} else {
		seg = &t->segments[dst->seg];
		for (j = 0; j < seg->nports; j++) {
			q = t->ports[seg->ports[j]].node;
			if (is_router(t, q))
				v[n++] = q;
		}
		qsort(v, n, sizeof(*v), u32_cmp);
	}
	dst->r_first = *nattached;
	dst->r_count = n;
	dst->hash = 0x811c9dc5u;
	for (j = 0; j < n; j++)
		dst->hash = hash_mix(dst->hash, v[j]);
	*nattached += n;
}

/* Every routed segment subnet and every router loopback, sorted; an
 * unnumbered link has no subnet to route. */
static int dests_build(struct route_ctx *c)
{
	const struct topo *t = c->t;
	uint32_t i, n = 0, nattached = 0;
	bool links = scope(c) == TOPO_ROUTES_ALL;

	c->dests = malloc((t->nsegments + t->nnodes + 1) * sizeof(*c->dests));
	/* Each port is attached once, each loopback once. */
	c->attached = malloc((t->nports + t->nnodes + 1) * sizeof(uint32_t));
	if (!c->dests || !c->attached)
		return -ENOMEM;
	for (i = 0; i < t->nsegments; i++)
		if ((links || !router_link(t, i)) &&
		    !topo_segment_unnumbered(t, i))
			c->dests[n++] = (struct dest){ .dst = t->segments[i].subnet,
						       .seg = i,
						       .node = TOPO_NONE };
	for (i = 0; i < t->nnodes; i++)
		if (is_router(t, i))
			c->dests[n++] = (struct dest){ .dst = t->nodes[i].lo,
						       .seg = TOPO_NONE,
						       .node = i };
	qsort(c->dests, n, sizeof(*c->dests), dest_cmp);
	for (i = 0; i < n; i++)
		dest_attach(c, &c->dests[i], &nattached);
	c->ndests = n;
	return 0;
}

/* Moves the routes into t, grouped by node in address order, each
 * pointing at its interned next hops (routes with the same set share
 * them). */
static int routes_store(struct route_ctx *c)
{
	struct topo *t = c->t;
	struct topo_route *routes;
	uint32_t n, i, pos = 0, total = 0;
	const struct nhset *s;

	for (n = 0; n < t->nnodes; n++)
		total += c->rv[n].n;
	routes = malloc((total + 1) * sizeof(*routes));
	if (!routes)
		return -ENOMEM;
	for (n = 0; n < t->nnodes; n++) {
		t->nodes[n].route_first = pos;
		t->nodes[n].route_count = c->rv[n].n;
		for (i = 0; i < c->rv[n].n; i++) {
			routes[pos] = c->rv[n].v[i];
			s = &c->sets[routes[pos].nh_first];
			routes[pos].nh_first = s->first;
			routes[pos].nh_count = s->count;
			pos++;
		}
	}
	free(t->routes);
	free(t->nexthops);
	t->routes = routes;
	t->nroutes = t->cap_routes = total;
	t->nexthops = c->nhs;
	t->nnexthops = t->cap_nexthops = c->nnhs;
	c->nhs = NULL;
	return 0;
}

/* Packs the segments' router ports and the routers' ports (see
 * route_ctx). */
static int graph_build(struct route_ctx *c)
{
	const struct topo *t = c->t;
	const struct topo_segment *seg;
	uint32_t i, j, p, n = 0, m = 0;

	c->sr_first = malloc((t->nsegments + 1) * sizeof(uint32_t));
	c->sr_port = malloc((t->nports + 1) * sizeof(uint32_t));
	c->sr_node = malloc((t->nports + 1) * sizeof(uint32_t));
	c->rp_first = malloc((t->nnodes + 1) * sizeof(uint32_t));
	c->rp_port = malloc((t->nports + 1) * sizeof(uint32_t));
	c->rp_seg = malloc((t->nports + 1) * sizeof(uint32_t));
	c->port_ip = malloc((t->nports + 1) * sizeof(uint32_t));
	if (!c->sr_first || !c->sr_port || !c->sr_node || !c->rp_first ||
	    !c->rp_port || !c->rp_seg || !c->port_ip)
		return -ENOMEM;
	for (i = 0; i < t->nsegments; i++) {
		seg = &t->segments[i];
		c->sr_first[i] = n;
		for (j = 0; j < seg->nports; j++) {
			p = seg->ports[j];
			if (!is_router(t, t->ports[p].node))
				continue;
			c->sr_port[n] = p;
			c->sr_node[n++] = t->ports[p].node;
		}
	}
	c->sr_first[t->nsegments] = n;
	for (i = 0; i < t->nnodes; i++) {
		c->rp_first[i] = m;
		for (j = 0; j < t->nodes[i].nports && is_router(t, i); j++) {
			p = t->nodes[i].ports[j];
			c->rp_port[m] = p;
			c->rp_seg[m++] = t->ports[p].segment;
		}
	}
	c->rp_first[t->nnodes] = m;
	for (i = 0; i < t->nports; i++)
		c->port_ip[i] = t->ports[i].addr.ip;
	return 0;
}

static int routes_run(struct route_ctx *c)
{
	struct topo *t = c->t;
	uint32_t i;
	int ret = 0;

	for (i = 0; i < t->nnodes; i++)
		if (is_router(t, i))
			c->routers[c->nrouters++] = i;
	for (i = 0; i < t->nnodes && ret == 0; i++)
		if (t->nodes[i].kind == TOPO_HOST)
			ret = host_route(c, i);
	if (!ret)
		ret = graph_build(c);
	if (!ret)
		ret = dests_build(c);
	for (i = 0; i < c->ndests && ret == 0; i++)
		ret = dest_routes(c, i);
	return ret < 0 ? ret : routes_store(c);
}

static int ctx_alloc(struct route_ctx *c)
{
	const struct topo *t = c->t;
	size_t ns = t->nsegments + 1, nn = t->nnodes + 1;
	uint32_t i;

	c->routers = malloc(nn * sizeof(*c->routers));
	c->dist = malloc(nn * sizeof(*c->dist));
	c->queue = malloc(nn * sizeof(*c->queue));
	c->seen = malloc(ns * sizeof(*c->seen));
	c->gw_seen = malloc(ns * sizeof(*c->gw_seen));
	c->gw_first = malloc(ns * sizeof(*c->gw_first));
	c->gw_count = malloc(ns * sizeof(*c->gw_count));
	c->gw_dist = malloc(ns * sizeof(*c->gw_dist));
	c->gw_ports = malloc((t->nports + 1) * sizeof(*c->gw_ports));
	c->rv = calloc(nn, sizeof(*c->rv));
	if (!c->routers || !c->dist || !c->queue || !c->seen || !c->gw_seen ||
	    !c->gw_first || !c->gw_count || !c->gw_dist || !c->gw_ports ||
	    !c->rv)
		return -ENOMEM;
	for (i = 0; i < NSLOTS; i++) {
		c->slots[i].dest = INF;
		c->slots[i].set = malloc(nn * sizeof(uint32_t));
		if (!c->slots[i].set)
			return -ENOMEM;
	}
	/* Searches are numbered from 0, so nothing is seen yet. */
	c->serial = INF;
	memset(c->seen, 0xff, ns * sizeof(*c->seen));
	memset(c->gw_seen, 0xff, ns * sizeof(*c->gw_seen));
	return 0;
}

static void ctx_free(struct route_ctx *c)
{
	uint32_t i;

	free(c->routers);
	free(c->sr_first);
	free(c->sr_port);
	free(c->sr_node);
	free(c->rp_first);
	free(c->rp_port);
	free(c->rp_seg);
	free(c->port_ip);
	free(c->dist);
	free(c->queue);
	free(c->seen);
	free(c->gw_seen);
	free(c->gw_first);
	free(c->gw_count);
	free(c->gw_dist);
	free(c->gw_ports);
	free(c->dests);
	free(c->attached);
	for (i = 0; i < NSLOTS; i++)
		free(c->slots[i].set);
	free(c->nhs);
	free(c->sets);
	free(c->set_hash);
	if (c->rv)
		for (i = 0; i < c->t->nnodes; i++)
			free(c->rv[i].v);
	free(c->rv);
}

int topo_plan_routes(struct topo *t, struct err *err)
{
	struct route_ctx c = { .t = t };
	int ret;

	ret = ctx_alloc(&c);
	if (!ret)
		ret = routes_run(&c);
	ctx_free(&c);
	if (ret < 0)
		return err_set(err, ret, "planning routes: out of memory");
	return 0;
}

int topo_routes_parse(const char *s, enum topo_routes *out)
{
	if (!strcmp(s, "auto"))
		*out = TOPO_ROUTES_AUTO;
	else if (!strcmp(s, "all"))
		*out = TOPO_ROUTES_ALL;
	else if (!strcmp(s, "edge"))
		*out = TOPO_ROUTES_EDGE;
	else
		return -EINVAL;
	return 0;
}
