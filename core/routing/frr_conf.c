/*
 * frr_conf: router sessions from the plan, FRR's config for a router, and
 * the placeholders of a user's own config file (routing_conf.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/routing/routing_conf.h"
#include "topo/topo.h"

#define PEERS_MAX 512
#define ANNOUNCE_MAX 64

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

static bool segment_is_p2p(const struct topo *t, uint32_t port)
{
	uint32_t s = t->ports[port].segment;

	return s != TOPO_NONE && t->segments[s].domain == TOPO_NONE;
}

static void head(FILE *f, const struct topo *t, uint32_t n, const char *dir)
{
	fprintf(f, "! Written by lunet for router %s of emulation %s.\n"
		   "frr version 8.4\n"
		   "frr defaults datacenter\n"
		   "hostname %s\n"
		   "log file %s/frr.log informational\n"
		   "service integrated-vtysh-config\n"
		   "! Routes as plain multipath routes, not kernel nexthop\n"
		   "! objects: FRR 8.4 keeps a group's path that the kernel\n"
		   "! dropped when its link went down, and ECMP never heals.\n"
		   "no zebra nexthop kernel enable\n"
		   "!\n",
		t->nodes[n].name, t->name, t->nodes[n].name, dir);
}

/* A speaker's prefixes, as network statements.  Without import-check
 * BGP announces them with no route behind them: blackhole routes through
 * staticd took 4 s to load for 10,000 prefixes (and staticd 95 MB), the
 * network statements alone under a second. */
static void speaker_networks(FILE *f, const struct topo_routing *r)
{
	struct ip_prefix p;
	char ip[IP_STRLEN];
	uint32_t i;

	for (i = 0; i < r->nprefixes; i++) {
		p = topo_speaker_prefix(r, i);
		fprintf(f, "  network %s\n", ip_format(&p, true, ip));
	}
}

static void bgp(FILE *f, const struct topo *t, uint32_t n)
{
	const struct topo_routing *r = t->nodes[n].routing;
	struct routing_peer peers[PEERS_MAX];
	struct ip_prefix ann[ANNOUNCE_MAX];
	char ip[IP_STRLEN];
	size_t np, na, i;

	np = routing_peers(t, n, peers, PEERS_MAX);
	na = topo_routing_announced(t, n, NULL, ann, ANNOUNCE_MAX);
	if (np > PEERS_MAX)
		np = PEERS_MAX;
	if (na > ANNOUNCE_MAX)
		na = ANNOUNCE_MAX;
	fprintf(f, "router bgp %u\n", r->asn);
	fprintf(f, " bgp router-id %s\n",
		ip_format(&(struct ip_prefix){ r->router_id, 32 }, false, ip));
	fprintf(f, " no bgp ebgp-requires-policy\n");
	if (r->speaker)
		fprintf(f, " no bgp network import-check\n");
	fprintf(f, " bgp bestpath as-path multipath-relax\n");
	for (i = 0; i < np; i++) {
		ip_format(&(struct ip_prefix){ peers[i].addr, 32 }, false, ip);
		fprintf(f, " neighbor %s remote-as %u\n", ip, peers[i].asn);
		fprintf(f, " neighbor %s description %s\n", ip,
			t->nodes[peers[i].node].name);
		if (r->bfd)
			fprintf(f, " neighbor %s bfd\n", ip);
	}
	fprintf(f, " !\n address-family ipv4 unicast\n");
	for (i = 0; i < na; i++)
		fprintf(f, "  network %s\n", ip_format(&ann[i], true, ip));
	if (r->speaker)
		speaker_networks(f, r);
	for (i = 0; r->max_prefix && i < np; i++)
		if (t->nodes[peers[i].node].routing->speaker)
			fprintf(f, "  neighbor %s maximum-prefix %u\n",
				ip_format(&(struct ip_prefix){ peers[i].addr,
							       32 },
					  false, ip),
				r->max_prefix);
	fprintf(f, "  maximum-paths 64\n"
		   " exit-address-family\n"
		   "exit\n!\n");
}

static void ospf(FILE *f, const struct topo *t, uint32_t n)
{
	const struct topo_node *node = &t->nodes[n];
	const struct topo_routing *r = node->routing;
	char ip[IP_STRLEN];
	uint32_t i, port;

	fprintf(f, "interface lo\n ip ospf area 0\n ip ospf passive\nexit\n"
		   "!\n");
	for (i = 0; i < node->nports; i++) {
		port = node->ports[i];
		if (t->ports[port].segment == TOPO_NONE)
			continue;
		fprintf(f, "interface %s\n ip ospf area 0\n",
			t->ports[port].ifname);
		if (!segment_routers(t, n, port)) {
			fprintf(f, " ip ospf passive\n");
		} else {
			/* Seconds, not OSPF's 10 and 40: an emulated fabric
			 * should converge as fast as a tuned real one. */
			if (segment_is_p2p(t, port))
				fprintf(f, " ip ospf network "
					   "point-to-point\n");
			fprintf(f, " ip ospf hello-interval 1\n"
				   " ip ospf dead-interval 4\n");
		}
		if (r->bfd)
			fprintf(f, " ip ospf bfd\n");
		fprintf(f, "exit\n!\n");
	}
	fprintf(f, "router ospf\n ospf router-id %s\n"
		   " timers throttle spf 0 50 1000\n"
		   " timers throttle lsa all 0\n"
		   " timers lsa min-arrival 0\nexit\n!\n",
		ip_format(&(struct ip_prefix){ r->router_id, 32 }, false, ip));
}

int routing_conf_frr(const struct topo *t, uint32_t n, const char *dir,
		     char **out, struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	char *extra = NULL;
	size_t len;
	FILE *f;
	int rc;

	*out = NULL;
	if (!r)
		return err_set(err, -EINVAL, "node %s runs no routing",
			       t->nodes[n].name);
	if (r->extra) {
		rc = routing_conf_template(t, n, r->extra, "extra", &extra,
					   err);
		if (rc)
			return rc;
	}
	f = open_memstream(out, &len);
	if (!f) {
		free(extra);
		return err_set(err, -errno, "router %s: cannot write its "
			       "config: %s", t->nodes[n].name,
			       strerror(errno));
	}
	head(f, t, n, dir);
	if (r->proto == TOPO_PROTO_BGP)
		bgp(f, t, n);
	else
		ospf(f, t, n);
	if (extra)
		fprintf(f, "! extra, from the topology\n%s%s!\n", extra,
			extra[0] && extra[strlen(extra) - 1] == '\n' ? "" :
									"\n");
	fprintf(f, "end\n");
	free(extra);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return err_set(err, -ENOMEM, "out of memory");
	}
	return 0;
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
