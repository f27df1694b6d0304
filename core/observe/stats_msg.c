/*
 * stats_msg: the pure parts of reading counters (core/observe/stats.h): the
 * RTM_GETSTATS request, its reply, and which port an interface is.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/observe/stats.h"
#include "topo/topo.h"

struct nlmsghdr *stats_dump_req(void *buf, size_t len)
{
	struct if_stats_msg *ism;
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ism))) {
		errno = ENOSPC;
		return NULL;
	}
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ism)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETSTATS;
	/* No NLM_F_ACK: a dump ends with NLMSG_DONE. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ism = mnl_nlmsg_put_extra_header(nlh, sizeof(*ism));
	ism->family = AF_UNSPEC;
	/* Only the 64-bit link counters: no per-queue, XDP or offload
	 * statistics, and none of RTM_GETLINK's configuration. */
	ism->filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	return nlh;
}

static void from_kernel(struct stats_if *out,
			const struct rtnl_link_stats64 *k)
{
	out->rx_packets = k->rx_packets;
	out->tx_packets = k->tx_packets;
	out->rx_bytes = k->rx_bytes;
	out->tx_bytes = k->tx_bytes;
	out->rx_errors = k->rx_errors;
	out->tx_errors = k->tx_errors;
	out->rx_dropped = k->rx_dropped;
	out->tx_dropped = k->tx_dropped;
}

int stats_parse(const struct nlmsghdr *nlh, int *ifindex,
		struct stats_if *out)
{
	struct rtnl_link_stats64 k;
	const struct if_stats_msg *ism;
	const struct nlattr *a;
	size_t n;

	if (nlh->nlmsg_type != RTM_NEWSTATS)
		return 1;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*ism))
		return -EPROTO;
	ism = mnl_nlmsg_get_payload(nlh);
	mnl_attr_for_each(a, nlh, sizeof(*ism)) {
		if (mnl_attr_get_type(a) != IFLA_STATS_LINK_64)
			continue;
		/* Older kernels send a shorter struct (fields are only ever
		 * added at the end): the missing ones read as 0. */
		memset(&k, 0, sizeof(k));
		n = mnl_attr_get_payload_len(a);
		if (n < offsetof(struct rtnl_link_stats64, rx_dropped) +
				sizeof(k.rx_dropped) * 2)
			return -EPROTO;
		memcpy(&k, mnl_attr_get_payload(a), n < sizeof(k) ? n :
								   sizeof(k));
		*ifindex = (int)ism->ifindex;
		from_kernel(out, &k);
		return 0;
	}
	return 1;
}

int stats_port_of(const struct topo *t, uint32_t node, int ifindex)
{
	return topo_node_port_at(t, node, ifindex);
}

static uint64_t sub(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

void stats_sub(struct stats_if *d, const struct stats_if *now,
	       const struct stats_if *then)
{
	d->rx_packets = sub(now->rx_packets, then->rx_packets);
	d->tx_packets = sub(now->tx_packets, then->tx_packets);
	d->rx_bytes = sub(now->rx_bytes, then->rx_bytes);
	d->tx_bytes = sub(now->tx_bytes, then->tx_bytes);
	d->rx_errors = sub(now->rx_errors, then->rx_errors);
	d->tx_errors = sub(now->tx_errors, then->tx_errors);
	d->rx_dropped = sub(now->rx_dropped, then->rx_dropped);
	d->tx_dropped = sub(now->tx_dropped, then->tx_dropped);
}
