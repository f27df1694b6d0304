/*
 * expect: what the FIB of each router that runs FRR or BIRD holds once its
 * protocol has converged, so that net:converged{} can tell "done" from
 * "not yet" by reading FIBs instead of asking daemons.
 *
 * Each routed router announces its loopback and its host subnets
 * (topo_routing_announced()).  For every announced prefix, a search over
 * the sessions between routed routers follows what the protocol does:
 *
 *   - OSPF: shortest paths over the OSPF routers; a router's next hops are
 *     its neighbours one hop closer.
 *   - eBGP: a router takes the shortest AS path its neighbours offer and
 *     offers it on, with its ASN in front; a router refuses a path that
 *     holds its own ASN (loop prevention), and with "as-path
 *     multipath-relax" every neighbour offering a path of the best length
 *     is a next hop.  So in an RFC 7938 fabric, where the spines share one
 *     ASN, a spine never learns another spine's loopback: the only path to
 *     it crosses the spines' ASN.  The search keeps the path each router
 *     offers as a chain of the neighbours it took it from.
 *
 * Sessions exist between routed routers that share a segment and run the
 * same protocol (for BGP, with different ASNs: lunet plans no iBGP).  No
 * route is redistributed between protocols or from static routers.
 *
 * Speakers announce their prefixes besides (topo/speaker.c): thousands of
 * prefixes with one origin each, so a search is made once per set of
 * origins and its result given to every prefix that shares it.
 *
 * A router with max_prefix tears down a session with a speaker that
 * offers it more prefixes than that, and the session stays down (FRR's
 * maximum-prefix without restart).  What a speaker offers is what the
 * router accepts from it: every prefix the speaker has a path to that
 * loop prevention lets the router take.  A session found over its limit
 * is taken out and the searches run again, until no other one is over:
 * the sessions that trip at some point of a real convergence are those
 * over their limit once everything before them has tripped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

#define INF UINT32_MAX
#define ECMP_MAX 64 /* maximum-paths in the generated configs */

struct entry {
	uint32_t router;
	struct topo_expect e;
};

/* A session of a router with max_prefix with a speaker. */
struct limit {
	uint32_t router, speaker;
	uint32_t offered; /* prefixes the router takes from the speaker */
	bool tripped;
};

struct ctx {
	const struct topo *t;
	const unsigned char *down; /* per link, or NULL */
	struct limit *lim;
	size_t nlim;
	/* Sessions, as CSR over nodes: adj[first[n] .. first[n + 1]). */
	uint32_t *first, *adj;
	/* The search over one prefix. */
	uint32_t *dist, *parent, *width, *queue;
	uint32_t reached; /* queue[0 .. reached): the last search's routers */
	struct entry *out;
	size_t nout, cap;
};

static bool peers(const struct topo *t, uint32_t a, uint32_t b)
{
	const struct topo_routing *x = t->nodes[a].routing;
	const struct topo_routing *y = t->nodes[b].routing;

	if (!x || !y || a == b || x->proto != y->proto)
		return false;
	return x->proto != TOPO_PROTO_BGP || x->asn != y->asn;
}

/* Whether the session of a and b went over a limit. */
static bool tripped(const struct ctx *c, uint32_t a, uint32_t b)
{
	size_t i;

	for (i = 0; i < c->nlim; i++)
		if (c->lim[i].tripped &&
		    ((c->lim[i].router == a && c->lim[i].speaker == b) ||
		     (c->lim[i].router == b && c->lim[i].speaker == a)))
			return true;
	return false;
}

static bool port_down(const struct ctx *c, uint32_t p)
{
	return c->down && c->down[c->t->ports[p].link];
}

/* Every session of every routed router, each once per segment shared,
 * over the ports whose link is up. */
static int sessions_build(struct ctx *c)
{
	const struct topo *t = c->t;
	uint32_t s, i, j, a, b, total = 0, pass;

	c->first = calloc(t->nnodes + 1, sizeof(*c->first));
	if (!c->first)
		return -ENOMEM;
	for (pass = 0; pass < 2; pass++) {
		for (s = 0; s < t->nsegments; s++) {
			const struct topo_segment *seg = &t->segments[s];

			for (i = 0; i < seg->nports; i++) {
				if (port_down(c, seg->ports[i]))
					continue;
				a = t->ports[seg->ports[i]].node;
				for (j = 0; j < seg->nports; j++) {
					if (port_down(c, seg->ports[j]))
						continue;
					b = t->ports[seg->ports[j]].node;
					if (!peers(t, a, b) ||
					    tripped(c, a, b))
						continue;
					if (pass == 0)
						c->first[a + 1]++;
					else
						c->adj[c->first[a]++] = b;
				}
			}
		}
		if (pass == 0) {
			for (i = 0; i < t->nnodes; i++)
				c->first[i + 1] += c->first[i];
			total = c->first[t->nnodes];
			c->adj = malloc((total ? total : 1) * sizeof(*c->adj));
			if (!c->adj)
				return -ENOMEM;
		} else {
			/* The fill moved each first[] to the next's start. */
			memmove(c->first + 1, c->first,
				t->nnodes * sizeof(*c->first));
			c->first[0] = 0;
		}
	}
	return 0;
}

/* Whether router m takes the path router r offers: r's ASN and those of
 * the chain r took its path from must all differ from m's. */
static bool takes(const struct ctx *c, uint32_t r, uint32_t m)
{
	uint32_t asn = c->t->nodes[m].routing->asn, x;

	if (c->t->nodes[m].routing->proto != TOPO_PROTO_BGP)
		return true;
	for (x = r; x != INF; x = c->parent[x])
		if (c->t->nodes[x].routing->asn == asn)
			return false;
	return true;
}

static int push(struct ctx *c, uint32_t router, const struct ip_prefix *p,
		uint32_t width)
{
	struct entry *grown;

	if (c->nout == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		grown = realloc(c->out, c->cap * sizeof(*c->out));
		if (!grown)
			return -ENOMEM;
		c->out = grown;
	}
	c->out[c->nout].router = router;
	c->out[c->nout].e.dst = *p;
	c->out[c->nout].e.width = width > ECMP_MAX ? ECMP_MAX : width;
	c->nout++;
	return 0;
}

/* The search from the routers in orig[]: each router's distance, the
 * neighbour its path comes from, and how many neighbours tie. */
static void search(struct ctx *c, const uint32_t *orig, size_t norig)
{
	uint32_t head = 0, tail = 0, r, m, k, n = c->t->nnodes;
	size_t i;

	for (r = 0; r < n; r++) {
		c->dist[r] = INF;
		c->parent[r] = INF;
		c->width[r] = 0;
	}
	for (i = 0; i < norig; i++) {
		c->dist[orig[i]] = 0;
		c->queue[tail++] = orig[i];
	}
	/* Breadth first: every router at distance d is settled, its path
	 * chosen, before any at d + 1 takes it. */
	while (head < tail) {
		r = c->queue[head++];
		for (k = c->first[r]; k < c->first[r + 1]; k++) {
			m = c->adj[k];
			if (c->dist[m] < c->dist[r] + 1 || !takes(c, r, m))
				continue;
			if (c->dist[m] == INF) {
				c->dist[m] = c->dist[r] + 1;
				c->parent[m] = r;
				c->queue[tail++] = m;
			}
			c->width[m]++;
		}
	}
	c->reached = tail;
}

/* Prefix p in the FIB of every router the last search reached, and in
 * the count of every limited session whose speaker offers it. */
static int emit(struct ctx *c, const struct ip_prefix *p)
{
	struct limit *l;
	uint32_t k, r;
	size_t i;
	int rc;

	for (k = 0; k < c->reached; k++) {
		r = c->queue[k];
		if (c->dist[r] == 0)
			continue;
		rc = push(c, r, p, c->width[r]);
		if (rc)
			return rc;
	}
	for (i = 0; i < c->nlim; i++) {
		l = &c->lim[i];
		if (!l->tripped && c->dist[l->speaker] != INF &&
		    takes(c, l->speaker, l->router))
			l->offered++;
	}
	return 0;
}

struct announce {
	struct ip_prefix p;
	uint32_t router;
};

static int announce_cmp(const void *a, const void *b)
{
	const struct announce *x = a, *y = b;

	if (x->p.ip != y->p.ip)
		return x->p.ip < y->p.ip ? -1 : 1;
	if (x->p.plen != y->p.plen)
		return x->p.plen < y->p.plen ? -1 : 1;
	return x->router < y->router ? -1 : x->router > y->router;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->router != y->router)
		return x->router < y->router ? -1 : 1;
	return announce_cmp(&(struct announce){ x->e.dst, 0 },
			    &(struct announce){ y->e.dst, 0 });
}

/* Every (prefix, announcing router), sorted by prefix. */
static struct announce *announces(const struct topo *t,
				  const unsigned char *down, size_t *n)
{
	struct ip_prefix buf[64];
	struct announce *v = NULL, *grown;
	size_t cap = 0, k, m;
	const struct topo_routing *r;
	uint32_t i, extra;

	*n = 0;
	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (!r)
			continue;
		m = topo_routing_announced(t, i, down, buf, 64);
		if (m > 64)
			m = 64; /* a router on more host subnets: no expectation
				 * for the rest, rather than a wrong one */
		extra = r->speaker ? r->nprefixes : 0;
		if (*n + m + extra > cap) {
			cap = (*n + m + extra) * 2;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				free(v);
				return NULL;
			}
			v = grown;
		}
		for (k = 0; k < m; k++)
			v[(*n)++] = (struct announce){ buf[k], i };
		for (k = 0; k < extra; k++)
			v[(*n)++] = (struct announce){
				topo_speaker_prefix(r, (uint32_t)k), i };
	}
	if (*n)
		qsort(v, *n, sizeof(*v), announce_cmp);
	return v ? v : calloc(1, sizeof(*v));
}

static void ctx_free(struct ctx *c)
{
	free(c->first);
	free(c->adj);
	free(c->dist);
	free(c->parent);
	free(c->width);
	free(c->queue);
	free(c->lim);
	free(c->out);
}

/* The sessions of routers with max_prefix with speakers, each pair once,
 * from the sessions of the first pass. */
static int limits_find(struct ctx *c)
{
	const struct topo *t = c->t;
	uint32_t r, k, s;
	size_t i;

	for (r = 0; r < t->nnodes; r++) {
		if (!t->nodes[r].routing || !t->nodes[r].routing->max_prefix)
			continue;
		for (k = c->first[r]; k < c->first[r + 1]; k++) {
			s = c->adj[k];
			if (!t->nodes[s].routing->speaker)
				continue;
			for (i = 0; i < c->nlim; i++)
				if (c->lim[i].router == r &&
				    c->lim[i].speaker == s)
					break;
			if (i < c->nlim)
				continue;
			if (!(c->nlim & (c->nlim + 1))) {
				struct limit *grown = realloc(
					c->lim, (2 * c->nlim + 1) *
							sizeof(*c->lim));

				if (!grown)
					return -ENOMEM;
				c->lim = grown;
			}
			c->lim[c->nlim++] = (struct limit){ r, s, 0, false };
		}
	}
	return 0;
}

/* One pass over every announced prefix (an, sorted, nan of them), with
 * the sessions as they are now.  orig and prev hold nnodes each: a
 * prefix has each router at most once among its origins. */
static int pass(struct ctx *c, const struct announce *an, size_t nan,
		uint32_t *orig, uint32_t *prev)
{
	uint32_t k, nprev = INF;
	size_t i, j;
	int rc = 0;

	c->nout = 0;
	for (i = 0; i < c->nlim; i++)
		if (!c->lim[i].tripped)
			c->lim[i].offered = 0;
	for (i = 0; !rc && i < nan; i = j) {
		k = 0;
		for (j = i; j < nan && an[j].p.ip == an[i].p.ip &&
			    an[j].p.plen == an[i].p.plen; j++)
			if (!k || orig[k - 1] != an[j].router)
				orig[k++] = an[j].router;
		/* The same origins (sorted by router), the same search. */
		if (k != nprev || memcmp(orig, prev, k * sizeof(*orig))) {
			search(c, orig, k);
			memcpy(prev, orig, k * sizeof(*orig));
			nprev = k;
		}
		rc = emit(c, &an[i].p);
	}
	return rc;
}

/* Marks the sessions over their limit as tripped; returns how many. */
static size_t trip(struct ctx *c)
{
	size_t i, k = 0;

	for (i = 0; i < c->nlim; i++) {
		struct limit *l = &c->lim[i];

		if (!l->tripped &&
		    l->offered > c->t->nodes[l->router].routing->max_prefix) {
			l->tripped = true;
			k++;
		}
	}
	return k;
}

/* The announced prefixes, each once, into out->known. */
static int store_known(const struct announce *an, size_t nan,
		       struct topo_expect_set *out)
{
	size_t i;

	out->known = malloc((nan ? nan : 1) * sizeof(*out->known));
	if (!out->known)
		return -ENOMEM;
	for (i = 0; i < nan; i++)
		if (!out->nknown ||
		    out->known[out->nknown - 1].ip != an[i].p.ip ||
		    out->known[out->nknown - 1].plen != an[i].p.plen)
			out->known[out->nknown++] = an[i].p;
	return 0;
}

static int store(struct ctx *c, struct topo_expect_set *out)
{
	uint32_t n = c->t->nnodes;
	size_t i;

	if (c->nout)
		qsort(c->out, c->nout, sizeof(*c->out), entry_cmp);
	out->v = malloc((c->nout ? c->nout : 1) * sizeof(*out->v));
	out->first = calloc(n ? n : 1, sizeof(*out->first));
	out->count = calloc(n ? n : 1, sizeof(*out->count));
	if (!out->v || !out->first || !out->count)
		return -ENOMEM;
	for (i = 0; i < c->nout; i++) {
		uint32_t r = c->out[i].router;

		if (!out->count[r])
			out->first[r] = (uint32_t)i;
		out->count[r]++;
		out->v[i] = c->out[i].e;
	}
	out->n = (uint32_t)c->nout;
	out->trips = calloc(c->nlim ? c->nlim : 1, sizeof(*out->trips));
	if (!out->trips)
		return -ENOMEM;
	for (i = 0; i < c->nlim; i++)
		if (c->lim[i].tripped)
			out->trips[out->ntrips++] = (struct topo_expect_trip){
				.router = c->lim[i].router,
				.speaker = c->lim[i].speaker,
				.offered = c->lim[i].offered,
			};
	return 0;
}

void topo_expect_set_free(struct topo_expect_set *s)
{
	free(s->v);
	free(s->first);
	free(s->count);
	free(s->trips);
	free(s->known);
	*s = (struct topo_expect_set){ 0 };
}

int topo_expect_build(const struct topo *t, const unsigned char *link_down,
		      struct topo_expect_set *out)
{
	struct ctx c = { .t = t, .down = link_down };
	struct announce *an = NULL;
	uint32_t *orig = NULL, *prev = NULL, nn = t->nnodes ? t->nnodes : 1;
	size_t nan;
	int rc = -ENOMEM;

	*out = (struct topo_expect_set){ 0 };
	c.dist = malloc(nn * sizeof(*c.dist));
	c.parent = malloc(nn * sizeof(*c.parent));
	c.width = malloc(nn * sizeof(*c.width));
	c.queue = malloc(nn * sizeof(*c.queue));
	orig = malloc(nn * sizeof(*orig));
	prev = malloc(nn * sizeof(*prev));
	an = announces(t, link_down, &nan);
	if (!c.dist || !c.parent || !c.width || !c.queue || !orig || !prev ||
	    !an)
		goto out;
	rc = sessions_build(&c);
	if (!rc)
		rc = limits_find(&c);
	while (!rc) {
		rc = pass(&c, an, nan, orig, prev);
		if (rc || !trip(&c))
			break;
		/* Without the sessions that tripped, from the start. */
		free(c.first);
		free(c.adj);
		c.first = c.adj = NULL;
		rc = sessions_build(&c);
	}
	if (!rc)
		rc = store(&c, out);
	if (!rc)
		rc = store_known(an, nan, out);
out:
	free(an);
	free(orig);
	free(prev);
	ctx_free(&c);
	if (rc)
		topo_expect_set_free(out);
	return rc;
}
