/*
 * Unit tests for core/netlink/rtnl.c: every request is parsed back attribute by
 * attribute, rtnl_addr_new() is also compared byte for byte, and every
 * builder is run on every buffer length short of the full message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "core/netlink/rtnl.h"

#define ATTR_MAX 128
#define BUF_SIZE 1024

struct attrs {
	const struct nlattr *tb[ATTR_MAX];
	int count;
};

static int attr_store(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type < ATTR_MAX);
	assert_null(a->tb[type]);
	a->tb[type] = attr;
	a->count++;
	return MNL_CB_OK;
}

/* The attributes after the family header of size hdrlen. */
static void attrs_parse(const struct nlmsghdr *nlh, size_t hdrlen,
			struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(mnl_attr_parse(nlh, hdrlen, attr_store, a),
			 MNL_CB_OK);
}

static void attrs_parse_nested(const struct nlattr *nest, struct attrs *a)
{
	assert_non_null(nest);
	memset(a, 0, sizeof(*a));
	assert_int_equal(mnl_attr_parse_nested(nest, attr_store, a),
			 MNL_CB_OK);
}

/* Attributes in a raw area (after the peer's ifinfomsg, inside a nexthop),
 * which must be exactly covered by them. */
static void attrs_parse_area(const void *p, size_t len, struct attrs *a)
{
	const struct nlattr *attr;
	size_t used = 0;

	memset(a, 0, sizeof(*a));
	mnl_attr_for_each_payload(p, len) {
		attr_store(attr, a);
		used += MNL_ALIGN(attr->nla_len);
	}
	assert_int_equal(used, len);
}

static void assert_u32(const struct attrs *a, uint16_t type, uint32_t v)
{
	assert_non_null(a->tb[type]);
	assert_int_equal(mnl_attr_validate(a->tb[type], MNL_TYPE_U32), 0);
	assert_int_equal(mnl_attr_get_u32(a->tb[type]), v);
}

/* An IPv4 address attribute: network byte order on the wire. */
static void assert_in_addr(const struct attrs *a, uint16_t type,
			   const char *dotted)
{
	struct in_addr want;

	assert_int_equal(inet_pton(AF_INET, dotted, &want), 1);
	assert_non_null(a->tb[type]);
	assert_int_equal(mnl_attr_get_payload_len(a->tb[type]), 4);
	assert_memory_equal(mnl_attr_get_payload(a->tb[type]), &want, 4);
}

static void assert_str(const struct attrs *a, uint16_t type, const char *s)
{
	assert_non_null(a->tb[type]);
	assert_int_equal(mnl_attr_validate(a->tb[type], MNL_TYPE_NUL_STRING),
			 0);
	assert_string_equal(mnl_attr_get_str(a->tb[type]), s);
}

static void assert_header(const struct nlmsghdr *nlh, uint16_t type,
			  uint16_t flags)
{
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, flags);
	assert_int_equal(nlh->nlmsg_seq, 0);
	assert_int_equal(nlh->nlmsg_pid, 0);
	assert_int_equal(nlh->nlmsg_len % MNL_ALIGNTO, 0);
}

#define F_NEW (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)

static const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 0x11 };

static void test_veth_full(void **state)
{
	const struct rtnl_veth_end end[2] = {
		{ "h1-eth0", 5, 10, mac0, 3, true },
		{ "s1-eth1", 6, 11, mac1, 0, false },
	};
	struct attrs top, info, data, peer;
	const struct ifinfomsg *ifm, *pifm;
	const struct nlattr *nest;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = rtnl_veth_new(buf, sizeof(buf), end, 9000);
	assert_header(nlh, RTM_NEWLINK, F_NEW);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_family, AF_UNSPEC);
	assert_int_equal(ifm->ifi_index, 10);
	assert_int_equal(ifm->ifi_flags, IFF_UP);
	assert_int_equal(ifm->ifi_change, IFF_UP);

	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_int_equal(top.count, 8);
	assert_str(&top, IFLA_IFNAME, "h1-eth0");
	assert_u32(&top, IFLA_NUM_TX_QUEUES, 1);
	assert_u32(&top, IFLA_NUM_RX_QUEUES, 1);
	assert_u32(&top, IFLA_NET_NS_FD, 5);
	assert_int_equal(mnl_attr_get_payload_len(top.tb[IFLA_ADDRESS]), 6);
	assert_memory_equal(mnl_attr_get_payload(top.tb[IFLA_ADDRESS]), mac0,
			    6);
	assert_u32(&top, IFLA_MTU, 9000);
	assert_u32(&top, IFLA_MASTER, 3);

	attrs_parse_nested(top.tb[IFLA_LINKINFO], &info);
	assert_int_equal(info.count, 2);
	assert_str(&info, IFLA_INFO_KIND, "veth");
	attrs_parse_nested(info.tb[IFLA_INFO_DATA], &data);
	assert_int_equal(data.count, 1);

	/* The peer: a struct ifinfomsg, then its own attributes. */
	nest = data.tb[VETH_INFO_PEER];
	assert_non_null(nest);
	assert_true(mnl_attr_get_payload_len(nest) >= sizeof(*pifm));
	pifm = mnl_attr_get_payload(nest);
	assert_int_equal(pifm->ifi_family, AF_UNSPEC);
	assert_int_equal(pifm->ifi_index, 11);
	assert_int_equal(pifm->ifi_flags, 0);
	assert_int_equal(pifm->ifi_change, 0);
	attrs_parse_area((const char *)pifm + MNL_ALIGN(sizeof(*pifm)),
			 mnl_attr_get_payload_len(nest) -
				 MNL_ALIGN(sizeof(*pifm)),
			 &peer);
	assert_int_equal(peer.count, 6);
	assert_str(&peer, IFLA_IFNAME, "s1-eth1");
	assert_u32(&peer, IFLA_NUM_TX_QUEUES, 1);
	assert_u32(&peer, IFLA_NUM_RX_QUEUES, 1);
	assert_u32(&peer, IFLA_NET_NS_FD, 6);
	assert_memory_equal(mnl_attr_get_payload(peer.tb[IFLA_ADDRESS]), mac1,
			    6);
	assert_u32(&peer, IFLA_MTU, 9000);
	assert_null(peer.tb[IFLA_MASTER]);

	/* The nests end where the message ends. */
	assert_ptr_equal((const char *)top.tb[IFLA_LINKINFO] +
				 MNL_ALIGN(top.tb[IFLA_LINKINFO]->nla_len),
			 (const char *)nlh + nlh->nlmsg_len);
}

static void test_veth_minimal(void **state)
{
	const struct rtnl_veth_end end[2] = {
		{ "a", -1, 0, NULL, 0, false },
		{ "b", -1, 0, NULL, 0, true },
	};
	struct attrs top, info, data, peer;
	const struct ifinfomsg *ifm, *pifm;
	const struct nlattr *nest;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = rtnl_veth_new(buf, sizeof(buf), end, 0);
	assert_header(nlh, RTM_NEWLINK, F_NEW);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_index, 0);
	assert_int_equal(ifm->ifi_flags, 0);
	assert_int_equal(ifm->ifi_change, 0);
	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_int_equal(top.count, 4); /* the name and the queue counts */
	assert_str(&top, IFLA_IFNAME, "a");
	attrs_parse_nested(top.tb[IFLA_LINKINFO], &info);
	attrs_parse_nested(info.tb[IFLA_INFO_DATA], &data);
	nest = data.tb[VETH_INFO_PEER];
	assert_non_null(nest);
	pifm = mnl_attr_get_payload(nest);
	assert_int_equal(pifm->ifi_flags, IFF_UP);
	assert_int_equal(pifm->ifi_change, IFF_UP);
	attrs_parse_area((const char *)pifm + sizeof(*pifm),
			 mnl_attr_get_payload_len(nest) - sizeof(*pifm),
			 &peer);
	assert_int_equal(peer.count, 3);
	assert_str(&peer, IFLA_IFNAME, "b");
}

static void bridge_check(bool stp, bool up, uint32_t delay)
{
	struct attrs top, info, data;
	const struct ifinfomsg *ifm;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = rtnl_bridge_new(buf, sizeof(buf), "br0", 2, stp, up);
	assert_header(nlh, RTM_NEWLINK, F_NEW);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_index, 2);
	assert_int_equal(ifm->ifi_flags, up ? IFF_UP : 0);
	assert_int_equal(ifm->ifi_change, up ? IFF_UP : 0);
	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_int_equal(top.count, 2);
	assert_str(&top, IFLA_IFNAME, "br0");
	attrs_parse_nested(top.tb[IFLA_LINKINFO], &info);
	assert_str(&info, IFLA_INFO_KIND, "bridge");
	attrs_parse_nested(info.tb[IFLA_INFO_DATA], &data);
	assert_int_equal(data.count, 2);
	assert_u32(&data, IFLA_BR_STP_STATE, stp);
	assert_u32(&data, IFLA_BR_FORWARD_DELAY, delay);
}

static void test_bridge(void **state)
{
	/* Centiseconds, at least the kernel's 2 s minimum with STP. */
	bridge_check(true, true, 200);
	bridge_check(false, false, 0);
}

static void test_link_new_kind(void **state)
{
	struct attrs top, info;
	const struct ifinfomsg *ifm;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = rtnl_link_new_kind(buf, sizeof(buf), "probe0", "dummy");
	assert_header(nlh, RTM_NEWLINK, F_NEW);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_index, 0);
	assert_int_equal(ifm->ifi_flags, 0);
	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_int_equal(top.count, 2);
	assert_str(&top, IFLA_IFNAME, "probe0");
	attrs_parse_nested(top.tb[IFLA_LINKINFO], &info);
	assert_str(&info, IFLA_INFO_KIND, "dummy");
	/* An empty data nest at most: no attributes of any kind. */
	if (info.tb[IFLA_INFO_DATA])
		assert_int_equal(mnl_attr_get_payload_len(info.tb[IFLA_INFO_DATA]),
				 0);
	assert_null(rtnl_link_new_kind(buf, 24, "probe0", "dummy"));
	assert_int_equal(errno, ENOSPC);
}

static void test_link_set(void **state)
{
	const struct ifinfomsg *ifm;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct attrs top;

	nlh = rtnl_link_set(buf, sizeof(buf), 7, true, 2);
	assert_header(nlh, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_index, 7);
	assert_int_equal(ifm->ifi_flags, IFF_UP);
	assert_int_equal(ifm->ifi_change, IFF_UP);
	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_int_equal(top.count, 1);
	assert_u32(&top, IFLA_MASTER, 2);

	/* Down is an explicit change; master 0 releases. */
	nlh = rtnl_link_set(buf, sizeof(buf), 7, false, 0);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_flags, 0);
	assert_int_equal(ifm->ifi_change, IFF_UP);
	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_u32(&top, IFLA_MASTER, 0);

	nlh = rtnl_link_set(buf, sizeof(buf), 7, true, -1);
	attrs_parse(nlh, sizeof(*ifm), &top);
	assert_int_equal(top.count, 0);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + sizeof(*ifm));
}

/* The bytes of a host-order field, as the kernel reads it. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define H16(v) (v) & 0xff, (v) >> 8
#define H32(v) (v) & 0xff, (v) >> 8 & 0xff, (v) >> 16 & 0xff, (v) >> 24
#else
#define H16(v) (v) >> 8, (v) & 0xff
#define H32(v) (v) >> 24, (v) >> 16 & 0xff, (v) >> 8 & 0xff, (v) & 0xff
#endif

/* Ifindex 7 down, its IPv6 address generation "none", byte for byte. */
static const uint8_t noipv6_bytes[] = {
	H32(48),                /* nlmsg_len */
	H16(0x10),              /* RTM_NEWLINK */
	H16(0x0005),            /* REQUEST | ACK */
	H32(0),                 /* seq */
	H32(0),                 /* pid */
	0x00, 0x00, H16(0),     /* AF_UNSPEC, pad, type */
	H32(7),                 /* ifindex 7 */
	H32(0),                 /* flags: not IFF_UP */
	H32(1),                 /* change: IFF_UP */
	H16(16), H16(0x801a),   /* IFLA_AF_SPEC | NLA_F_NESTED */
	H16(12), H16(0x800a),   /* AF_INET6 | NLA_F_NESTED */
	H16(5), H16(8),         /* IFLA_INET6_ADDR_GEN_MODE */
	0x01, 0x00, 0x00, 0x00, /* IN6_ADDR_GEN_MODE_NONE, padding */
};

static void test_link_set_noipv6(void **state)
{
	const struct ifinfomsg *ifm;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	memset(buf, 0x5a, sizeof(buf));
	nlh = rtnl_link_set_noipv6(buf, sizeof(buf), 7, false);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_len, sizeof(noipv6_bytes));
	assert_memory_equal(buf, noipv6_bytes, sizeof(noipv6_bytes));
	nlh = rtnl_link_set_noipv6(buf, sizeof(buf), 7, true);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_flags, IFF_UP);
	assert_int_equal(ifm->ifi_change, IFF_UP);
}

/* 10.0.1.2/24 on ifindex 4: host-order fields, network-order addresses. */
static const uint8_t addr_bytes[] = {
	H32(48),                /* nlmsg_len */
	H16(0x14),              /* RTM_NEWADDR */
	H16(0x0605),            /* REQUEST | ACK | EXCL | CREATE */
	H32(0),                 /* seq */
	H32(0),                 /* pid */
	0x02, 0x18, 0x00, 0x00, /* AF_INET, /24, flags, scope universe */
	H32(4),                 /* ifindex 4 */
	H16(8), H16(2), 0x0a, 0x00, 0x01, 0x02, /* IFA_LOCAL */
	H16(8), H16(1), 0x0a, 0x00, 0x01, 0x02, /* IFA_ADDRESS */
	H16(8), H16(4), 0x0a, 0x00, 0x01, 0xff, /* IFA_BROADCAST */
};

static void test_addr_bytes(void **state)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	memset(buf, 0x5a, sizeof(buf));
	nlh = rtnl_addr_new(buf, sizeof(buf), 4, 0x0a000102, 24);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_len, sizeof(addr_bytes));
	assert_memory_equal(buf, addr_bytes, sizeof(addr_bytes));
}

static void addr_check(uint32_t ip, uint8_t plen, const char *local,
		       const char *brd)
{
	const struct ifaddrmsg *ifa;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct attrs top;

	nlh = rtnl_addr_new(buf, sizeof(buf), 9, ip, plen);
	assert_header(nlh, RTM_NEWADDR, F_NEW);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, plen);
	assert_int_equal(ifa->ifa_index, 9);
	attrs_parse(nlh, sizeof(*ifa), &top);
	assert_in_addr(&top, IFA_LOCAL, local);
	assert_in_addr(&top, IFA_ADDRESS, local);
	if (brd) {
		assert_int_equal(top.count, 3);
		assert_in_addr(&top, IFA_BROADCAST, brd);
	} else {
		assert_int_equal(top.count, 2);
	}
}

static void test_addr(void **state)
{
	char buf[BUF_SIZE];

	addr_check(0xc0a80a01, 24, "192.168.10.1", "192.168.10.255");
	addr_check(0x0a000005, 30, "10.0.0.5", "10.0.0.7");
	addr_check(0x0a000004, 31, "10.0.0.4", NULL);
	addr_check(0x0a000001, 32, "10.0.0.1", NULL);
	addr_check(0x0a000001, 0, "10.0.0.1", "255.255.255.255");
	errno = 0;
	assert_null(rtnl_addr_new(buf, sizeof(buf), 1, 1, 33));
	assert_int_equal(errno, EINVAL);
}

static const struct rtmsg *route_check_header(const struct nlmsghdr *nlh,
					      uint8_t plen, uint8_t scope)
{
	const struct rtmsg *rtm;

	assert_header(nlh, RTM_NEWROUTE, F_NEW);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, plen);
	assert_int_equal(rtm->rtm_src_len, 0);
	assert_int_equal(rtm->rtm_tos, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm->rtm_scope, scope);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	assert_int_equal(rtm->rtm_flags, 0);
	return rtm;
}

static void test_route_single(void **state)
{
	const struct rtnl_nexthop gw = { 0x0a000001, 4 };
	const struct rtnl_nexthop onlink = { 0, 5 };
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct attrs top;

	nlh = rtnl_route_new(buf, sizeof(buf), 0xac100000, 12, &gw, 1);
	route_check_header(nlh, 12, RT_SCOPE_UNIVERSE);
	attrs_parse(nlh, sizeof(struct rtmsg), &top);
	assert_int_equal(top.count, 3);
	assert_in_addr(&top, RTA_DST, "172.16.0.0");
	assert_in_addr(&top, RTA_GATEWAY, "10.0.0.1");
	assert_u32(&top, RTA_OIF, 4);

	/* A default route has no RTA_DST. */
	nlh = rtnl_route_new(buf, sizeof(buf), 0, 0, &gw, 1);
	route_check_header(nlh, 0, RT_SCOPE_UNIVERSE);
	attrs_parse(nlh, sizeof(struct rtmsg), &top);
	assert_int_equal(top.count, 2);
	assert_null(top.tb[RTA_DST]);

	/* On-link: no gateway, link scope. */
	nlh = rtnl_route_new(buf, sizeof(buf), 0x0a090000, 16, &onlink, 1);
	route_check_header(nlh, 16, RT_SCOPE_LINK);
	attrs_parse(nlh, sizeof(struct rtmsg), &top);
	assert_int_equal(top.count, 2);
	assert_null(top.tb[RTA_GATEWAY]);
	assert_u32(&top, RTA_OIF, 5);

	errno = 0;
	assert_null(rtnl_route_new(buf, sizeof(buf), 0, 0, &gw, 0));
	assert_int_equal(errno, EINVAL);
}

static void test_link_set_mtu(void **state)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = rtnl_link_set_mtu(buf, sizeof(buf), 7, 9000);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct attrs top;

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(ifm->ifi_index, 7);
	assert_int_equal(ifm->ifi_change, 0); /* up or down, it stays */
	attrs_parse(nlh, sizeof(struct ifinfomsg), &top);
	assert_int_equal(top.count, 1);
	assert_u32(&top, IFLA_MTU, 9000);
	errno = 0;
	assert_null(rtnl_link_set_mtu(buf, sizeof(buf), 7, 0));
	assert_int_equal(errno, EINVAL);
}

static void test_route_del(void **state)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = rtnl_route_del(buf, sizeof(buf), 0x0a000100, 24);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs top;

	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 24);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	attrs_parse(nlh, sizeof(struct rtmsg), &top);
	assert_int_equal(top.count, 1);
	assert_in_addr(&top, RTA_DST, "10.0.1.0");
	/* The default route: no RTA_DST; a /33 is no prefix. */
	attrs_parse(rtnl_route_del(buf, sizeof(buf), 0, 0),
		    sizeof(struct rtmsg), &top);
	assert_int_equal(top.count, 0);
	errno = 0;
	assert_null(rtnl_route_del(buf, sizeof(buf), 0, 33));
	assert_int_equal(errno, EINVAL);
}

static void test_route_multipath(void **state)
{
	const struct rtnl_nexthop nh[3] = {
		{ 0x0a000001, 3 },
		{ 0x0a000102, 4 },
		{ 0, 5 },
	};
	static const char *const gws[3] = { "10.0.0.1", "10.0.1.2", NULL };
	const struct rtnexthop *rtnh;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct attrs top, hop;
	int len, i = 0;

	nlh = rtnl_route_new(buf, sizeof(buf), 0x0a090000, 16, nh, 3);
	route_check_header(nlh, 16, RT_SCOPE_UNIVERSE);
	attrs_parse(nlh, sizeof(struct rtmsg), &top);
	assert_int_equal(top.count, 2);
	assert_in_addr(&top, RTA_DST, "10.9.0.0");
	assert_null(top.tb[RTA_OIF]);
	assert_null(top.tb[RTA_GATEWAY]);
	assert_non_null(top.tb[RTA_MULTIPATH]);

	rtnh = mnl_attr_get_payload(top.tb[RTA_MULTIPATH]);
	len = mnl_attr_get_payload_len(top.tb[RTA_MULTIPATH]);
	for (; RTNH_OK(rtnh, len); i++) {
		assert_true(i < 3);
		assert_int_equal(rtnh->rtnh_ifindex, nh[i].ifindex);
		assert_int_equal(rtnh->rtnh_hops, 0);
		assert_int_equal(rtnh->rtnh_flags, 0);
		attrs_parse_area(RTNH_DATA(rtnh),
				 rtnh->rtnh_len - RTNH_LENGTH(0), &hop);
		if (gws[i]) {
			assert_int_equal(rtnh->rtnh_len, 16);
			assert_int_equal(hop.count, 1);
			assert_in_addr(&hop, RTA_GATEWAY, gws[i]);
		} else {
			assert_int_equal(rtnh->rtnh_len, 8);
			assert_int_equal(hop.count, 0);
		}
		len -= RTNH_ALIGN(rtnh->rtnh_len);
		rtnh = RTNH_NEXT(rtnh);
	}
	assert_int_equal(i, 3);
	assert_int_equal(len, 0);
}

/* 10.9.0.0/16 via inet6 fe80::1 dev 5, as RTA_VIA; returns its rtmsg. */
static struct rtmsg *via_route(char *buf, uint32_t dst)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char via[2 + 16] = { 0 };
	struct rtvia *v = (struct rtvia *)via;
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 16;
	rtm->rtm_table = RT_TABLE_MAIN;
	v->rtvia_family = AF_INET6;
	v->rtvia_addr[0] = 0xfe;
	v->rtvia_addr[1] = 0x80;
	v->rtvia_addr[15] = 0x01;
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via), via);
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	return rtm;
}

/* A route as a dump gives it: 10.9.0.0/16, two paths, one of them dead;
 * then a single path; then another family. */
static void test_route_parse(void **state)
{
	char buf[BUF_SIZE];
	struct rtnl_route r;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nlattr *mp;
	struct rtnexthop *nh;
	uint32_t dst = htonl(0x0a090000), gw = htonl(0x0a800001);
	int i;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 16;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BGP;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	for (i = 0; i < 2; i++) {
		nh = mnl_nlmsg_get_payload_tail(nlh);
		memset(nh, 0, sizeof(*nh));
		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = 3 + i;
		nh->rtnh_flags = i ? RTNH_F_LINKDOWN | RTNH_F_DEAD : 0;
		nlh->nlmsg_len += MNL_ALIGN(sizeof(*nh));
	}
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(rtnl_route_parse(nlh, &r), 0);
	assert_int_equal(r.dst, 0x0a090000);
	assert_int_equal(r.plen, 16);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.protocol, RTPROT_BGP);
	assert_int_equal(r.nexthops, 2);
	assert_int_equal(r.dead, 1);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	rtm->rtm_table = RT_TABLE_MAIN;
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, 4);
	assert_int_equal(rtnl_route_parse(nlh, &r), 0);
	assert_int_equal(r.nexthops, 1);
	assert_int_equal(r.dead, 0);
	assert_int_equal(r.gw, 0x0a800001);
	assert_int_equal(r.oif, 4);
	assert_false(r.onlink);

	/* RFC 5549 routes: FRR 8.4's 169.254.0.1 onlink, and an IPv6 next
	 * hop in RTA_VIA (BIRD, newer FRR); each one path. */
	rtm->rtm_flags = RTNH_F_ONLINK;
	assert_int_equal(rtnl_route_parse(nlh, &r), 0);
	assert_true(r.onlink);
	assert_int_equal(r.nexthops, 1);
	rtm = via_route(buf, dst);
	assert_int_equal(rtnl_route_parse((struct nlmsghdr *)buf, &r), 0);
	assert_int_equal(r.nexthops, 1);
	assert_int_equal(r.gw, 0);
	assert_int_equal(r.gw6[0], 0xfe);
	assert_int_equal(r.gw6[1], 0x80);
	assert_int_equal(r.gw6[15], 0x01);
	assert_int_equal(r.oif, 5);
	nlh = (struct nlmsghdr *)buf;

	rtm->rtm_family = AF_INET6;
	assert_int_equal(rtnl_route_parse(nlh, &r), -EAFNOSUPPORT);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(rtnl_route_parse(nlh, &r), -EPROTO);
	assert_non_null(rtnl_route_dump(buf, sizeof(buf)));
	assert_int_equal(((struct nlmsghdr *)buf)->nlmsg_type, RTM_GETROUTE);
	assert_int_equal(((struct nlmsghdr *)buf)->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_DUMP);
}

static void test_link_dump(void **state)
{
	const struct ifinfomsg *ifm;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	nlh = rtnl_link_dump(buf, sizeof(buf));
	assert_header(nlh, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
	ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_family, AF_UNSPEC);
	assert_int_equal(ifm->ifi_index, 0);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + sizeof(*ifm));
}

/* Builds one request into a buffer of exactly len bytes, so that the
 * sanitizers see any write past it. */
typedef struct nlmsghdr *(*build_fn)(void *buf, size_t len);

static const struct rtnl_veth_end big_ends[2] = {
	{ "h1-eth0", 5, 10, mac0, 3, true },
	{ "s1-eth1", 6, 11, mac1, 0, true },
};
static const struct rtnl_nexthop big_nh[3] = {
	{ 1, 3 }, { 2, 4 }, { 0, 5 },
};

static struct nlmsghdr *build_veth(void *buf, size_t len)
{
	return rtnl_veth_new(buf, len, big_ends, 1400);
}

static struct nlmsghdr *build_bridge(void *buf, size_t len)
{
	return rtnl_bridge_new(buf, len, "br0", 2, true, true);
}

static struct nlmsghdr *build_link_set(void *buf, size_t len)
{
	return rtnl_link_set(buf, len, 3, true, 2);
}

static struct nlmsghdr *build_noipv6(void *buf, size_t len)
{
	return rtnl_link_set_noipv6(buf, len, 3, true);
}

static struct nlmsghdr *build_addr(void *buf, size_t len)
{
	return rtnl_addr_new(buf, len, 3, 0x0a000001, 24);
}

static struct nlmsghdr *build_route1(void *buf, size_t len)
{
	return rtnl_route_new(buf, len, 0x0a090000, 16, big_nh, 1);
}

static struct nlmsghdr *build_route3(void *buf, size_t len)
{
	return rtnl_route_new(buf, len, 0x0a090000, 16, big_nh, 3);
}

static struct nlmsghdr *build_dump(void *buf, size_t len)
{
	return rtnl_link_dump(buf, len);
}

static void enospc_check(build_fn build)
{
	char full[BUF_SIZE];
	struct nlmsghdr *nlh;
	size_t need, len;
	char *buf;

	/* Different garbage in each buffer: every byte must be written. */
	memset(full, 0xa5, sizeof(full));
	nlh = build(full, sizeof(full));
	assert_non_null(nlh);
	need = nlh->nlmsg_len;
	for (len = 0; len < need; len++) {
		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		errno = 0;
		assert_null(build(buf, len));
		assert_int_equal(errno, ENOSPC);
		free(buf);
	}
	buf = malloc(need);
	assert_non_null(buf);
	memset(buf, 0x5a, need);
	nlh = build(buf, need);
	assert_non_null(nlh);
	assert_memory_equal(buf, full, need);
	free(buf);
}

static void test_enospc(void **state)
{
	static const build_fn builders[] = {
		build_veth,   build_bridge, build_link_set, build_noipv6,
		build_addr,   build_route1, build_route3, build_dump,
	};
	size_t i;

	for (i = 0; i < sizeof(builders) / sizeof(builders[0]); i++)
		enospc_check(builders[i]);
	errno = 0;
	assert_null(rtnl_link_dump(NULL, 0));
	assert_int_equal(errno, ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_veth_full),
		cmocka_unit_test(test_veth_minimal),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_link_new_kind),
		cmocka_unit_test(test_link_set),
		cmocka_unit_test(test_link_set_noipv6),
		cmocka_unit_test(test_addr_bytes),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_route_single),
		cmocka_unit_test(test_link_set_mtu),
		cmocka_unit_test(test_route_del),
		cmocka_unit_test(test_route_multipath),
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_link_dump),
		cmocka_unit_test(test_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
