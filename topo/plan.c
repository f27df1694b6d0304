/*
 * plan: turns the graph into L3 segments, then hands over to addr.c for
 * addresses and route.c for routes.
 *
 * A segment is what one subnet covers: every host and router port that
 * reaches the others without a router, which is either a switch domain
 * (switches joined by switch-switch links act as one bridge) or a single
 * link between two L3 nodes.  Segments are numbered by first appearance in
 * link order, so that the same file always gives the same addresses.
 */
#include <errno.h>
#include <stdlib.h>

#include "topo/topo.h"

static void plan_clear(struct topo *t)
{
	uint32_t i;

	for (i = 0; i < t->nsegments; i++)
		free(t->segments[i].ports);
	free(t->segments);
	t->segments = NULL;
	t->nsegments = 0;
	t->nroutes = 0;
	t->nnexthops = 0;
	t->planned = false;
	for (i = 0; i < t->nports; i++) {
		struct topo_port *p = &t->ports[i];

		p->segment = TOPO_NONE;
		if (!p->addr_set && !p->addr_kept)
			p->addr = (struct ip_prefix){ 0 };
	}
	for (i = 0; i < t->nnodes; i++) {
		struct topo_node *n = &t->nodes[i];

		n->route_first = 0;
		n->route_count = 0;
		if (!n->lo_set && !n->lo_kept)
			n->lo = (struct ip_prefix){ 0 };
		if (n->routing) {
			if (!n->routing->asn_set)
				n->routing->asn = 0;
			if (!n->routing->router_id_set)
				n->routing->router_id = 0;
		}
	}
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* Fills dom[n] with the switch domain of every switch n (TOPO_NONE for
 * other nodes); domains are numbered in node order of their first
 * switch. */
static void domains_build(const struct topo *t, uint32_t *dom)
{
	uint32_t i, n0, n1, ndom = 0;

	for (i = 0; i < t->nnodes; i++)
		dom[i] = i;
	for (i = 0; i < t->nlinks; i++) {
		n0 = topo_link_node(t, i, 0);
		n1 = topo_link_node(t, i, 1);
		if (t->nodes[n0].kind != TOPO_SWITCH ||
		    t->nodes[n1].kind != TOPO_SWITCH)
			continue;
		n0 = uf_find(dom, n0);
		n1 = uf_find(dom, n1);
		/* The smaller index stays root: numbering stays stable. */
		if (n0 < n1)
			dom[n1] = n0;
		else
			dom[n0] = n1;
	}
	for (i = 0; i < t->nnodes; i++)
		dom[i] = uf_find(dom, i);
	/* A root is the smallest index of its set, so a pass in node order
	 * numbers every root before its members look it up. */
	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].kind != TOPO_SWITCH)
			dom[i] = TOPO_NONE;
		else if (dom[i] == i)
			dom[i] = ndom++;
		else
			dom[i] = dom[dom[i]];
	}
}

static int segment_add_port(struct topo *t, uint32_t s, uint32_t p)
{
	struct topo_segment *seg = &t->segments[s];
	uint32_t *v;

	if (seg->nports == seg->cap_ports) {
		uint32_t cap = seg->cap_ports ? seg->cap_ports * 2 : 4;

		v = realloc(seg->ports, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		seg->ports = v;
		seg->cap_ports = cap;
	}
	seg->ports[seg->nports++] = p;
	t->ports[p].segment = s;
	return 0;
}

static uint32_t segment_new(struct topo *t, uint32_t domain)
{
	struct topo_segment *seg = &t->segments[t->nsegments];

	*seg = (struct topo_segment){ .domain = domain };
	return t->nsegments++;
}

/* seg_of[d] maps domain d to its segment, created on first use. */
static int segment_link(struct topo *t, uint32_t l, const uint32_t *dom,
			uint32_t *seg_of)
{
	const struct topo_link *k = &t->links[l];
	uint32_t p0 = k->port[0], p1 = k->port[1], s, d;
	bool sw0 = t->nodes[t->ports[p0].node].kind == TOPO_SWITCH;
	bool sw1 = t->nodes[t->ports[p1].node].kind == TOPO_SWITCH;
	int ret;

	if (sw0 && sw1)
		return 0;
	if (!sw0 && !sw1) {
		s = segment_new(t, TOPO_NONE);
		ret = segment_add_port(t, s, p0);
		return ret < 0 ? ret : segment_add_port(t, s, p1);
	}
	d = dom[t->ports[sw0 ? p0 : p1].node];
	if (seg_of[d] == TOPO_NONE)
		seg_of[d] = segment_new(t, d);
	return segment_add_port(t, seg_of[d], sw0 ? p1 : p0);
}

static int segments_build(struct topo *t)
{
	uint32_t *dom, *seg_of, i;
	int ret = -ENOMEM;

	/* At most one segment per link. */
	t->segments = calloc(t->nlinks + 1, sizeof(*t->segments));
	dom = malloc((t->nnodes + 1) * sizeof(*dom));
	seg_of = malloc((t->nnodes + 1) * sizeof(*seg_of));
	if (!t->segments || !dom || !seg_of)
		goto out;
	domains_build(t, dom);
	for (i = 0; i < t->nnodes; i++)
		seg_of[i] = TOPO_NONE;
	ret = 0;
	for (i = 0; i < t->nlinks && ret == 0; i++)
		ret = segment_link(t, i, dom, seg_of);
out:
	free(dom);
	free(seg_of);
	return ret;
}

int topo_plan(struct topo *t, struct err *err)
{
	int ret;

	plan_clear(t);
	ret = topo_validate(t, err);
	if (ret < 0)
		return ret;
	ret = segments_build(t);
	if (ret < 0)
		return err_set(err, ret, "planning %s: out of memory", t->name);
	ret = topo_plan_asns(t, err);
	if (ret < 0)
		return ret;
	ret = topo_plan_addrs(t, err);
	if (ret < 0)
		return ret;
	ret = topo_plan_routing(t, err);
	if (ret < 0)
		return ret;
	ret = topo_plan_routes(t, err);
	if (ret < 0)
		return ret;
	t->planned = true;
	return 0;
}
