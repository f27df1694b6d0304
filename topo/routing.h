/*
 * routing: routers that run real routing software (FRR or BIRD) instead
 * of the static routes lunet plans.
 *
 * The model says which protocol and daemon a router runs and with which
 * settings (ASN, router id, the user's own config); the plan fills what is
 * left (an ASN for every BGP router without one, router ids from the
 * loopbacks) and says what each router's FIB should hold once the
 * protocols have converged (topo/expect.c), so that a wait for
 * convergence can compare the kernel's FIB with it.  Pure: no system
 * calls.  The daemons themselves are core/routing/'s.
 */
#ifndef LUNET_TOPO_ROUTING_H
#define LUNET_TOPO_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"
#include "topo/ip.h"

struct topo;

enum topo_proto {
	TOPO_PROTO_STATIC, /* lunet's own routes (no daemon) */
	TOPO_PROTO_BGP,    /* eBGP on every link to another BGP router */
	TOPO_PROTO_OSPF,   /* OSPFv2, area 0, point-to-point router links */
};

enum topo_daemon {
	TOPO_DAEMON_FRR,
	TOPO_DAEMON_BIRD,
};

/* The private 4-byte ASNs of RFC 6996, which RFC 7938 fabrics use. */
#define TOPO_ASN_PRIVATE_FIRST 4200000000u
#define TOPO_ASN_PRIVATE_LAST 4294967294u
/* Where the plan numbers BGP routers that were given no ASN: one each. */
#define TOPO_ASN_AUTO_FIRST 4210000000u

/*
 * Speakers (CrystalNet's boundary devices) are BGP routers that stand in
 * for the world outside the fabric, announcing prefixes that no plan of
 * lunet's holds.  A speaker given a count of prefixes announces that many
 * consecutive /24s of 100.64.0.0/10 (RFC 6598's shared address space,
 * outside the plan's 10.0.0.0/8), the speakers of a topology taking theirs
 * in node order: 16,384 in all.  Nothing answers at those addresses.
 */
#define TOPO_SPEAKER_BASE 0x64400000u /* 100.64.0.0 */
#define TOPO_SPEAKER_BASE_PLEN 10
#define TOPO_SPEAKER_PLEN 24
#define TOPO_SPEAKER_MAX (1u << (TOPO_SPEAKER_PLEN - TOPO_SPEAKER_BASE_PLEN))

/* A router's routing, as the user (or a generator) asked for it. */
struct topo_routing_opts {
	enum topo_proto proto;
	enum topo_daemon daemon;
	uint32_t asn;        /* BGP; 0: planned */
	const char *router_id; /* "10.255.0.1"; NULL: the loopback */
	const char *config;  /* a config file of the user's, used whole */
	const char *config_text; /* config's contents, when already read
				  * (a model from another machine,
				  * topo/serial.h); NULL: read at start */
	const char *extra;   /* lines added to the generated config, with
			      * routing_conf_template()'s placeholders */
	bool bfd;            /* BFD on every session (FRR: bfdd) */
	bool unnumbered;     /* BGP over IPv6 link-local (RFC 5549; FRR) */
	uint32_t max_prefix; /* BGP: the most prefixes a session with a
			      * speaker may bring (0: no limit) */
	/* A speaker (BGP only): the prefixes it announces, either listed
	 * (nprefixes of them at prefixes, copied) or, with prefixes NULL,
	 * nprefixes generated ones. */
	bool speaker;
	const struct ip_prefix *prefixes;
	uint32_t nprefixes;
};

/* What a router runs, kept by the topo (copied strings, owned). */
struct topo_routing {
	enum topo_proto proto;
	enum topo_daemon daemon;
	uint32_t asn;
	bool asn_set;        /* given, not planned */
	bool asn_kept;       /* planned for a running network, kept
			      * (topo_keep_plan()) */
	uint32_t router_id;  /* host byte order; 0 until planned */
	bool router_id_set;
	char *config;        /* the path, which names it in sentences */
	char *config_text;   /* its contents once read (NULL: not yet):
			      * routing_config_read() on the machine that
			      * has the file, so that a model sent to
			      * another (topo/serial.h) carries them */
	char *extra;
	bool bfd;
	bool unnumbered;
	uint32_t max_prefix;
	bool speaker;
	struct ip_prefix *prefixes; /* listed (owned), or NULL: generated */
	uint32_t nprefixes;
	uint32_t gen_first;  /* generated: the first one's /24 in 100.64.0.0/10;
			      * planned */
};

/* One prefix a routed router's FIB should hold, and with how many next
 * hops (the paths that tie). */
struct topo_expect {
	struct ip_prefix dst;
	uint32_t width;
};

const char *topo_proto_name(enum topo_proto p);
int topo_proto_parse(const char *s, enum topo_proto *p);
const char *topo_daemon_name(enum topo_daemon d);
int topo_daemon_parse(const char *s, enum topo_daemon *d);

/* Makes router n run o (a proto of TOPO_PROTO_STATIC takes routing away).
 * Returns 0, or -EINVAL for a node that is not a router or a bad setting,
 * with err naming the node. */
int topo_routing_set(struct topo *t, uint32_t n,
		     const struct topo_routing_opts *o, struct err *err);

void topo_routing_free(struct topo_routing *r);

/* The routing of node n, or NULL when it has none (static routes). */
const struct topo_routing *topo_routing(const struct topo *t, uint32_t n);

/* Whether port p is one end of a link between two routers that both peer
 * unnumbered: its session runs over IPv6 link-local, so the port keeps
 * IPv6 (lunet turns it off everywhere else).  Needs the ASNs planned
 * (topo_plan_asns()): two routers of one ASN have no session. */
bool topo_port_unnumbered(const struct topo *t, uint32_t p);

/* Whether segment s is such a link, with no address given on either end:
 * the plan gives it no IPv4 subnet and its ports no IPv4 address, and
 * BGP carries IPv4 over it with IPv6 next hops (RFC 5549).  A link the
 * user addressed keeps its addresses (and its session over IPv6). */
bool topo_segment_unnumbered(const struct topo *t, uint32_t s);

/* Whether some router of t runs a daemon. */
bool topo_has_daemons(const struct topo *t);

/* What the daemons of t's routers will take, counted from the plan for
 * the checks made before a build (core/sys/limits.c). */
struct topo_routing_load {
	uint32_t frr_bgp, frr_ospf, bird; /* routers, by what they run */
	uint32_t frr_extra; /* FRR's staticd and bfdd, beyond zebra and the
			     * protocol's daemon */
	uint32_t prefixes;  /* announced in t: each routed router may hold
			     * them all ... */
	uint32_t speaker_prefixes; /* ... and those of the speakers */
	uint64_t sessions;  /* BGP sessions and OSPF neighbours, counted at
			     * both ends */
	uint32_t max_sessions; /* the most of one FRR router ... */
	uint32_t busiest;      /* ... that router, or TOPO_NONE */
};

/* Fills out for t, which must be planned (ASNs and addresses). */
void topo_routing_load(const struct topo *t, struct topo_routing_load *out);
/* The same for the routers marked in mine (per node; NULL: all), the
 * prefixes still counted over every router. */
void topo_routing_load_part(const struct topo *t, const unsigned char *mine,
			    struct topo_routing_load *out);

/* Steps of topo_plan(): ASNs for BGP routers that lack them, before the
 * addresses (whether a link is unnumbered depends on its ends' ASNs);
 * then, after the addresses, router ids (from loopbacks) and speakers. */
int topo_plan_asns(struct topo *t, struct err *err);
int topo_plan_routing(struct topo *t, struct err *err);

/* The prefixes router n announces: its loopback and the subnets of its
 * segments that have a host on them, but for ports whose link is down in
 * link_down (NULL: none is).  Writes up to max into out and returns how
 * many there are.  A speaker announces its own prefixes besides
 * (topo_speaker_prefix()). */
size_t topo_routing_announced(const struct topo *t, uint32_t n,
			      const unsigned char *link_down,
			      struct ip_prefix *out, size_t max);

/* Prefix i (below r->nprefixes) of speaker r; planned for a generated
 * one (topo/speaker.c). */
struct ip_prefix topo_speaker_prefix(const struct topo_routing *r,
				     uint32_t i);

/* A step of topo_plan_routing(), once every ASN is known: the speakers'
 * generated prefixes placed, every prefix checked against the plan's
 * addresses, and every speaker checked to have a BGP session (a speaker
 * nobody hears is a mistake).  Returns 0 or -EINVAL, -ERANGE with err
 * naming the speaker. */
int topo_plan_speakers(struct topo *t, struct err *err);

/* A session the plan expects torn down: speaker offers router more
 * prefixes than its max_prefix. */
struct topo_expect_trip {
	uint32_t router, speaker;
	uint32_t offered;
};

/* What every routed router's FIB holds once converged (topo/expect.c),
 * with the links set in link_down (NULL: none) down; t must be planned. */
struct topo_expect_set {
	struct topo_expect *v;
	uint32_t n;
	uint32_t *first, *count; /* per node: [first, first + count) of v */
	struct topo_expect_trip *trips; /* the sessions over their limit */
	uint32_t ntrips;
	/* Every prefix some routed router announces, sorted, each once:
	 * a router holding one of these that it should not (a speaker's
	 * prefix past a tripped session, a withdrawn loopback) has not
	 * converged either. */
	struct ip_prefix *known;
	uint32_t nknown;
};
int topo_expect_build(const struct topo *t, const unsigned char *link_down,
		      struct topo_expect_set *out);
void topo_expect_set_free(struct topo_expect_set *s);

/* The expected FIB of router n in s (count in *n_out). */
const struct topo_expect *topo_expect_of(const struct topo_expect_set *s,
					 uint32_t n, uint32_t *n_out);

#endif
