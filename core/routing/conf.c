/*
 * conf: what the configs of every daemon share (routing_conf.h): the
 * sessions and the kind of each port from the plan, and the placeholders
 * of a user's own config file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/routing/routing_conf.h"
#include "topo/topo.h"

static bool peer_of(const struct topo *t, uint32_t n, uint32_t m)
{
	const struct topo_routing *a = t->nodes[n].routing;
	const struct topo_routing *b = t->nodes[m].routing;

	if (!a || !b || n == m || a->proto != b->proto)
		return false;
	return a->proto != TOPO_PROTO_BGP || a->asn != b->asn;
}

size_t routing_peers(const struct topo *t, uint32_t n,
		     struct routing_peer *out, size_t max)
{
	const struct topo_node *node = &t->nodes[n];
	size_t k = 0;
	uint32_t i, j, s;

	for (i = 0; i < node->nports; i++) {
		uint32_t port = node->ports[i];

		s = t->ports[port].segment;
		if (s == TOPO_NONE)
			continue;
		for (j = 0; j < t->segments[s].nports; j++) {
			const struct topo_port *p =
				&t->ports[t->segments[s].ports[j]];

			if (!peer_of(t, n, p->node))
				continue;
			if (k < max)
				out[k] = (struct routing_peer){
					.addr = p->addr.ip,
					.asn = t->nodes[p->node].routing->asn,
					.node = p->node,
					.port = port,
				};
			k++;
		}
	}
	return k;
}

/* How many routers of n's protocol share the segment of port, n aside. */
static uint32_t segment_routers(const struct topo *t, uint32_t n,
				uint32_t port)
{
	uint32_t s = t->ports[port].segment, j, count = 0;

	if (s == TOPO_NONE)
		return 0;
	for (j = 0; j < t->segments[s].nports; j++)
		if (peer_of(t, n, t->ports[t->segments[s].ports[j]].node))
			count++;
	return count;
}

enum routing_port routing_port_kind(const struct topo *t, uint32_t n,
				    uint32_t port)
{
	uint32_t s = t->ports[port].segment;

	if (s == TOPO_NONE)
		return ROUTING_PORT_NONE;
	if (!segment_routers(t, n, port))
		return ROUTING_PORT_PASSIVE;
	return t->segments[s].domain == TOPO_NONE ? ROUTING_PORT_P2P :
						    ROUTING_PORT_SHARED;
}

/* ---- Placeholders ------------------------------------------------------ */

/* The port of router n named ifname, or TOPO_NONE. */
static uint32_t port_named(const struct topo *t, uint32_t n,
			   const char *ifname, size_t len)
{
	const struct topo_node *node = &t->nodes[n];
	uint32_t i;

	for (i = 0; i < node->nports; i++) {
		const char *name = t->ports[node->ports[i]].ifname;

		if (strlen(name) == len && !strncmp(name, ifname, len))
			return node->ports[i];
	}
	return TOPO_NONE;
}

/* Writes the value of placeholder key (len bytes) to f; -ENOENT when it
 * has none. */
static int value(FILE *f, const struct topo *t, uint32_t n, const char *key,
		 size_t len)
{
	const struct topo_routing *r = t->nodes[n].routing;
	const char *dot = memchr(key, '.', len), *field;
	const struct topo_port *peer;
	char ip[IP_STRLEN];
	uint32_t p;

#define IS(s) (strlen(s) == len && !strncmp(key, s, len))
	if (IS("name"))
		return fputs(t->nodes[n].name, f), 0;
	if (IS("asn") && r && r->proto == TOPO_PROTO_BGP)
		return fprintf(f, "%u", r->asn), 0;
	if (IS("router_id") && r)
		return fputs(ip_format(&(struct ip_prefix){ r->router_id, 32 },
				       false, ip), f),
		       0;
	if (IS("lo") && t->nodes[n].lo.ip)
		return fputs(ip_format(&t->nodes[n].lo, false, ip), f), 0;
#undef IS
	if (!dot)
		return -ENOENT;
	p = port_named(t, n, key, (size_t)(dot - key));
	if (p == TOPO_NONE)
		return -ENOENT;
	field = dot + 1;
	len -= (size_t)(field - key);
	peer = &t->ports[topo_peer_port(t, p)];
#define IS(s) (strlen(s) == len && !strncmp(field, s, len))
	if (IS("ip") && t->ports[p].addr.ip)
		return fputs(ip_format(&t->ports[p].addr, true, ip), f), 0;
	if (IS("addr") && t->ports[p].addr.ip)
		return fputs(ip_format(&t->ports[p].addr, false, ip), f), 0;
	if (IS("peer") && peer->addr.ip)
		return fputs(ip_format(&peer->addr, false, ip), f), 0;
	if (IS("peer_name"))
		return fputs(t->nodes[peer->node].name, f), 0;
	if (IS("peer_asn") && t->nodes[peer->node].routing &&
	    t->nodes[peer->node].routing->proto == TOPO_PROTO_BGP)
		return fprintf(f, "%u", t->nodes[peer->node].routing->asn), 0;
#undef IS
	return -ENOENT;
}

int routing_conf_template(const struct topo *t, uint32_t n,
			  const char *text, const char *file, char **out,
			  struct err *err)
{
	const char *p = text, *open, *close;
	int line = 1, rc = 0;
	size_t len;
	FILE *f;

	f = open_memstream(out, &len);
	if (!f)
		return -errno;
	while ((open = strstr(p, "{{"))) {
		const char *q;

		for (q = p; q < open; q++)
			line += *q == '\n';
		fwrite(p, 1, (size_t)(open - p), f);
		close = strstr(open + 2, "}}");
		if (!close) {
			rc = err_set(err, -EINVAL, "router %s: %s:%d: '{{' "
				     "without '}}'", t->nodes[n].name, file,
				     line);
			break;
		}
		if (value(f, t, n, open + 2, (size_t)(close - open - 2))) {
			rc = err_set(err, -EINVAL, "router %s: %s:%d: no "
				     "value for {{%.*s}} (names: name, asn, "
				     "router_id, lo, IF.ip, IF.addr, IF.peer, "
				     "IF.peer_asn, IF.peer_name)",
				     t->nodes[n].name, file, line,
				     (int)(close - open - 2), open + 2);
			break;
		}
		p = close + 2;
	}
	if (!rc)
		fputs(p, f);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

void routing_bgp_parts(const struct topo *t, uint32_t n,
		       struct routing_peer *peers, size_t *npeers,
		       struct ip_prefix *ann, size_t *nann)
{
	*npeers = routing_peers(t, n, peers, ROUTING_PEERS_MAX);
	if (*npeers > ROUTING_PEERS_MAX)
		*npeers = ROUTING_PEERS_MAX;
	*nann = topo_routing_announced(t, n, NULL, ann, ROUTING_ANNOUNCE_MAX);
	if (*nann > ROUTING_ANNOUNCE_MAX)
		*nann = ROUTING_ANNOUNCE_MAX;
}
