/*
 * bird_conf: BIRD 2's config (bird.conf) for a router, written from the
 * plan (routing_conf.h), with the same meaning as FRR's:
 *
 *   - BGP: "protocol direct" takes in the router's loopback and host
 *     subnets and nothing else, so those are what it announces (not the
 *     router links); one session per peer from a template with the short
 *     timers of FRR's datacenter defaults; the kernel gets what BGP
 *     learned.  BIRD has no "multipath-relax" to ask for: it merges routes
 *     whose AS paths are as long, whatever ASNs they hold, so "merge
 *     paths" in the kernel protocol is what makes the ECMP routes.
 *   - OSPF: area 0 on the loopback (stub) and every port, hellos every
 *     second and neighbours dead after 4, not OSPF's 10 and 40: an
 *     emulated fabric should converge as fast as a tuned real one (BIRD
 *     computes routes on its 1 s tick).  The direct routes are there too,
 *     so that the connected subnets OSPF also computes lose to them
 *     (preference 240 against 150) and never reach the kernel twice.
 *
 * Protocols are named after the peer (quoted, so that any node name is a
 * symbol), or peer:ifname when that name is taken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/routing/routing_conf.h"
#include "topo/topo.h"

#define ECMP_LIMIT 64 /* FRR's maximum-paths */

/* The names this config gives its own protocols and template. */
static const char *const reserved[] = { "device1", "direct1", "kernel1",
					"ospf1", "peers" };

static void head(FILE *f, const struct topo *t, uint32_t n, const char *dir)
{
	const struct topo_routing *r = t->nodes[n].routing;
	char ip[IP_STRLEN];

	fprintf(f, "# Written by lunet for router %s of emulation %s.\n"
		   "log \"%s/bird.log\" all;\n"
		   "debug protocols { states };\n"
		   "router id %s;\n\n"
		   "protocol device device1 {\n}\n\n",
		t->nodes[n].name, t->name, dir,
		ip_format(&(struct ip_prefix){ r->router_id, 32 }, false, ip));
}

/* The kernel's main table gets the routes of the sources in "sources",
 * merged into multipath routes when merge is set. */
static void kernel(FILE *f, const char *sources, bool merge)
{
	fprintf(f, "protocol kernel kernel1 {\n"
		   "\tipv4 {\n"
		   "\t\texport where source ~ [ %s ];\n"
		   "\t};\n",
		sources);
	if (merge)
		fprintf(f, "\tmerge paths on limit %d;\n", ECMP_LIMIT);
	fprintf(f, "}\n\n");
}

static bool name_taken(const struct topo *t, const struct routing_peer *p,
		       size_t i)
{
	const char *name = t->nodes[p[i].node].name;
	size_t k;

	for (k = 0; k < sizeof(reserved) / sizeof(reserved[0]); k++)
		if (!strcmp(name, reserved[k]))
			return true;
	for (k = 0; k < i; k++)
		if (p[k].node == p[i].node)
			return true;
	return false;
}

static void bgp(FILE *f, const struct topo *t, uint32_t n)
{
	const struct topo_routing *r = t->nodes[n].routing;
	struct routing_peer peers[ROUTING_PEERS_MAX];
	struct ip_prefix ann[ROUTING_ANNOUNCE_MAX];
	char ip[IP_STRLEN];
	size_t np, na, i;

	routing_bgp_parts(t, n, peers, &np, ann, &na);
	fprintf(f, "protocol direct direct1 {\n\tipv4 {\n");
	if (!na)
		fprintf(f, "\t\timport none;\n");
	for (i = 0; i < na; i++)
		fprintf(f, "%s%s%s", i ? ", " : "\t\timport where net ~ [ ",
			ip_format(&ann[i], true, ip),
			i + 1 == na ? " ];\n" : "");
	fprintf(f, "\t};\n}\n\n");
	kernel(f, "RTS_BGP", true);
	fprintf(f, "template bgp peers {\n"
		   "\tlocal as %u;\n"
		   "\thold time 9;\n"
		   "\tkeepalive time 3;\n"
		   "\tconnect delay time 1;\n"
		   "\tconnect retry time 5;\n"
		   "\terror wait time 1, 10;\n"
		   "\tipv4 {\n"
		   "\t\timport all;\n"
		   "\t\texport where source ~ [ RTS_DEVICE, RTS_BGP ];\n"
		   "\t};\n"
		   "}\n\n",
		r->asn);
	for (i = 0; i < np; i++) {
		const char *peer = t->nodes[peers[i].node].name;

		fprintf(f, "protocol bgp '%s", peer);
		if (name_taken(t, peers, i))
			fprintf(f, ":%s", t->ports[peers[i].port].ifname);
		fprintf(f, "' from peers {\n"
			   "\tneighbor %s as %u;\n"
			   "}\n\n",
			ip_format(&(struct ip_prefix){ peers[i].addr, 32 },
				  false, ip),
			peers[i].asn);
	}
}

static void ospf(FILE *f, const struct topo *t, uint32_t n)
{
	const struct topo_node *node = &t->nodes[n];
	enum routing_port kind;
	uint32_t i, port;

	fprintf(f, "protocol direct direct1 {\n\tipv4;\n}\n\n");
	kernel(f, "RTS_OSPF, RTS_OSPF_IA", false);
	fprintf(f, "protocol ospf v2 ospf1 {\n"
		   "\tecmp yes limit %d;\n"
		   "\tipv4 {\n"
		   "\t\timport all;\n"
		   "\t\texport none;\n"
		   "\t};\n"
		   "\tarea 0 {\n"
		   "\t\tinterface \"lo\" { stub yes; };\n",
		ECMP_LIMIT);
	for (i = 0; i < node->nports; i++) {
		port = node->ports[i];
		kind = routing_port_kind(t, n, port);
		if (kind == ROUTING_PORT_NONE)
			continue;
		fprintf(f, "\t\tinterface \"%s\" { ", t->ports[port].ifname);
		if (kind == ROUTING_PORT_PASSIVE)
			fprintf(f, "stub yes; };\n");
		else
			fprintf(f, "%shello 1; dead 4; };\n",
				kind == ROUTING_PORT_P2P ? "type ptp; " : "");
	}
	fprintf(f, "\t};\n}\n\n");
}

int routing_conf_bird(const struct topo *t, uint32_t n, const char *dir,
		      char **out)
{
	const struct topo_routing *r = t->nodes[n].routing;
	size_t len;
	FILE *f;

	if (!r)
		return -EINVAL;
	f = open_memstream(out, &len);
	if (!f)
		return -errno;
	head(f, t, n, dir);
	if (r->proto == TOPO_PROTO_BGP)
		bgp(f, t, n);
	else
		ospf(f, t, n);
	if (r->extra)
		fprintf(f, "# extra, from the topology\n%s%s", r->extra,
			r->extra[0] && r->extra[strlen(r->extra) - 1] == '\n' ?
				"" : "\n");
	if (fclose(f))
		return -ENOMEM;
	return 0;
}
