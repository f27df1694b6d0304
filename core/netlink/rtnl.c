/*
 * rtnl: pure builders for the rtnetlink requests lunet sends.
 *
 * libmnl's put_header/put_extra_header do not check the buffer size, so
 * every builder makes room for its fixed headers with hdr_room() first and
 * uses only the _check attribute functions afterwards: a short buffer
 * gives NULL with ENOSPC, never a write past len.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#include "core/netlink/rtnl.h"

/* Forward delay of an STP bridge, in clock_t (centiseconds: the kernel
 * converts with clock_t_to_jiffies).  The default 15 s makes a port wait
 * 30 s in listening + learning; the kernel refuses less than 2 s while
 * STP is on, and 2 s (the 802.1D minimum) converges in 4 s. */
#define BRIDGE_STP_FORWARD_DELAY 200

/* Whether size more bytes, aligned, fit after the message. */
static bool hdr_room(const struct nlmsghdr *nlh, size_t len, size_t size)
{
	return nlh->nlmsg_len + MNL_ALIGN(size) <= len;
}

/* An attribute with its alignment padding zeroed: libmnl 1.0.4 leaves
 * the padding as it found it, and a request should not carry stale bytes
 * (nor differ from one build to the next). */
static bool attr_put(struct nlmsghdr *nlh, size_t len, uint16_t type,
		     size_t size, const void *data)
{
	size_t need = MNL_ATTR_HDRLEN + MNL_ALIGN(size);
	size_t room = len - nlh->nlmsg_len;

	memset(mnl_nlmsg_get_payload_tail(nlh), 0, need < room ? need : room);
	return mnl_attr_put_check(nlh, len, type, size, data);
}

static bool attr_put_str(struct nlmsghdr *nlh, size_t len, uint16_t type,
			 const char *s)
{
	return attr_put(nlh, len, type, strlen(s) + 1, s);
}

static void *nospace(void)
{
	errno = ENOSPC;
	return NULL;
}

/* Starts a request at buf: the netlink header with flags, followed by a
 * zeroed family header of hdrlen bytes. */
static struct nlmsghdr *msg_start(void *buf, size_t len, uint16_t type,
				  uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh;

	if (!buf || len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return nospace();
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static void ifinfo_set(struct ifinfomsg *ifm, int ifindex, bool up)
{
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = up ? IFF_UP : 0;
	ifm->ifi_change = up ? IFF_UP : 0;
}

static struct nlmsghdr *link_start(void *buf, size_t len, uint16_t flags,
				   int ifindex, bool up)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, len, RTM_NEWLINK, flags,
			sizeof(struct ifinfomsg));
	if (nlh)
		ifinfo_set(mnl_nlmsg_get_payload(nlh), ifindex, up);
	return nlh;
}

/* The attributes both veth ends carry: end[0] at the top of the request,
 * end[1] inside VETH_INFO_PEER. */
static bool veth_end_put(struct nlmsghdr *nlh, size_t len,
			 const struct rtnl_veth_end *end, uint32_t mtu)
{
	if (end->ifname &&
	    !attr_put_str(nlh, len, IFLA_IFNAME, end->ifname))
		return false;
	if (end->netns_fd >= 0 &&
	    !mnl_attr_put_u32_check(nlh, len, IFLA_NET_NS_FD, end->netns_fd))
		return false;
	if (end->mac &&
	    !attr_put(nlh, len, IFLA_ADDRESS, ETH_ALEN, end->mac))
		return false;
	if (mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, mtu))
		return false;
	/* One queue each way: the kernel otherwise makes one per CPU and
	 * cuts them back to one after registering the device, which waits
	 * for an expedited RCU grace period, twice per pair. */
	if (!mnl_attr_put_u32_check(nlh, len, IFLA_NUM_TX_QUEUES, 1) ||
	    !mnl_attr_put_u32_check(nlh, len, IFLA_NUM_RX_QUEUES, 1))
		return false;
	return true;
}

/* VETH_INFO_PEER is not a plain nest: its payload starts with the peer's
 * own struct ifinfomsg, then the peer's attributes. */
static bool veth_peer_put(struct nlmsghdr *nlh, size_t len,
			  const struct rtnl_veth_end *peer, uint32_t mtu)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, len, VETH_INFO_PEER);
	if (!nest || !hdr_room(nlh, len, sizeof(struct ifinfomsg)))
		return false;
	ifinfo_set(mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)),
		   peer->ifindex, peer->up);
	if (!veth_end_put(nlh, len, peer, mtu))
		return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* IFLA_LINKINFO { IFLA_INFO_KIND kind, IFLA_INFO_DATA { ... } }: opens
 * the data nest and returns it, for the caller to fill and close. */
static struct nlattr *linkinfo_start(struct nlmsghdr *nlh, size_t len,
				     const char *kind, struct nlattr **info)
{
	*info = mnl_attr_nest_start_check(nlh, len, IFLA_LINKINFO);
	if (!*info ||
	    !attr_put_str(nlh, len, IFLA_INFO_KIND, kind))
		return NULL;
	return mnl_attr_nest_start_check(nlh, len, IFLA_INFO_DATA);
}

static void linkinfo_end(struct nlmsghdr *nlh, struct nlattr *info,
			 struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
}

struct nlmsghdr *rtnl_veth_new(void *buf, size_t len,
			       const struct rtnl_veth_end end[2],
			       uint32_t mtu)
{
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;

	nlh = link_start(buf, len,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			 end[0].ifindex, end[0].up);
	if (!nlh)
		return NULL;
	if (!veth_end_put(nlh, len, &end[0], mtu))
		return nospace();
	if (end[0].master &&
	    !mnl_attr_put_u32_check(nlh, len, IFLA_MASTER, end[0].master))
		return nospace();
	data = linkinfo_start(nlh, len, "veth", &info);
	if (!data || !veth_peer_put(nlh, len, &end[1], mtu))
		return nospace();
	linkinfo_end(nlh, info, data);
	return nlh;
}

struct nlmsghdr *rtnl_vxlan_new(void *buf, size_t len,
				const struct rtnl_vxlan *v)
{
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	uint32_t local = htonl(v->local), remote = htonl(v->remote);

	nlh = link_start(buf, len,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			 v->ifindex, false);
	if (!nlh)
		return NULL;
	if (!attr_put_str(nlh, len, IFLA_IFNAME, v->ifname) ||
	    (v->netns_fd >= 0 &&
	     !mnl_attr_put_u32_check(nlh, len, IFLA_NET_NS_FD, v->netns_fd)) ||
	    (v->mac && !attr_put(nlh, len, IFLA_ADDRESS, ETH_ALEN, v->mac)) ||
	    (v->mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, v->mtu)))
		return nospace();
	data = linkinfo_start(nlh, len, "vxlan", &info);
	if (!data ||
	    !mnl_attr_put_u32_check(nlh, len, IFLA_VXLAN_ID, v->vni) ||
	    !attr_put(nlh, len, IFLA_VXLAN_LOCAL, 4, &local) ||
	    !attr_put(nlh, len, IFLA_VXLAN_GROUP, 4, &remote) ||
	    !mnl_attr_put_u16_check(nlh, len, IFLA_VXLAN_PORT,
				    htons(v->port)) ||
	    !mnl_attr_put_u8_check(nlh, len, IFLA_VXLAN_LEARNING, 0) ||
	    /* The inner packet's own TTL is the emulated one; the outer
	     * header's crosses the underlay. */
	    !mnl_attr_put_u8_check(nlh, len, IFLA_VXLAN_TTL, 64))
		return nospace();
	linkinfo_end(nlh, info, data);
	return nlh;
}

struct nlmsghdr *rtnl_bridge_new(void *buf, size_t len, const char *ifname,
				 int ifindex, bool stp, bool up)
{
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	uint32_t delay = stp ? BRIDGE_STP_FORWARD_DELAY : 0;

	nlh = link_start(buf, len,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			 ifindex, up);
	if (!nlh)
		return NULL;
	if (ifname && !attr_put_str(nlh, len, IFLA_IFNAME, ifname))
		return nospace();
	data = linkinfo_start(nlh, len, "bridge", &info);
	if (!data ||
	    !mnl_attr_put_u32_check(nlh, len, IFLA_BR_STP_STATE, stp) ||
	    !mnl_attr_put_u32_check(nlh, len, IFLA_BR_FORWARD_DELAY, delay))
		return nospace();
	linkinfo_end(nlh, info, data);
	return nlh;
}

struct nlmsghdr *rtnl_link_new_kind(void *buf, size_t len,
				    const char *ifname, const char *kind)
{
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;

	nlh = link_start(buf, len,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			 0, false);
	if (!nlh)
		return NULL;
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, ifname))
		return nospace();
	data = linkinfo_start(nlh, len, kind, &info);
	if (!data)
		return nospace();
	linkinfo_end(nlh, info, data);
	return nlh;
}

struct nlmsghdr *rtnl_link_set(void *buf, size_t len, int ifindex, bool up,
			       int master)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	nlh = link_start(buf, len, NLM_F_REQUEST | NLM_F_ACK, ifindex, up);
	if (!nlh)
		return NULL;
	/* Down is a change too: clear IFF_UP rather than leave it alone. */
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	if (master >= 0 &&
	    !mnl_attr_put_u32_check(nlh, len, IFLA_MASTER, master))
		return nospace();
	return nlh;
}

struct nlmsghdr *rtnl_link_set_mtu(void *buf, size_t len, int ifindex,
				   uint32_t mtu)
{
	struct nlmsghdr *nlh;

	if (!mtu) {
		errno = EINVAL;
		return NULL;
	}
	/* ifi_change 0: the flags stay as they are. */
	nlh = link_start(buf, len, NLM_F_REQUEST | NLM_F_ACK, ifindex, false);
	if (nlh && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, mtu))
		return nospace();
	return nlh;
}

static bool put_in_addr(struct nlmsghdr *nlh, size_t len, uint16_t type,
			uint32_t ip)
{
	return mnl_attr_put_u32_check(nlh, len, type, htonl(ip));
}

struct nlmsghdr *rtnl_link_del(void *buf, size_t len, int ifindex)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, len, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK,
			sizeof(struct ifinfomsg));
	if (nlh)
		ifinfo_set(mnl_nlmsg_get_payload(nlh), ifindex, false);
	return nlh;
}

struct nlmsghdr *rtnl_addr_new(void *buf, size_t len, int ifindex,
			       uint32_t ip, uint8_t plen)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	uint32_t mask;

	if (plen > 32) {
		errno = EINVAL;
		return NULL;
	}
	nlh = msg_start(buf, len, RTM_NEWADDR,
			NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			sizeof(*ifa));
	if (!nlh)
		return NULL;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	/* IFA_LOCAL is the interface's address; IFA_ADDRESS is the peer's on
	 * point-to-point links and must equal IFA_LOCAL elsewhere. */
	if (!put_in_addr(nlh, len, IFA_LOCAL, ip) ||
	    !put_in_addr(nlh, len, IFA_ADDRESS, ip))
		return nospace();
	/* /31 (RFC 3021) and /32 have no broadcast address. */
	mask = plen ? UINT32_MAX << (32 - plen) : 0;
	if (plen < 31 && !put_in_addr(nlh, len, IFA_BROADCAST, ip | ~mask))
		return nospace();
	return nlh;
}

/* One struct rtnexthop of an RTA_MULTIPATH list, with its gateway. */
static bool nexthop_put(struct nlmsghdr *nlh, size_t len,
			const struct rtnl_nexthop *nh)
{
	struct rtnexthop *rtnh;

	if (!hdr_room(nlh, len, sizeof(*rtnh)))
		return false;
	rtnh = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtnh));
	rtnh->rtnh_ifindex = nh->ifindex;
	rtnh->rtnh_hops = 0; /* weight 1: rtnh_hops is weight - 1 */
	if (nh->gw && !put_in_addr(nlh, len, RTA_GATEWAY, nh->gw))
		return false;
	rtnh->rtnh_len = (char *)mnl_nlmsg_get_payload_tail(nlh) -
			 (char *)rtnh;
	return true;
}

static bool multipath_put(struct nlmsghdr *nlh, size_t len,
			  const struct rtnl_nexthop *nh, size_t nnh)
{
	struct nlattr *nest;
	size_t i;

	nest = mnl_attr_nest_start_check(nlh, len, RTA_MULTIPATH);
	if (!nest)
		return false;
	for (i = 0; i < nnh; i++)
		if (!nexthop_put(nlh, len, &nh[i]))
			return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool nexthop_single_put(struct nlmsghdr *nlh, size_t len,
			       const struct rtnl_nexthop *nh)
{
	if (nh->gw && !put_in_addr(nlh, len, RTA_GATEWAY, nh->gw))
		return false;
	return !nh->ifindex ||
	       mnl_attr_put_u32_check(nlh, len, RTA_OIF, nh->ifindex);
}

/* Routes without any gateway are on-link.  Like "ip route add ... dev",
 * give them link scope: the kernel resolves a gateway only through
 * routes whose scope is at least link, so a universe-scope on-link route
 * could not serve as the way to another route's gateway. */
static uint8_t route_scope(const struct rtnl_nexthop *nh, size_t nnh)
{
	size_t i;

	for (i = 0; i < nnh; i++)
		if (nh[i].gw)
			return RT_SCOPE_UNIVERSE;
	return RT_SCOPE_LINK;
}

/* An IPv4 route request of lunet's (main table, protocol static) to
 * dst/plen. */
static struct nlmsghdr *route_start(void *buf, size_t len, uint16_t type,
				    uint16_t flags, uint32_t dst, uint8_t plen,
				    uint8_t scope)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = msg_start(buf, len, type, flags, sizeof(*rtm));
	if (!nlh)
		return NULL;
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = scope;
	if (plen && !put_in_addr(nlh, len, RTA_DST, dst))
		return nospace();
	return nlh;
}

struct nlmsghdr *rtnl_route_new(void *buf, size_t len, uint32_t dst,
				uint8_t plen, const struct rtnl_nexthop *nh,
				size_t nnh)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	bool ok;

	if (plen > 32 || !nh || nnh == 0) {
		errno = EINVAL;
		return NULL;
	}
	nlh = route_start(buf, len, RTM_NEWROUTE,
			  NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
				  NLM_F_EXCL,
			  dst, plen, route_scope(nh, nnh));
	if (!nlh)
		return NULL;
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_type = RTN_UNICAST;
	if (nnh == 1)
		ok = nexthop_single_put(nlh, len, nh);
	else
		ok = multipath_put(nlh, len, nh, nnh);
	return ok ? nlh : nospace();
}

struct nlmsghdr *rtnl_route_del(void *buf, size_t len, uint32_t dst,
				uint8_t plen)
{
	if (plen > 32) {
		errno = EINVAL;
		return NULL;
	}
	return route_start(buf, len, RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK,
			   dst, plen, RT_SCOPE_NOWHERE);
}

struct nlmsghdr *rtnl_link_dump(void *buf, size_t len)
{
	struct nlmsghdr *nlh;

	/* No NLM_F_ACK: a dump ends with NLMSG_DONE, never with an ACK. */
	nlh = msg_start(buf, len, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP,
			sizeof(struct ifinfomsg));
	if (nlh)
		ifinfo_set(mnl_nlmsg_get_payload(nlh), 0, false);
	return nlh;
}

struct nlmsghdr *rtnl_route_dump(void *buf, size_t len)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = msg_start(buf, len, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP,
			sizeof(*rtm));
	if (nlh) {
		rtm = mnl_nlmsg_get_payload(nlh);
		rtm->rtm_family = AF_INET;
	}
	return nlh;
}

static int route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

int rtnl_route_parse(const struct nlmsghdr *nlh, struct rtnl_route *out)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct rtnexthop *nh;
	const struct rtmsg *rtm;
	const struct rtvia *via;
	int left;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*rtm))
		return -EPROTO;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET)
		return -EAFNOSUPPORT;
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) != MNL_CB_OK)
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	out->plen = rtm->rtm_dst_len;
	out->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) :
				     rtm->rtm_table;
	out->protocol = rtm->rtm_protocol;
	out->type = rtm->rtm_type;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == 4)
		out->dst = ntohl(*(const uint32_t *)mnl_attr_get_payload(
			tb[RTA_DST]));
	if (tb[RTA_MULTIPATH]) {
		nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		left = (int)mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);
		while (left >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
		       nh->rtnh_len <= left) {
			out->nexthops++;
			if (nh->rtnh_flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN))
				out->dead++;
			left -= RTNH_ALIGN(nh->rtnh_len);
			nh = RTNH_NEXT(nh);
		}
	} else if (tb[RTA_GATEWAY] || tb[RTA_VIA] || tb[RTA_OIF]) {
		out->nexthops = 1;
		if (rtm->rtm_flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN))
			out->dead = 1;
	}
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == 4)
		out->gw = ntohl(*(const uint32_t *)mnl_attr_get_payload(
			tb[RTA_GATEWAY]));
	via = tb[RTA_VIA] ? mnl_attr_get_payload(tb[RTA_VIA]) : NULL;
	if (via && mnl_attr_get_payload_len(tb[RTA_VIA]) >=
			   sizeof(*via) + sizeof(out->gw6) &&
	    via->rtvia_family == AF_INET6)
		memcpy(out->gw6, via->rtvia_addr, sizeof(out->gw6));
	out->onlink = rtm->rtm_flags & RTNH_F_ONLINK;
	if (tb[RTA_OIF])
		out->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return 0;
}

/* RTM_NEWLINK setting ifindex up or down and its IPv6 address generation
 * to "none".  lunet plans IPv4 only, and IPv6 on every port costs a large
 * build dearly: each port brought up gets a link-local address, duplicate
 * address detection and router solicitations, run by kernel workers that
 * take the lock (rtnl) the build needs, and on a large bridged domain
 * their multicast floods every bridge.  Sent before the port comes up,
 * which is when the kernel would make the address.  Netlink rather than
 * the disable_ipv6 sysctl because opening /proc/sys/net/ipv6/... costs a
 * walk over every namespace's entry of that name (9,472 for a k=32
 * fat-tree), so a write per node made the build quadratic. */
struct nlmsghdr *rtnl_link_set_noipv6(void *buf, size_t len, int ifindex,
				      bool up)
{
	struct nlmsghdr *nlh = rtnl_link_set(buf, len, ifindex, up, -1);
	struct nlattr *spec, *af, *mode;

	if (!nlh)
		return NULL;
	spec = mnl_attr_nest_start_check(nlh, len, IFLA_AF_SPEC);
	af = spec ? mnl_attr_nest_start_check(nlh, len, AF_INET6) : NULL;
	mode = mnl_nlmsg_get_payload_tail(nlh);
	if (!af || !mnl_attr_put_u8_check(nlh, len, IFLA_INET6_ADDR_GEN_MODE,
					  IN6_ADDR_GEN_MODE_NONE)) {
		errno = ENOSPC;
		return NULL;
	}
	/* libmnl counts the padding after a u8 but leaves it unwritten. */
	memset((char *)mode + MNL_ATTR_HDRLEN + 1, 0,
	       MNL_ALIGN(MNL_ATTR_HDRLEN + 1) - (MNL_ATTR_HDRLEN + 1));
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}
