/*
 * routing_conf: the configs of routing daemons, written from the plan.
 * Pure: text into a buffer, unit-tested against expected configs.
 *
 *   - BGP: eBGP to every BGP router sharing a segment (its ASN from the
 *     plan: RFC 7938 tiers from the generators), the router's loopback and
 *     host subnets announced, paths of one length merged whatever ASNs
 *     they cross, up to 64 (FRR: "as-path multipath-relax", BIRD: "merge
 *     paths"), so that ECMP is what the static plan would give; a
 *     speaker's prefixes besides, and maximum-prefix on sessions with
 *     speakers where the router has max_prefix;
 *   - OSPF: area 0 on every port and the loopback, point-to-point where a
 *     segment holds two routers, passive (BIRD: stub) where it holds no
 *     other router.
 *
 * A user's own config file is used instead, with {{placeholders}} filled
 * from the plan (routing_conf_template()).
 */
#ifndef LUNET_ROUTING_CONF_H
#define LUNET_ROUTING_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"
#include "topo/ip.h"

struct topo;

/* A session of router n: the peer's address on the segment they share,
 * its ASN, its node, and n's port there. */
struct routing_peer {
	uint32_t addr; /* host byte order */
	uint32_t asn;
	uint32_t node;
	uint32_t port; /* n's port (into topo->ports) */
};

/* What a BGP config is written from: router n's sessions and the
 * prefixes it announces, into arrays of ROUTING_PEERS_MAX and
 * ROUTING_ANNOUNCE_MAX, their counts clamped to them (topo/expect.c
 * expects no more than ROUTING_ANNOUNCE_MAX announced either). */
#define ROUTING_PEERS_MAX 512
#define ROUTING_ANNOUNCE_MAX 64
void routing_bgp_parts(const struct topo *t, uint32_t n,
		       struct routing_peer *peers, size_t *npeers,
		       struct ip_prefix *ann, size_t *nann);

/* The sessions of router n, up to max into out; returns how many. */
size_t routing_peers(const struct topo *t, uint32_t n,
		     struct routing_peer *out, size_t max);

/* What a port of router n is to its protocol: on no L3 segment (a
 * switch port), on one with no other router of n's protocol (passive:
 * announced, no hellos or sessions), on a link to one other router, or on
 * a switched segment that may hold several. */
enum routing_port {
	ROUTING_PORT_NONE,
	ROUTING_PORT_PASSIVE,
	ROUTING_PORT_P2P,
	ROUTING_PORT_SHARED,
};
enum routing_port routing_port_kind(const struct topo *t, uint32_t n,
				    uint32_t port);

/* FRR's integrated config (frr.conf) for router n, malloc'd in *out.
 * dir is the router's run directory (for the log).  The router's extra
 * lines take the placeholders of routing_conf_template() (an unknown one
 * is an error naming "extra:LINE").  A speaker announces its prefixes
 * with network statements.  Returns 0 or -errno with err set. */
int routing_conf_frr(const struct topo *t, uint32_t n, const char *dir,
		     char **out, struct err *err);

/* The part of that config daemon ("zebra", "bgpd", "ospfd", "staticd",
 * "bfdd") takes, for it to read itself with -f: the same head, and the
 * protocol's lines for the protocol's daemon only.  The extra lines of
 * the topology are left out (which daemon takes them is vtysh's to
 * say).  NULL: the whole of it, as routing_conf_frr(). */
int routing_conf_frr_daemon(const struct topo *t, uint32_t n,
			    const char *dir, const char *daemon, char **out,
			    struct err *err);

/* BIRD 2's config (bird.conf) for router n, malloc'd in *out. */
int routing_conf_bird(const struct topo *t, uint32_t n, const char *dir,
		      char **out);

/* text with every {{name}} replaced by router n's value, malloc'd in
 * *out: {{name}}, {{asn}}, {{router_id}}, {{lo}} (the loopback, no
 * length), {{IF.ip}} (an interface's address with its length),
 * {{IF.addr}} (without), {{IF.peer}} (the address at the link's other
 * end), {{IF.peer_asn}}, {{IF.peer_name}}.  An unknown name is an error
 * naming it (and file, for the sentence). */
int routing_conf_template(const struct topo *t, uint32_t n,
			  const char *text, const char *file, char **out,
			  struct err *err);

#endif
