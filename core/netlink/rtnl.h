/*
 * rtnl: pure builders for the rtnetlink requests lunet sends.
 *
 * Each builder writes one complete request (header, family header,
 * attributes) at buf and returns the nlmsghdr, or NULL with errno ENOSPC
 * when len is too small.  They do no I/O, so tests compare their bytes.
 * Every request asks for an ACK (NLM_F_REQUEST | NLM_F_ACK); the transport
 * (core/netlink/nl.h) sets nlmsg_seq.  Builders that take a prefix length fail
 * with EINVAL when it is over 32.
 *
 * Addresses are IPv4 in host byte order (as in topo/ip.h).
 */
#ifndef LUNET_RTNL_H
#define LUNET_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* One end of a veth pair. */
struct rtnl_veth_end {
	const char *ifname;
	int netns_fd;        /* namespace the end is created in; -1: caller's */
	int ifindex;         /* 0: let the kernel choose */
	const uint8_t *mac;  /* NULL: random */
	int master;          /* ifindex of a bridge in the same namespace, 0 */
	bool up;
};

/* RTM_NEWLINK creating a veth pair whose two ends are born directly in
 * their namespaces (IFLA_NET_NS_FD on both), optionally up.  The kernel
 * applies IFLA_MASTER only to end[0]; enslave end[1] with rtnl_link_set().
 * mtu 0 keeps the default.
 *
 * Kernel behaviour (checked on 6.18 by tests/unit/test_nl.c):
 * - end[1].up makes the whole request fail with ENOTCONN: the kernel opens
 *   the peer before the two ends are linked.  Create end[1] down and bring
 *   it up with rtnl_link_set() from a socket in its namespace.
 * - end[1].ifindex is honoured only when end[0].ifindex is not 0; each
 *   index is taken in its end's own namespace.
 * - end[0].master is looked up in end[0]'s namespace (netns_fd), so it can
 *   name a bridge created there beforehand (EINVAL if none). */
struct nlmsghdr *rtnl_veth_new(void *buf, size_t len,
			       const struct rtnl_veth_end end[2],
			       uint32_t mtu);

/* A VXLAN device: one end of a link between two machines. */
struct rtnl_vxlan {
	const char *ifname;
	int netns_fd;       /* namespace the device lives in; -1: caller's */
	int ifindex;        /* 0: let the kernel choose */
	const uint8_t *mac; /* NULL: random */
	uint32_t vni;       /* 24 bits */
	uint32_t local;     /* underlay addresses, host byte order */
	uint32_t remote;
	uint16_t port;      /* UDP destination port, host byte order */
	uint32_t mtu;       /* 0: the kernel's (underlay minus 50) */
};

/* RTM_NEWLINK creating a point-to-point VXLAN device (one remote, no
 * learning) sent from the underlay's namespace: the kernel keeps the
 * UDP socket in the namespace the request came from (the device's
 * link-netns) and, with netns_fd, puts the device itself in the node's
 * namespace, in one request.  Created down. */
struct nlmsghdr *rtnl_vxlan_new(void *buf, size_t len,
				const struct rtnl_vxlan *v);

/* RTM_NEWLINK creating a bridge (IFLA_INFO_KIND "bridge") with the given
 * ifindex (0: any), STP on or off, up or down. */
struct nlmsghdr *rtnl_bridge_new(void *buf, size_t len, const char *ifname,
				 int ifindex, bool stp, bool up);

/* RTM_NEWLINK creating a link of kind with no other attributes: used to
 * ask the kernel whether it knows the kind (core/sys/feature.c). */
struct nlmsghdr *rtnl_link_new_kind(void *buf, size_t len,
				    const char *ifname, const char *kind);

/* RTM_NEWLINK on an existing link: sets IFF_UP when up, clears it when
 * not; sets the master when master >= 0 (0 releases it). */
struct nlmsghdr *rtnl_link_set(void *buf, size_t len, int ifindex, bool up,
			       int master);

/* rtnl_link_set() (no master) that also sets the link's IPv6 address
 * generation to "none", so that it gets no link-local address when it
 * comes up (why: rtnl.c). */
struct nlmsghdr *rtnl_link_set_noipv6(void *buf, size_t len, int ifindex,
				      bool up);

/* RTM_NEWADDR (NLM_F_CREATE | NLM_F_EXCL) of ip/plen on ifindex, with the
 * subnet broadcast for plen < 31. */
struct nlmsghdr *rtnl_addr_new(void *buf, size_t len, int ifindex,
			       uint32_t ip, uint8_t plen);

struct rtnl_nexthop {
	uint32_t gw; /* host byte order; 0: on-link */
	int ifindex;
};

/* RTM_NEWROUTE (NLM_F_CREATE | NLM_F_EXCL) in the main table, protocol
 * static, to dst/plen through one next hop (RTA_GATEWAY + RTA_OIF) or, when
 * nnh > 1, an RTA_MULTIPATH list of equal-weight next hops.
 * Scope is universe, or link when no next hop has a gateway (as "ip route
 * add ... dev" does).  An ifindex of 0 omits RTA_OIF.  EINVAL when nnh is
 * 0. */
struct nlmsghdr *rtnl_route_new(void *buf, size_t len, uint32_t dst,
				uint8_t plen, const struct rtnl_nexthop *nh,
				size_t nnh);

/* RTM_DELROUTE of the static route to dst/plen in the main table (as
 * lunet's rtnl_route_new() made it).  EINVAL for a plen over 32. */
struct nlmsghdr *rtnl_route_del(void *buf, size_t len, uint32_t dst,
				uint8_t plen);

/* RTM_DELLINK of ifindex (a veth takes its peer with it). */
struct nlmsghdr *rtnl_link_del(void *buf, size_t len, int ifindex);

/* RTM_GETLINK dump request (for counters and checks).  Unlike the other
 * requests it has no NLM_F_ACK: a dump ends with NLMSG_DONE. */
struct nlmsghdr *rtnl_link_dump(void *buf, size_t len);

/* RTM_GETROUTE dump of the IPv4 routes of every table. */
struct nlmsghdr *rtnl_route_dump(void *buf, size_t len);

/* One IPv4 route of a dump, as the convergence check and "routes" read
 * it. */
struct rtnl_route {
	uint32_t dst;      /* host byte order */
	uint8_t plen;
	uint32_t table;    /* RT_TABLE_MAIN (254), RT_TABLE_LOCAL, ... */
	uint8_t protocol;  /* RTPROT_KERNEL, RTPROT_STATIC, RTPROT_BGP, ... */
	uint8_t type;      /* RTN_UNICAST, RTN_LOCAL, ... */
	uint32_t nexthops; /* 1 for a single path, the RTA_MULTIPATH count */
	uint32_t dead;     /* of those, down (RTNH_F_DEAD, RTNH_F_LINKDOWN):
			    * the kernel keeps them until the route is
			    * replaced, and forwards over the others */
	uint32_t gw;       /* a single path's gateway, host byte order; 0 */
	uint8_t gw6[16];   /* a single path's IPv6 gateway (RTA_VIA, RFC 5549:
			    * IPv4 over IPv6 next hops); zero when none */
	bool onlink;       /* a single path's gateway is on the link without
			    * a subnet holding it (FRR 8.4's 169.254.0.1 for
			    * IPv6 next hops) */
	int oif;           /* a single path's interface; 0 */
};

/* Reads a route of a dump.  Returns 0, -EAFNOSUPPORT for another family,
 * or -EPROTO for a message that is not a route. */
int rtnl_route_parse(const struct nlmsghdr *nlh, struct rtnl_route *out);

#endif
