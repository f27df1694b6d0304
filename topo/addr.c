/*
 * addr: subnets for segments, addresses for ports, loopbacks for routers.
 *
 * What the user wrote is kept and checked first; everything else is
 * allocated around it, in segment order and node order, so that a file
 * always gets the same addresses:
 *   - switch segments: 10.0.0.0/9, /24 or larger, like Mininet's 10.0.0.x;
 *   - point-to-point links: /31s (RFC 3021) from 10.128.0.0/10;
 *   - router loopbacks: 10.255.0.1/32 upward;
 *   - links between two routers that peer unnumbered
 *     (topo_segment_unnumbered()): no subnet and no addresses, BGP
 *     carries IPv4 over them with IPv6 link-local next hops; their /31
 *     is set aside all the same.
 * In a subnet, hosts count up from the first address and routers down
 * from the last, so gateways end in .254 as people expect.
 */
#include <errno.h>
#include <stdlib.h>

#include "topo/topo.h"

#define SWITCH_POOL 0x0a000000u /* 10.0.0.0/9 */
#define SWITCH_POOL_PLEN 9
#define SWITCH_MAX_PLEN 24
#define P2P_POOL 0x0a800000u /* 10.128.0.0/10 */
#define P2P_POOL_PLEN 10
#define LO_FIRST 0x0aff0001u /* 10.255.0.1 */
#define LO_LAST 0x0afffffeu  /* 10.255.255.254 */

/* Addresses the user claimed: a segment's subnet or a router's loopback.
 * Once checked they are disjoint, and allocation steps around them. */
struct claim {
	uint32_t start, end;
	uint32_t seg;  /* segment, or TOPO_NONE for a loopback */
	uint32_t node; /* the loopback's router */
};

/* One user address, for finding duplicates. */
struct owned {
	uint32_t ip;
	uint32_t id; /* port index, or nports + node for a loopback */
};

struct addr_ctx {
	struct topo *t;
	struct err *err;
	bool *user_subnet;   /* per segment: the subnet came from the user */
	struct claim *claims;
	uint32_t nclaims;
	uint32_t *taken;     /* scratch: user addresses of one segment */
};

/* Given by the user, or kept from the plan of a running network: either
 * way not to be planned again. */
static bool given(const struct topo_port *p)
{
	return p->addr_set || p->addr_kept;
}

static bool lo_given(const struct topo_node *n)
{
	return n->lo_set || n->lo_kept;
}

static uint32_t prefix_end(const struct ip_prefix *p)
{
	return ip_network(p) | ~ip_mask(p->plen);
}

/* "switch s1" or "link r1-r2 (demo.lua:4)": how the user knows a
 * segment. */
static char *segment_describe(const struct topo *t, uint32_t s, char *buf,
			      size_t size)
{
	const struct topo_segment *seg = &t->segments[s];
	uint32_t peer = topo_peer_port(t, seg->ports[0]);

	if (seg->domain == TOPO_NONE)
		return topo_link_describe(t, t->ports[peer].link, buf, size);
	snprintf(buf, size, "switch %s", t->nodes[t->ports[peer].node].name);
	return buf;
}

static int subnet_mismatch(struct addr_ctx *c, uint32_t pa, uint32_t pb)
{
	const struct topo *t = c->t;
	char da[TOPO_DESCSIZ], db[TOPO_DESCSIZ], ia[IP_STRLEN], ib[IP_STRLEN];

	return err_set(c->err, -EADDRINUSE,
		       "%s %s and %s %s are on one segment but in different "
		       "subnets",
		       topo_port_describe(t, pa, da, sizeof(da)),
		       ip_format(&t->ports[pa].addr, true, ia),
		       topo_port_describe(t, pb, db, sizeof(db)),
		       ip_format(&t->ports[pb].addr, true, ib));
}

/* A segment's subnet is fixed by its first user address; the others must
 * agree with it. */
static int subnets_from_user(struct addr_ctx *c, uint32_t s)
{
	struct topo *t = c->t;
	struct topo_segment *seg = &t->segments[s];
	uint32_t i, first = TOPO_NONE;
	struct topo_port *p;

	for (i = 0; i < seg->nports; i++) {
		p = &t->ports[seg->ports[i]];
		if (!given(p))
			continue;
		if (first == TOPO_NONE) {
			first = seg->ports[i];
			seg->subnet.ip = ip_network(&p->addr);
			seg->subnet.plen = p->addr.plen;
			c->user_subnet[s] = true;
		} else if (ip_network(&p->addr) != seg->subnet.ip ||
			   p->addr.plen != seg->subnet.plen) {
			return subnet_mismatch(c, first, seg->ports[i]);
		}
	}
	return 0;
}

static int owned_cmp(const void *a, const void *b)
{
	const struct owned *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static char *owner_describe(const struct topo *t, uint32_t id, char *buf,
			    size_t size)
{
	if (id < t->nports)
		return topo_port_describe(t, id, buf, size);
	snprintf(buf, size, "node %s loopback", t->nodes[id - t->nports].name);
	return buf;
}

/* The same address twice anywhere, on ports or loopbacks. */
static int check_duplicates(struct addr_ctx *c)
{
	const struct topo *t = c->t;
	char da[TOPO_DESCSIZ], db[TOPO_DESCSIZ], ip[IP_STRLEN];
	struct owned *v;
	uint32_t i, n = 0;
	int ret = 0;

	v = malloc((t->nports + t->nnodes + 1) * sizeof(*v));
	if (!v)
		return err_set(c->err, -ENOMEM, "out of memory");
	for (i = 0; i < t->nports; i++)
		if (given(&t->ports[i]))
			v[n++] = (struct owned){ t->ports[i].addr.ip, i };
	for (i = 0; i < t->nnodes; i++)
		if (lo_given(&t->nodes[i]))
			v[n++] = (struct owned){ t->nodes[i].lo.ip,
						 t->nports + i };
	qsort(v, n, sizeof(*v), owned_cmp);
	for (i = 1; i < n && !ret; i++) {
		if (v[i].ip != v[i - 1].ip)
			continue;
		ret = err_set(c->err, -EADDRINUSE,
			      "%s and %s both have address %s",
			      owner_describe(t, v[i - 1].id, da, sizeof(da)),
			      owner_describe(t, v[i].id, db, sizeof(db)),
			      ip_format(&(struct ip_prefix){ v[i].ip, 32 },
					false, ip));
	}
	free(v);
	return ret;
}

/* By start, the larger first, so that a claim holding another comes
 * before it. */
static int claim_cmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

static int overlap_error(struct addr_ctx *c, const struct claim *a,
			 const struct claim *b)
{
	const struct topo *t = c->t;
	char da[TOPO_DESCSIZ], db[TOPO_DESCSIZ], ia[IP_STRLEN], ib[IP_STRLEN];

	if (a->seg != TOPO_NONE && b->seg == TOPO_NONE)
		return err_set(c->err, -EADDRINUSE,
			       "node %s loopback %s lies in subnet %s of %s",
			       t->nodes[b->node].name,
			       ip_format(&t->nodes[b->node].lo, false, ib),
			       ip_format(&t->segments[a->seg].subnet, true, ia),
			       segment_describe(t, a->seg, da, sizeof(da)));
	if (a->seg != TOPO_NONE)
		return err_set(c->err, -EADDRINUSE,
			       "subnet %s of %s and subnet %s of %s overlap",
			       ip_format(&t->segments[a->seg].subnet, true, ia),
			       segment_describe(t, a->seg, da, sizeof(da)),
			       ip_format(&t->segments[b->seg].subnet, true, ib),
			       segment_describe(t, b->seg, db, sizeof(db)));
	/* Two equal loopbacks were caught as duplicates already. */
	return err_set(c->err, -EADDRINUSE, "node %s loopback %s is used twice",
		       t->nodes[a->node].name,
		       ip_format(&t->nodes[a->node].lo, false, ia));
}

/* Collects user subnets and loopbacks, sorted, and refuses overlaps. */
static int claims_build(struct addr_ctx *c)
{
	struct topo *t = c->t;
	uint32_t i, top;
	struct claim *k;

	c->claims = malloc((t->nsegments + t->nnodes + 1) * sizeof(*k));
	if (!c->claims)
		return err_set(c->err, -ENOMEM, "out of memory");
	for (i = 0; i < t->nsegments; i++) {
		if (!c->user_subnet[i])
			continue;
		k = &c->claims[c->nclaims++];
		k->start = t->segments[i].subnet.ip;
		k->end = prefix_end(&t->segments[i].subnet);
		k->seg = i;
		k->node = TOPO_NONE;
	}
	for (i = 0; i < t->nnodes; i++) {
		if (!lo_given(&t->nodes[i]))
			continue;
		k = &c->claims[c->nclaims++];
		k->start = k->end = t->nodes[i].lo.ip;
		k->seg = TOPO_NONE;
		k->node = i;
	}
	qsort(c->claims, c->nclaims, sizeof(*k), claim_cmp);
	for (i = 1, top = 0; i < c->nclaims; i++) {
		if (c->claims[i].start <= c->claims[top].end)
			return overlap_error(c, &c->claims[top], &c->claims[i]);
		top = i;
	}
	return 0;
}

/* The first claim that ends at or after ip (claims are disjoint, so their
 * ends are sorted too). */
static uint32_t claim_search(const struct addr_ctx *c, uint32_t ip)
{
	uint32_t lo = 0, hi = c->nclaims, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->claims[mid].end < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Takes the first aligned block of size addresses at or after *cursor, up
 * to last, that no claim touches.  Returns 0 or -ENOSPC. */
static int block_alloc(const struct addr_ctx *c, uint64_t *cursor,
		       uint64_t last, uint64_t size, uint32_t *out)
{
	uint64_t cand;
	uint32_t i;

	for (;;) {
		cand = (*cursor + size - 1) & ~(size - 1);
		if (cand + size - 1 > last)
			return -ENOSPC;
		i = claim_search(c, (uint32_t)cand);
		if (i < c->nclaims && c->claims[i].start <= cand + size - 1) {
			*cursor = (uint64_t)c->claims[i].end + 1;
			continue;
		}
		*out = (uint32_t)cand;
		*cursor = cand + size;
		return 0;
	}
}

/* The longest prefix, but no longer than /24, that holds n addresses. */
static uint8_t plen_for(uint32_t n)
{
	uint8_t bits = 32 - SWITCH_MAX_PLEN;

	while (bits < 32 && ((uint64_t)1 << bits) < n)
		bits++;
	return 32 - bits;
}

static int subnets_auto(struct addr_ctx *c)
{
	struct topo *t = c->t;
	struct ip_prefix pool;
	uint64_t sw = SWITCH_POOL, p2p = P2P_POOL, *cursor, last;
	char d[TOPO_DESCSIZ], ip[IP_STRLEN];
	struct topo_segment *seg;
	uint32_t i;
	uint8_t plen;

	for (i = 0; i < t->nsegments; i++) {
		if (c->user_subnet[i])
			continue;
		seg = &t->segments[i];
		if (seg->domain == TOPO_NONE) {
			pool = (struct ip_prefix){ P2P_POOL, P2P_POOL_PLEN };
			cursor = &p2p;
			plen = 31;
		} else {
			pool = (struct ip_prefix){ SWITCH_POOL,
						   SWITCH_POOL_PLEN };
			cursor = &sw;
			/* Room for the network and broadcast addresses. */
			plen = plen_for(seg->nports + 2);
		}
		last = prefix_end(&pool);
		seg->subnet.plen = plen;
		if (block_alloc(c, cursor, last, (uint64_t)1 << (32 - plen),
				&seg->subnet.ip) < 0)
			return err_set(c->err, -ENOSPC,
				       "no room left in %s for a /%u for %s",
				       ip_format(&pool, true, ip), plen,
				       segment_describe(t, i, d, sizeof(d)));
		/* An unnumbered link's /31 is set aside all the same, so
		 * that turning unnumbered on or off renumbers no other
		 * link. */
		if (topo_segment_unnumbered(t, i))
			seg->subnet = (struct ip_prefix){ 0 };
	}
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_taken(const uint32_t *taken, uint32_t n, uint32_t ip)
{
	return bsearch(&ip, taken, n, sizeof(ip), u32_cmp) != NULL;
}

/* /31 and /32: no network or broadcast address to spare (RFC 3021); end 0
 * of a link prefers the even address, end 1 the odd one. */
static int small_subnet_addr(struct addr_ctx *c, uint32_t s, uint32_t p,
			     uint32_t *taken, uint32_t *ntaken, uint32_t *ip)
{
	const struct topo *t = c->t;
	const struct ip_prefix *sub = &t->segments[s].subnet;
	uint32_t size = sub->plen == 32 ? 1 : 2, i, cand;
	uint32_t end = t->links[t->ports[p].link].port[1] == p;

	for (i = 0; i < size; i++) {
		cand = sub->ip + ((end + i) & (size - 1));
		if (is_taken(taken, *ntaken, cand))
			continue;
		taken[(*ntaken)++] = cand;
		qsort(taken, *ntaken, sizeof(*taken), u32_cmp);
		*ip = cand;
		return 0;
	}
	return -ENOSPC;
}

static int segment_addrs(struct addr_ctx *c, uint32_t s)
{
	struct topo *t = c->t;
	struct topo_segment *seg = &t->segments[s];
	char d[TOPO_DESCSIZ], dp[TOPO_DESCSIZ], ip[IP_STRLEN];
	int64_t lo = seg->subnet.ip + 1, hi = prefix_end(&seg->subnet) - 1;
	uint32_t i, n = 0, addr = 0;
	struct topo_port *p;
	int ret = 0;

	for (i = 0; i < seg->nports; i++)
		if (given(&t->ports[seg->ports[i]]))
			c->taken[n++] = t->ports[seg->ports[i]].addr.ip;
	qsort(c->taken, n, sizeof(*c->taken), u32_cmp);
	for (i = 0; i < seg->nports && ret == 0; i++) {
		p = &t->ports[seg->ports[i]];
		if (given(p))
			continue;
		if (seg->subnet.plen >= 31) {
			ret = small_subnet_addr(c, s, seg->ports[i], c->taken,
						&n, &addr);
		} else if (t->nodes[p->node].kind == TOPO_HOST) {
			while (lo <= hi && is_taken(c->taken, n, lo))
				lo++;
			ret = lo <= hi ? 0 : -ENOSPC;
			addr = (uint32_t)lo++;
		} else {
			while (hi >= lo && is_taken(c->taken, n, hi))
				hi--;
			ret = hi >= lo ? 0 : -ENOSPC;
			addr = (uint32_t)hi--;
		}
		p->addr = (struct ip_prefix){ addr, seg->subnet.plen };
	}
	if (ret < 0)
		return err_set(c->err, ret,
			       "subnet %s of %s has no free address left "
			       "for %s",
			       ip_format(&seg->subnet, true, ip),
			       segment_describe(t, s, d, sizeof(d)),
			       topo_port_describe(t, seg->ports[i - 1], dp,
						  sizeof(dp)));
	return 0;
}

static int loopbacks_auto(struct addr_ctx *c)
{
	struct topo *t = c->t;
	uint64_t cursor = LO_FIRST;
	struct topo_node *n;
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		if (n->kind != TOPO_ROUTER || lo_given(n))
			continue;
		n->lo.plen = 32;
		if (block_alloc(c, &cursor, LO_LAST, 1, &n->lo.ip) < 0)
			return err_set(c->err, -ENOSPC,
				       "no loopback address left in "
				       "10.255.0.0/16 for router %s",
				       n->name);
	}
	return 0;
}

static int addrs_run(struct addr_ctx *c)
{
	struct topo *t = c->t;
	uint32_t i;
	int ret;

	for (i = 0; i < t->nsegments; i++) {
		ret = subnets_from_user(c, i);
		if (ret < 0)
			return ret;
	}
	ret = check_duplicates(c);
	if (ret < 0)
		return ret;
	ret = claims_build(c);
	if (ret < 0)
		return ret;
	ret = subnets_auto(c);
	if (ret < 0)
		return ret;
	for (i = 0; i < t->nsegments; i++) {
		if (topo_segment_unnumbered(t, i))
			continue;
		ret = segment_addrs(c, i);
		if (ret < 0)
			return ret;
	}
	return loopbacks_auto(c);
}

int topo_plan_addrs(struct topo *t, struct err *err)
{
	struct addr_ctx c = { .t = t, .err = err };
	int ret = -ENOMEM;

	c.user_subnet = calloc(t->nsegments + 1, sizeof(*c.user_subnet));
	c.taken = malloc((t->nports + 1) * sizeof(*c.taken));
	if (c.user_subnet && c.taken)
		ret = addrs_run(&c);
	else
		err_set(err, ret, "planning addresses: out of memory");
	free(c.user_subnet);
	free(c.taken);
	free(c.claims);
	return ret;
}
