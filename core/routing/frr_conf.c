/*
 * frr_conf: FRR's integrated config (frr.conf) for a router, written from
 * the plan (routing_conf.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/routing/routing_conf.h"
#include "topo/topo.h"


/* What every file starts with; daemon is NULL for the integrated file,
 * which names itself to vtysh, else the daemon whose part it is. */
static void head(FILE *f, const struct topo *t, uint32_t n, const char *dir,
		 const char *daemon)
{
	fprintf(f, "! Written by lunet for router %s of emulation %s.\n",
		t->nodes[n].name, t->name);
	if (daemon)
		fprintf(f, "! %s's part of frr.conf, read by %s itself.\n",
			daemon, daemon);
	fprintf(f, "frr version 8.4\n"
		   "frr defaults datacenter\n"
		   "hostname %s\n"
		   "log file %s/frr.log informational\n",
		t->nodes[n].name, dir);
	if (!daemon)
		fprintf(f, "service integrated-vtysh-config\n");
	if (!daemon || !strcmp(daemon, "zebra"))
		fprintf(f, "! Routes as plain multipath routes, not kernel "
			   "nexthop\n"
			   "! objects: FRR 8.4 keeps a group's path that the "
			   "kernel\n"
			   "! dropped when its link went down, and ECMP never "
			   "heals.\n"
			   "no zebra nexthop kernel enable\n"
			   "! Route changes batched for 200 ms, not 10: as a "
			   "fabric\n"
			   "! comes up, a route changes many times over.\n"
			   "zebra work-queue 200\n");
	fprintf(f, "!\n");
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
	struct routing_peer peers[ROUTING_PEERS_MAX];
	struct ip_prefix ann[ROUTING_ANNOUNCE_MAX];
	char ip[IP_STRLEN];
	size_t np, na, i;

	routing_bgp_parts(t, n, peers, &np, ann, &na);
	fprintf(f, "router bgp %u\n", r->asn);
	fprintf(f, " bgp router-id %s\n",
		ip_format(&(struct ip_prefix){ r->router_id, 32 }, false, ip));
	fprintf(f, " no bgp ebgp-requires-policy\n");
	if (r->speaker)
		fprintf(f, " no bgp network import-check\n");
	fprintf(f, " bgp bestpath as-path multipath-relax\n");
	for (i = 0; i < np; i++) {
		const char *name = t->nodes[peers[i].node].name;

		if (topo_port_unnumbered(t, peers[i].port)) {
			/* RFC 5549: the session over the port's IPv6
			 * link-local address, IPv4 routes with IPv6 next
			 * hops. */
			const char *ifn = t->ports[peers[i].port].ifname;

			fprintf(f, " neighbor %s interface remote-as %u\n",
				ifn, peers[i].asn);
			fprintf(f, " neighbor %s description %s\n", ifn, name);
			if (r->bfd)
				fprintf(f, " neighbor %s bfd\n", ifn);
			continue;
		}
		ip_format(&(struct ip_prefix){ peers[i].addr, 32 }, false, ip);
		fprintf(f, " neighbor %s remote-as %u\n", ip, peers[i].asn);
		fprintf(f, " neighbor %s description %s\n", ip, name);
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
	enum routing_port kind;
	char ip[IP_STRLEN];
	uint32_t i, port;

	fprintf(f, "interface lo\n ip ospf area 0\n ip ospf passive\nexit\n"
		   "!\n");
	for (i = 0; i < node->nports; i++) {
		port = node->ports[i];
		kind = routing_port_kind(t, n, port);
		if (kind == ROUTING_PORT_NONE)
			continue;
		fprintf(f, "interface %s\n ip ospf area 0\n",
			t->ports[port].ifname);
		if (kind == ROUTING_PORT_PASSIVE) {
			fprintf(f, " ip ospf passive\n");
		} else {
			/* Seconds, not OSPF's 10 and 40: an emulated fabric
			 * should converge as fast as a tuned real one. */
			if (kind == ROUTING_PORT_P2P)
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
	return routing_conf_frr_daemon(t, n, dir, NULL, out, err);
}

int routing_conf_frr_daemon(const struct topo *t, uint32_t n,
			    const char *dir, const char *daemon, char **out,
			    struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	const char *proto;
	char *extra = NULL;
	size_t len;
	FILE *f;
	int rc;

	*out = NULL;
	if (!r)
		return err_set(err, -EINVAL, "node %s runs no routing",
			       t->nodes[n].name);
	proto = r->proto == TOPO_PROTO_BGP ? "bgpd" : "ospfd";
	if (r->extra && !daemon) {
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
	head(f, t, n, dir, daemon);
	/* The head is all of zebra's, staticd's and bfdd's part. */
	if (daemon && strcmp(daemon, proto))
		proto = NULL;
	if (proto && r->proto == TOPO_PROTO_BGP)
		bgp(f, t, n);
	else if (proto)
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
