/*
 * topo: the pure topology model.
 *
 * A topology is a graph of nodes (hosts, switches, routers) joined by links.
 * It is validated, addressed and routed here, before anything touches the
 * kernel, so every function in topo/ can be unit-tested without root.
 *
 * Ownership: the topo owns its nodes, links, ports, routes and all strings
 * it was given (they are copied).  Callers refer to nodes and links by
 * index; indexes stay valid for the life of the topo.  Pointers returned by
 * topo_node()/topo_link() are invalidated by the next topo_*_add().
 *
 * Errors: functions return 0 or -errno and, where a user could have caused
 * the error, write a sentence naming the node or link into an err buffer.
 */
#ifndef LUNET_TOPO_H
#define LUNET_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"
#include "topo/ip.h"
#include "topo/routing.h"

#define TOPO_IFNAMSIZ 16          /* IFNAMSIZ, with the terminating NUL */
#define TOPO_BRIDGE_MAX_PORTS 1023 /* BR_MAX_PORTS - 1 in the kernel */
#define TOPO_NONE UINT32_MAX

/* Interface indexes inside a node's namespace are fixed so that the engine
 * can configure a node without asking the kernel: lo is 1, a switch's bridge
 * is 2, and port i is TOPO_IFINDEX_PORT0 + i. */
#define TOPO_IFINDEX_LO 1
#define TOPO_IFINDEX_BRIDGE 2
#define TOPO_IFINDEX_PORT0 3

enum topo_kind {
	TOPO_HOST,
	TOPO_SWITCH,
	TOPO_ROUTER,
};

/* Where something was declared, for error messages ("demo.lua:12"). */
struct topo_where {
	char *file; /* owned; NULL when unknown */
	int line;
};

/* One end of a link: an interface inside a node. */
struct topo_port {
	uint32_t node;  /* node index */
	uint32_t link;  /* link index */
	uint32_t index; /* the node's index-th port made (eth<index>, ifindex
			 * TOPO_IFINDEX_PORT0 + index): its position in the
			 * node's port list until a link of the node is
			 * removed, never reused after */
	char ifname[TOPO_IFNAMSIZ];
	bool ifname_set;    /* given by the user rather than generated */
	struct ip_prefix addr; /* plen 0 and ip 0: no address (switch ports) */
	bool addr_set;      /* given by the user */
	bool addr_kept;     /* planned for a running network, kept when the
			     * network changes (topo_keep_plan()) */
	uint8_t mac[6];
	bool mac_set;
	uint32_t segment; /* L3 segment, filled by topo_plan(); TOPO_NONE for
			   * switch ports */
};

struct topo_node {
	char *name;
	enum topo_kind kind;
	struct topo_where where;
	uint32_t *ports; /* port indexes (into topo->ports), in link order */
	uint32_t nports;
	uint32_t cap_ports;
	bool stp;                 /* switches: run STP on the bridge */
	struct ip_prefix ip;      /* hosts: user address for the first port */
	bool ip_set;
	struct ip_prefix lo;      /* routers: loopback /32 (planned or given) */
	bool lo_set;
	bool lo_kept;             /* planned, kept (topo_keep_plan()) */
	uint32_t next_port;       /* the index of its next port */
	uint32_t route_first;     /* routes of this node: [first, first+n) */
	uint32_t route_count;
	struct topo_routing *routing; /* routers: FRR or BIRD (owned, see
				       * topo/routing.h); NULL: static */
	/* Placement across machines (topo/place.h), both owned, NULL when
	 * unset: group is a generator's hint that its nodes belong together
	 * (a fat-tree pod, a rack), kept whole on one machine; machine is
	 * where the user put the node, a machine's name ("m2"). */
	char *group;
	char *machine;
	void *user;               /* free for the caller (Lua bindings) */
};

struct topo_link {
	uint32_t port[2]; /* port indexes, end 0 and end 1 */
	uint32_t mtu;     /* 0: kernel default */
	struct topo_where where;
};

/* An L3 segment: a subnet shared by the L3 ports that reach each other
 * without a router (one switch domain, or one point-to-point link). */
struct topo_segment {
	struct ip_prefix subnet;
	uint32_t *ports; /* L3 ports (host and router ends) on the segment */
	uint32_t nports;
	uint32_t cap_ports;
	uint32_t domain; /* switch domain index, or TOPO_NONE for a p2p link */
};

struct topo_nexthop {
	uint32_t gw;   /* gateway address, host byte order */
	uint32_t port; /* outgoing port index (into topo->ports) */
};

struct topo_route {
	struct ip_prefix dst;
	uint32_t nh_first; /* next hops: [nh_first, nh_first + nh_count) */
	uint32_t nh_count;
};

/* Which destinations routers get routes to. */
enum topo_routes {
	TOPO_ROUTES_AUTO, /* ALL, unless routers x router links passes
			   * TOPO_ROUTES_AUTO_MAX: then EDGE (the default) */
	TOPO_ROUTES_ALL,  /* every subnet and loopback */
	TOPO_ROUTES_EDGE, /* loopbacks and subnets with a host or a switch on
			   * them, not the links between two routers: a route
			   * per router link on every router grows as the
			   * square of a fabric (31M for a k=32 fat-tree) */
};
#define TOPO_ROUTES_AUTO_MAX (64u << 10)

struct topo {
	char *name;
	struct topo_node *nodes;
	uint32_t nnodes, cap_nodes;
	struct topo_link *links;
	uint32_t nlinks, cap_links;
	struct topo_port *ports;
	uint32_t nports, cap_ports;

	/* Filled by topo_plan(); cleared by any change to the graph. */
	bool planned;
	struct topo_segment *segments;
	uint32_t nsegments;
	struct topo_route *routes;
	uint32_t nroutes, cap_routes;
	struct topo_nexthop *nexthops;
	uint32_t nnexthops, cap_nexthops;

	/* Name lookup (open addressing over node indexes). */
	uint32_t *hash;
	uint32_t hash_size;

	enum topo_routes route_scope; /* which destinations routers get */
};

/* Link options; zeroed means "plan it for me". */
struct topo_link_opts {
	const char *ifname[2];
	const char *addr[2]; /* "10.0.0.1/24" */
	const char *mac[2];  /* "02:00:00:00:00:01" */
	uint32_t mtu;
	struct topo_where where;
};

struct topo_node_opts {
	bool stp;
	const char *ip; /* hosts: "10.0.0.5/24" for the first interface */
	const char *lo; /* routers: "10.255.0.1" or "10.255.0.1/32" */
	struct topo_where where;
};

/* Returns a new empty topology, or NULL (errno set). */
struct topo *topo_new(const char *name);
void topo_free(struct topo *t);

/* Checks an emulation name: letters, digits, '_' and '.', 1 to 32
 * characters.  Returns 0 or -EINVAL with the reason in err. */
int topo_check_name(const char *name, struct err *err);

/* Adds a node.  Returns its index (>= 0) or -errno: -EEXIST for a duplicate
 * name, -EINVAL for a name that cannot be part of a namespace name, or a bad
 * option.  err says which. */
int topo_node_add(struct topo *t, const char *name, enum topo_kind kind,
		  const struct topo_node_opts *opts, struct err *err);

/* Adds a link between nodes a and b.  Returns the link index or -errno:
 * -EINVAL for a self link, a bad interface name, address, MAC or MTU;
 * -EEXIST for an interface name used twice in one node. */
int topo_link_add(struct topo *t, uint32_t a, uint32_t b,
		  const struct topo_link_opts *opts, struct err *err);

/* Sets (or, with NULL, clears) node n's placement group or machine,
 * copied.  Both are names of 1 to 64 of [A-Za-z0-9_.:-].  Return 0, or
 * -EINVAL with err naming the node, -ENOMEM. */
#define TOPO_PLACE_NAME_MAX 64
int topo_node_set_group(struct topo *t, uint32_t n, const char *group,
			struct err *err);
int topo_node_set_machine(struct topo *t, uint32_t n, const char *machine,
			  struct err *err);

/* Returns the node index for name, or TOPO_NONE. */
uint32_t topo_node_find(const struct topo *t, const char *name);

/* Returns the first link between nodes a and b (either order), or
 * TOPO_NONE. */
uint32_t topo_link_find(const struct topo *t, uint32_t a, uint32_t b);

/* Returns the port at the other end of port p's link; its .node is the
 * peer node. */
uint32_t topo_peer_port(const struct topo *t, uint32_t p);

const char *topo_kind_name(enum topo_kind kind);
int topo_kind_parse(const char *s, enum topo_kind *kind);

/* Checks whole-graph limits (bridge port counts, ...).  Returns 0 or
 * -errno with a sentence in err.  Called by topo_plan(). */
int topo_validate(const struct topo *t, struct err *err);

/* Validates, then assigns segments, addresses (keeping the user's), router
 * loopbacks, and computes every node's routes (shortest paths over routers,
 * all equal-cost next hops, to the destinations t->route_scope names;
 * sibling prefixes with the same next hops merged into their supernet).
 * Returns 0 or -errno with err set (address conflicts name both ends). */
int topo_plan(struct topo *t, struct err *err);

/* Name rules for nodes ([A-Za-z0-9_.-], 1 to 64 characters, not starting
 * with '-' or '.') and for interfaces (what the kernel takes, minus "lo",
 * and minus "br0" on a switch, whose bridge it is).  Return 0 or -EINVAL
 * with the reason in err. */
int topo_check_node_name(const char *name, struct err *err);
int topo_check_ifname(const char *name, enum topo_kind kind,
		      struct err *err);

/* The port at end side (0 or 1) of link l, and its node. */
static inline const struct topo_port *topo_link_port(const struct topo *t,
						     uint32_t l, int side)
{
	return &t->ports[t->links[l].port[side]];
}

static inline uint32_t topo_link_node(const struct topo *t, uint32_t l,
				      int side)
{
	return t->ports[t->links[l].port[side]].node;
}

/* Changes to a topology (a running network's, through the bindings).
 *
 * topo_truncate() takes back what was added since the topo had nnodes
 * nodes and nlinks links (a change that failed).  topo_remove() takes the
 * nodes and links marked gone out (node_gone, link_gone: NULL or one flag
 * per node, per link), with every link of a gone node, and keeps the
 * order of the rest; m tells where each old node, link and port went
 * (TOPO_NONE: removed).  Ports keep their index, so no interface is
 * renamed or renumbered.  Both leave the topo unplanned.  topo_remove()
 * returns 0 or -ENOMEM (the topo is then as it was only if the map could
 * not be made). */
struct topo_map {
	uint32_t *node, *link, *port; /* old index -> new, or TOPO_NONE */
	uint32_t nnodes, nlinks;      /* the old counts */
};
void topo_truncate(struct topo *t, uint32_t nnodes, uint32_t nlinks);
int topo_remove(struct topo *t, const bool *node_gone, const bool *link_gone,
		struct topo_map *m);
void topo_map_free(struct topo_map *m);

/* Marks every planned address and loopback as kept, so that planning the
 * changed topology again keeps them: a running network is never
 * renumbered (topo/change.c). */
void topo_keep_plan(struct topo *t);

/* Port p's interface index inside its node's namespace. */
static inline int topo_port_ifindex(const struct topo *t, uint32_t p)
{
	return (int)(TOPO_IFINDEX_PORT0 + t->ports[p].index);
}

/* The position in node's port list of its port whose interface index is
 * ifindex, or -1. */
int topo_node_port_at(const struct topo *t, uint32_t node, int ifindex);

/* "h1-s1": link l named by its ends, as events and the console show it.
 * Returns buf. */
char *topo_link_name(const struct topo *t, uint32_t l, char *buf,
		     size_t size);

/* Describe things the way a user wrote them, for error sentences
 * (topo/describe.c):
 * "link h1-s1 (demo.lua:7)" and "node h1 eth0".  Return buf. */
#define TOPO_DESCSIZ 256
char *topo_link_describe(const struct topo *t, uint32_t l, char *buf,
			 size_t size);
char *topo_port_describe(const struct topo *t, uint32_t p, char *buf,
			 size_t size);
/* "link a-b (x.lua:12)" for a link still to be made between nodes a and
 * b; " (x.lua:12)", or "" when where is unknown.  Return buf. */
char *topo_ends_describe(const struct topo *t, uint32_t a, uint32_t b,
			 const struct topo_where *where, char *buf,
			 size_t size);
char *topo_where(const struct topo_where *w, char *buf, size_t size);

/* The steps of topo_plan() after segments are built, in order; each relies
 * on the previous one.  Exposed so that each step lives in its own file
 * (topo/addr.c, topo/route.c). */
int topo_plan_addrs(struct topo *t, struct err *err);
int topo_plan_routes(struct topo *t, struct err *err);

/* Parses "auto", "all" or "edge" into *out.  Returns 0 or -EINVAL. */
int topo_routes_parse(const char *s, enum topo_routes *out);

/* Accessors for planned routes of node n. */
static inline const struct topo_route *topo_node_routes(const struct topo *t,
						       uint32_t n)
{
	return t->routes + t->nodes[n].route_first;
}

/* The address a node answers pings on: a host's first addressed port, a
 * router's loopback.  Returns 0 when it has none (switches). */
uint32_t topo_node_ip(const struct topo *t, uint32_t n);

#endif
