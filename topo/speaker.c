/*
 * speaker: the prefixes of the BGP speakers that stand in for the world
 * outside the fabric (net:speaker), placed and checked by the plan.
 *
 * A speaker either lists its prefixes or asks for a count; counted ones
 * are consecutive /24s of 100.64.0.0/10, handed out in node order so that
 * the same file always gives the same prefixes and no two speakers share
 * one.  Every prefix is checked against the plan's own subnets and
 * loopbacks, since a route to a speaker's prefix that is also a rack's
 * subnet would make both unreachable in ways that are hard to see.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "topo/topo.h"

struct ip_prefix topo_speaker_prefix(const struct topo_routing *r,
				     uint32_t i)
{
	uint32_t step = 1u << (32 - TOPO_SPEAKER_PLEN);

	if (r->prefixes)
		return r->prefixes[i];
	return (struct ip_prefix){ TOPO_SPEAKER_BASE + (r->gen_first + i) *
						       step,
				   TOPO_SPEAKER_PLEN };
}

/* An address range of the plan's, and what it belongs to. */
struct range {
	uint32_t lo, hi;
	uint32_t maxhi; /* the highest hi of this range and those before */
	uint32_t segment; /* TOPO_NONE: the loopback of node */
	uint32_t node;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct range range_of(const struct ip_prefix *p)
{
	uint32_t lo = ip_network(p);

	return (struct range){ lo, lo | ~ip_mask(p->plen), 0, TOPO_NONE, 0 };
}

/* Every subnet and loopback of the plan, sorted by first address. */
static struct range *plan_ranges(const struct topo *t, size_t *n)
{
	struct range *v;
	uint32_t i;

	v = malloc((t->nsegments + t->nnodes + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*n = 0;
	for (i = 0; i < t->nsegments; i++) {
		if (!t->segments[i].subnet.plen)
			continue;
		v[*n] = range_of(&t->segments[i].subnet);
		v[(*n)++].segment = i;
	}
	for (i = 0; i < t->nnodes; i++) {
		if (!t->nodes[i].lo.ip)
			continue;
		v[*n] = range_of(&t->nodes[i].lo);
		v[(*n)++].node = i;
	}
	qsort(v, *n, sizeof(*v), range_cmp);
	for (i = 0; i < *n; i++)
		v[i].maxhi = i && v[i - 1].maxhi > v[i].hi ? v[i - 1].maxhi :
							     v[i].hi;
	return v;
}

/* The first range of v (n of them, sorted) that overlaps [lo, hi], or
 * NULL.  maxhi grows with the index: the first range whose maxhi reaches
 * lo is the first that ends at or after lo (those before all end before
 * it), and it overlaps unless it starts past hi, in which case every
 * later one does too. */
static const struct range *overlap(const struct range *v, size_t n,
				   uint32_t lo, uint32_t hi)
{
	size_t a = 0, b = n, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (v[m].maxhi < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < n && v[a].lo <= hi ? &v[a] : NULL;
}

/* "speaker isp (demo.lua:12)", for the sentences below. */
static const char *who(const struct topo *t, uint32_t n, char *buf,
		       size_t size)
{
	char w[TOPO_DESCSIZ];

	snprintf(buf, size, "speaker %s%s", t->nodes[n].name,
		 topo_where(&t->nodes[n].where, w, sizeof(w)));
	return buf;
}

static int overlap_err(const struct topo *t, uint32_t n,
		       const struct ip_prefix *p, const struct range *r,
		       struct err *err)
{
	char ip[IP_STRLEN], what[TOPO_DESCSIZ], sp[TOPO_DESCSIZ];

	who(t, n, sp, sizeof(sp));
	if (r->segment != TOPO_NONE) {
		const struct topo_segment *s = &t->segments[r->segment];

		topo_link_describe(t, t->ports[s->ports[0]].link, what,
				   sizeof(what));
		return err_set(err, -EINVAL, "%s: prefix %s overlaps the "
			       "subnet of %s", sp, ip_format(p, true, ip),
			       what);
	}
	return err_set(err, -EINVAL, "%s: prefix %s overlaps the loopback "
		       "of %s %s", sp, ip_format(p, true, ip),
		       topo_kind_name(t->nodes[r->node].kind),
		       t->nodes[r->node].name);
}

/* Speaker n's prefixes against the plan's ranges. */
static int check_prefixes(const struct topo *t, uint32_t n,
			  const struct range *v, size_t nv, struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	const struct range *hit;
	struct ip_prefix p, last;
	uint32_t i;

	if (!r->nprefixes)
		return 0;
	if (!r->prefixes) {
		/* Consecutive /24s: one range from the first to the last. */
		p = topo_speaker_prefix(r, 0);
		last = topo_speaker_prefix(r, r->nprefixes - 1);
		hit = overlap(v, nv, p.ip, range_of(&last).hi);
		if (hit) {
			/* Name the /24 it falls in. */
			p.ip = (hit->lo > p.ip ? hit->lo : p.ip) &
			       ip_mask(TOPO_SPEAKER_PLEN);
			return overlap_err(t, n, &p, hit, err);
		}
		return 0;
	}
	for (i = 0; i < r->nprefixes; i++) {
		struct range q = range_of(&r->prefixes[i]);

		hit = overlap(v, nv, q.lo, q.hi);
		if (hit)
			return overlap_err(t, n, &r->prefixes[i], hit, err);
	}
	return 0;
}

/* Speaker n has a BGP session, and every router on its segments is one
 * it peers with: a router that does not run BGP, or shares its ASN
 * (lunet plans no iBGP), would never hear its prefixes. */
static int check_sessions(const struct topo *t, uint32_t n, struct err *err)
{
	const struct topo_node *node = &t->nodes[n];
	uint32_t asn = node->routing->asn, i, j, sessions = 0;
	char sp[TOPO_DESCSIZ];

	for (i = 0; i < node->nports; i++) {
		uint32_t s = t->ports[node->ports[i]].segment;

		if (s == TOPO_NONE)
			continue;
		for (j = 0; j < t->segments[s].nports; j++) {
			uint32_t m = t->ports[t->segments[s].ports[j]].node;
			const struct topo_routing *r = t->nodes[m].routing;

			if (m == n || t->nodes[m].kind != TOPO_ROUTER)
				continue;
			if (!r || r->proto != TOPO_PROTO_BGP)
				return err_set(err, -EINVAL, "%s: router %s, "
					       "which it links to, does not "
					       "run BGP, so it would not hear "
					       "the speaker's prefixes",
					       who(t, n, sp, sizeof(sp)),
					       t->nodes[m].name);
			if (r->asn == asn)
				return err_set(err, -EINVAL, "%s: its ASN %u "
					       "is that of router %s, which "
					       "it links to (lunet plans no "
					       "iBGP): give it another",
					       who(t, n, sp, sizeof(sp)), asn,
					       t->nodes[m].name);
			sessions++;
		}
	}
	if (!sessions)
		return err_set(err, -EINVAL, "%s: no router to announce to: "
			       "link it to a router that runs BGP",
			       who(t, n, sp, sizeof(sp)));
	return 0;
}

int topo_plan_speakers(struct topo *t, struct err *err)
{
	char sp[TOPO_DESCSIZ];
	struct topo_routing *r;
	struct range *v = NULL;
	uint32_t i, next = 0;
	size_t nv = 0;
	int rc = 0;

	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (!r || !r->speaker || r->prefixes)
			continue;
		if (r->nprefixes > TOPO_SPEAKER_MAX - next)
			return err_set(err, -ERANGE, "%s: the speakers ask "
				       "for more than the %u /24s of "
				       "100.64.0.0/10 in all; list the "
				       "prefixes of some instead",
				       who(t, i, sp, sizeof(sp)),
				       TOPO_SPEAKER_MAX);
		r->gen_first = next;
		next += r->nprefixes;
	}
	for (i = 0; i < t->nnodes && !rc; i++) {
		r = t->nodes[i].routing;
		if (!r || !r->speaker)
			continue;
		if (!v) {
			v = plan_ranges(t, &nv);
			if (!v)
				return err_set(err, -ENOMEM, "out of memory");
		}
		rc = check_prefixes(t, i, v, nv, err);
		if (!rc)
			rc = check_sessions(t, i, err);
	}
	free(v);
	return rc;
}
