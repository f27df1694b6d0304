/*
 * routing: which routers run FRR or BIRD, with what; and the plan's part:
 * ASNs and router ids for the routers that were given none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

static const char *const proto_names[] = { "static", "bgp", "ospf" };
static const char *const daemon_names[] = { "frr", "bird" };

const char *topo_proto_name(enum topo_proto p)
{
	return (unsigned)p < 3 ? proto_names[p] : "?";
}

int topo_proto_parse(const char *s, enum topo_proto *p)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (!strcmp(s, proto_names[i])) {
			*p = i;
			return 0;
		}
	return -EINVAL;
}

const char *topo_daemon_name(enum topo_daemon d)
{
	return (unsigned)d < 2 ? daemon_names[d] : "?";
}

int topo_daemon_parse(const char *s, enum topo_daemon *d)
{
	unsigned i;

	for (i = 0; i < 2; i++)
		if (!strcmp(s, daemon_names[i])) {
			*d = i;
			return 0;
		}
	return -EINVAL;
}

void topo_routing_free(struct topo_routing *r)
{
	if (!r)
		return;
	free(r->config);
	free(r->config_text);
	free(r->extra);
	free(r->prefixes);
	free(r);
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct ip_prefix *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

static int check_speaker(const struct topo *t, uint32_t n,
			 const struct topo_routing_opts *o, struct err *err)
{
	const char *name = t->nodes[n].name;

	if (o->proto != TOPO_PROTO_BGP)
		return err_set(err, -EINVAL, "speaker %s: speakers run BGP, "
			       "not %s", name, topo_proto_name(o->proto));
	/* Written for FRR only so far: bird_conf.c would announce none of
	 * its prefixes. */
	if (o->daemon != TOPO_DAEMON_FRR)
		return err_set(err, -EINVAL, "speaker %s: speakers need "
			       "daemon 'frr' (BIRD speakers are not written "
			       "yet)", name);
	if (o->config)
		return err_set(err, -EINVAL, "speaker %s: a speaker's config "
			       "is written from its prefixes: use extra, or "
			       "a router with config", name);
	if (!o->prefixes && o->nprefixes > TOPO_SPEAKER_MAX)
		return err_set(err, -ERANGE, "speaker %s: %u prefixes is more "
			       "than the %u /24s of 100.64.0.0/10; list them "
			       "instead", name, o->nprefixes, TOPO_SPEAKER_MAX);
	return 0;
}

/* A speaker's listed prefixes, sorted; one listed twice is refused. */
static int copy_prefixes(const struct topo *t, uint32_t n,
			 const struct topo_routing_opts *o,
			 struct topo_routing *r, struct err *err)
{
	char ip[IP_STRLEN];
	uint32_t i;

	r->nprefixes = o->nprefixes;
	if (!o->prefixes || !o->nprefixes)
		return 0;
	r->prefixes = malloc(o->nprefixes * sizeof(*r->prefixes));
	if (!r->prefixes)
		return err_set(err, -ENOMEM, "out of memory");
	memcpy(r->prefixes, o->prefixes, o->nprefixes * sizeof(*r->prefixes));
	qsort(r->prefixes, o->nprefixes, sizeof(*r->prefixes), prefix_cmp);
	for (i = 0; i < o->nprefixes; i++) {
		if (ip_network(&r->prefixes[i]) != r->prefixes[i].ip)
			return err_set(err, -EINVAL, "speaker %s: prefix %s "
				       "has bits set past its length",
				       t->nodes[n].name,
				       ip_format(&r->prefixes[i], true, ip));
		if (i && !prefix_cmp(&r->prefixes[i - 1], &r->prefixes[i]))
			return err_set(err, -EINVAL, "speaker %s: prefix %s "
				       "is listed twice", t->nodes[n].name,
				       ip_format(&r->prefixes[i], true, ip));
	}
	return 0;
}

static int check_opts(const struct topo *t, uint32_t n,
		      const struct topo_routing_opts *o, struct ip_prefix *id,
		      struct err *err)
{
	const char *name = t->nodes[n].name;

	if (t->nodes[n].kind != TOPO_ROUTER)
		return err_set(err, -EINVAL, "node %s: routing is for routers, "
			       "and %s is a %s", name, name,
			       topo_kind_name(t->nodes[n].kind));
	if ((unsigned)o->proto > TOPO_PROTO_OSPF ||
	    (unsigned)o->daemon > TOPO_DAEMON_BIRD)
		return err_set(err, -EINVAL, "router %s: unknown routing", name);
	if (o->asn && o->proto != TOPO_PROTO_BGP)
		return err_set(err, -EINVAL, "router %s: asn is for BGP, and "
			       "%s runs %s", name, name,
			       topo_proto_name(o->proto));
	if (o->asn == 23456)
		return err_set(err, -EINVAL, "router %s: asn 23456 is AS_TRANS "
			       "(RFC 6793), not an ASN to use", name);
	if (o->router_id && (ip_parse(o->router_id, 32, id) < 0 ||
			     id->plen != 32 || !id->ip))
		return err_set(err, -EINVAL, "router %s: router_id '%s' is not "
			       "an IPv4 address", name, o->router_id);
	if (o->config_text && !o->config)
		return err_set(err, -EINVAL, "router %s: a config's text "
			       "comes with the name of its file", name);
	if (o->unnumbered && (o->proto != TOPO_PROTO_BGP ||
			      o->daemon != TOPO_DAEMON_FRR))
		return err_set(err, -EINVAL, "router %s: unnumbered is for BGP "
			       "with daemon 'frr'", name);
	if (o->bfd && o->daemon != TOPO_DAEMON_FRR)
		return err_set(err, -EINVAL, "router %s: bfd needs daemon "
			       "'frr' (BIRD's BFD is not planned by lunet)",
			       name);
	if (o->max_prefix && o->proto != TOPO_PROTO_BGP)
		return err_set(err, -EINVAL, "router %s: max_prefix is for "
			       "BGP, and %s runs %s", name, name,
			       topo_proto_name(o->proto));
	if (o->max_prefix && o->daemon != TOPO_DAEMON_FRR)
		return err_set(err, -EINVAL, "router %s: max_prefix needs "
			       "daemon 'frr'", name);
	if (o->speaker)
		return check_speaker(t, n, o, err);
	return 0;
}

int topo_routing_set(struct topo *t, uint32_t n,
		     const struct topo_routing_opts *o, struct err *err)
{
	struct ip_prefix id = { 0 };
	struct topo_routing *r;
	int rc;

	rc = check_opts(t, n, o, &id, err);
	if (rc)
		return rc;
	topo_routing_free(t->nodes[n].routing);
	t->nodes[n].routing = NULL;
	t->planned = false;
	if (o->proto == TOPO_PROTO_STATIC)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(err, -ENOMEM, "out of memory");
	r->proto = o->proto;
	r->daemon = o->daemon;
	r->asn = o->asn;
	r->asn_set = o->asn != 0;
	r->router_id = id.ip;
	r->router_id_set = id.ip != 0;
	r->bfd = o->bfd;
	r->unnumbered = o->unnumbered;
	r->max_prefix = o->max_prefix;
	r->speaker = o->speaker;
	r->config = o->config ? strdup(o->config) : NULL;
	r->config_text = o->config_text ? strdup(o->config_text) : NULL;
	r->extra = o->extra ? strdup(o->extra) : NULL;
	if ((o->config && !r->config) || (o->extra && !r->extra) ||
	    (o->config_text && !r->config_text)) {
		topo_routing_free(r);
		return err_set(err, -ENOMEM, "out of memory");
	}
	rc = o->speaker ? copy_prefixes(t, n, o, r, err) : 0;
	if (rc) {
		topo_routing_free(r);
		return rc;
	}
	t->nodes[n].routing = r;
	return 0;
}

const struct topo_routing *topo_routing(const struct topo *t, uint32_t n)
{
	return t->nodes[n].routing;
}

bool topo_port_unnumbered(const struct topo *t, uint32_t p)
{
	const struct topo_routing *a = t->nodes[t->ports[p].node].routing;
	const struct topo_routing *b =
		t->nodes[t->ports[topo_peer_port(t, p)].node].routing;

	return a && b && a->unnumbered && b->unnumbered && a->asn != b->asn;
}

bool topo_segment_unnumbered(const struct topo *t, uint32_t s)
{
	const struct topo_segment *seg = &t->segments[s];

	return seg->domain == TOPO_NONE && seg->nports == 2 &&
	       !t->ports[seg->ports[0]].addr_set &&
	       !t->ports[seg->ports[1]].addr_set &&
	       topo_port_unnumbered(t, seg->ports[0]);
}

bool topo_has_daemons(const struct topo *t)
{
	uint32_t i;

	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].routing)
			return true;
	return false;
}

int topo_plan_asns(struct topo *t, struct err *err)
{
	uint32_t i, next = TOPO_ASN_AUTO_FIRST;
	struct topo_routing *r;

	/* A running network's ASNs are kept: new ones come after them. */
	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (r && r->asn_kept && r->asn >= next &&
		    r->asn <= TOPO_ASN_PRIVATE_LAST)
			next = r->asn + 1;
	}
	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (!r || r->proto != TOPO_PROTO_BGP || r->asn_set ||
		    r->asn_kept)
			continue;
		/* One ASN each, the RFC 7938 way for routers a generator did
		 * not place in a tier. */
		if (next > TOPO_ASN_PRIVATE_LAST)
			return err_set(err, -ERANGE, "router %s: out of private "
				       "ASNs", t->nodes[i].name);
		r->asn = next++;
	}
	return 0;
}

int topo_plan_routing(struct topo *t, struct err *err)
{
	struct topo_routing *r;
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (!r)
			continue;
		if (!r->router_id_set)
			r->router_id = t->nodes[i].lo.ip;
		if (!r->router_id)
			return err_set(err, -EINVAL, "router %s: no loopback "
				       "to take a router id from; give "
				       "router_id", t->nodes[i].name);
	}
	return topo_plan_speakers(t, err);
}

static bool segment_has_host(const struct topo *t, uint32_t s)
{
	const struct topo_segment *seg = &t->segments[s];
	uint32_t i;

	for (i = 0; i < seg->nports; i++)
		if (t->nodes[t->ports[seg->ports[i]].node].kind == TOPO_HOST)
			return true;
	return false;
}

size_t topo_routing_announced(const struct topo *t, uint32_t n,
			      const unsigned char *link_down,
			      struct ip_prefix *out, size_t max)
{
	const struct topo_node *node = &t->nodes[n];
	size_t k = 0;
	uint32_t i, j, s;

	if (node->lo.ip) {
		if (k < max)
			out[k] = node->lo;
		k++;
	}
	for (i = 0; i < node->nports; i++) {
		s = t->ports[node->ports[i]].segment;
		if (s == TOPO_NONE || !segment_has_host(t, s) ||
		    (link_down && link_down[t->ports[node->ports[i]].link]))
			continue;
		/* Two ports on one segment announce it once. */
		for (j = 0; j < i; j++)
			if (t->ports[node->ports[j]].segment == s)
				break;
		if (j < i)
			continue;
		if (k < max)
			out[k] = t->segments[s].subnet;
		k++;
	}
	return k;
}

const struct topo_expect *topo_expect_of(const struct topo_expect_set *s,
					 uint32_t n, uint32_t *n_out)
{
	*n_out = s->count ? s->count[n] : 0;
	return *n_out ? s->v + s->first[n] : NULL;
}

/* The routers router n speaks its protocol with: those of the same
 * protocol on its segments, for eBGP only those of another ASN (the
 * sessions core/routing/ configures). */
static uint32_t sessions(const struct topo *t, uint32_t n)
{
	const struct topo_routing *r = t->nodes[n].routing, *o;
	const struct topo_node *node = &t->nodes[n];
	uint32_t i, j, s, m, count = 0;

	for (i = 0; i < node->nports; i++) {
		s = t->ports[node->ports[i]].segment;
		if (s == TOPO_NONE)
			continue;
		for (j = 0; j < t->segments[s].nports; j++) {
			m = t->ports[t->segments[s].ports[j]].node;
			o = t->nodes[m].routing;
			if (m == n || !o || o->proto != r->proto ||
			    (r->proto == TOPO_PROTO_BGP && o->asn == r->asn))
				continue;
			count++;
		}
	}
	return count;
}

void topo_routing_load(const struct topo *t, struct topo_routing_load *out)
{
	topo_routing_load_part(t, NULL, out);
}

void topo_routing_load_part(const struct topo *t, const unsigned char *mine,
			    struct topo_routing_load *out)
{
	const struct topo_routing *r;
	uint32_t i, k;

	*out = (struct topo_routing_load){ .busiest = TOPO_NONE };
	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (!r)
			continue;
		/* What every router may learn: the whole fabric's. */
		out->prefixes += topo_routing_announced(t, i, NULL, NULL, 0);
		if (r->speaker)
			out->speaker_prefixes += r->nprefixes;
		if (mine && !mine[i])
			continue;
		if (r->daemon == TOPO_DAEMON_BIRD)
			out->bird++;
		else if (r->proto == TOPO_PROTO_BGP)
			out->frr_bgp++;
		else
			out->frr_ospf++;
		if (r->daemon == TOPO_DAEMON_FRR)
			out->frr_extra += (r->config || r->extra) + r->bfd;
		k = sessions(t, i);
		out->sessions += k;
		if (r->daemon == TOPO_DAEMON_FRR && k > out->max_sessions) {
			out->max_sessions = k;
			out->busiest = i;
		}
	}
}
