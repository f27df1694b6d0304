#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "core/netlink/tc.h"

static struct nlmsghdr *tc_start(void *buf, size_t len, uint16_t type,
				 uint16_t flags, int ifindex, uint32_t parent,
				 uint32_t handle)
{
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;

	if (!buf || len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*tcm)) + 64) {
		errno = ENOSPC;
		return NULL;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	return nlh;
}

static struct nlmsghdr *nospace(void)
{
	errno = ENOSPC;
	return NULL;
}

struct nlmsghdr *tc_clsact_new(void *buf, size_t len, int ifindex)
{
	struct nlmsghdr *nlh;

	nlh = tc_start(buf, len, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
		       ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0));
	if (nlh && !mnl_attr_put_strz_check(nlh, len, TCA_KIND, "clsact"))
		return nospace();
	return nlh;
}

struct nlmsghdr *tc_qdisc_del(void *buf, size_t len, int ifindex, bool root)
{
	return tc_start(buf, len, RTM_DELQDISC, 0, ifindex,
			root ? TC_H_ROOT : TC_H_CLSACT,
			root ? 0 : TC_H_MAKE(TC_H_CLSACT, 0));
}

struct nlmsghdr *tc_bpf_new(void *buf, size_t len, int ifindex, bool egress,
			    int prog_fd, const char *name)
{
	struct nlmsghdr *nlh;
	struct nlattr *opt;
	struct tcmsg *tcm;

	nlh = tc_start(buf, len, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL,
		       ifindex,
		       TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS
						     : TC_H_MIN_INGRESS),
		       1);
	if (!nlh)
		return NULL;
	tcm = mnl_nlmsg_get_payload(nlh);
	/* priority 1, every protocol */
	tcm->tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL));
	if (!mnl_attr_put_strz_check(nlh, len, TCA_KIND, "bpf"))
		return nospace();
	opt = mnl_attr_nest_start_check(nlh, len, TCA_OPTIONS);
	if (!opt ||
	    !mnl_attr_put_u32_check(nlh, len, TCA_BPF_FD, (uint32_t)prog_fd) ||
	    !mnl_attr_put_strz_check(nlh, len, TCA_BPF_NAME, name) ||
	    !mnl_attr_put_u32_check(nlh, len, TCA_BPF_FLAGS,
				    TCA_BPF_FLAG_ACT_DIRECT))
		return nospace();
	mnl_attr_nest_end(nlh, opt);
	return nlh;
}

struct nlmsghdr *tc_tbf_new(void *buf, size_t len, int ifindex,
			    uint64_t rate, uint32_t burst, uint32_t limit)
{
	struct tc_tbf_qopt q;
	struct nlmsghdr *nlh;
	struct nlattr *opt;

	nlh = tc_start(buf, len, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE,
		       ifindex, TC_H_ROOT, TC_H_MAKE(1u << 16, 0));
	if (!nlh)
		return NULL;
	memset(&q, 0, sizeof(q));
	/* An Ethernet link layer spares the rate table: the kernel then
	 * computes transmission times itself. */
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.rate.rate = rate >= (1ull << 32) ? ~0u : (uint32_t)rate;
	q.limit = limit;
	if (!mnl_attr_put_strz_check(nlh, len, TCA_KIND, "tbf"))
		return nospace();
	opt = mnl_attr_nest_start_check(nlh, len, TCA_OPTIONS);
	if (!opt || !mnl_attr_put_check(nlh, len, TCA_TBF_PARMS, sizeof(q), &q))
		return nospace();
	if (rate >= (1ull << 32) &&
	    !mnl_attr_put_u64_check(nlh, len, TCA_TBF_RATE64, rate))
		return nospace();
	/* The bucket in bytes: the kernel turns it into time itself. */
	if (!mnl_attr_put_u32_check(nlh, len, TCA_TBF_BURST, burst))
		return nospace();
	mnl_attr_nest_end(nlh, opt);
	return nlh;
}

struct nlmsghdr *tc_qdisc_kind_new(void *buf, size_t len, int ifindex,
				   const char *kind)
{
	struct nlmsghdr *nlh;

	nlh = tc_start(buf, len, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
		       ifindex, TC_H_ROOT, TC_H_MAKE(1u << 16, 0));
	if (nlh && !mnl_attr_put_strz_check(nlh, len, TCA_KIND, kind))
		return nospace();
	return nlh;
}
