/*
 * stp: the last phase of a build with spanning tree, which waits for
 * every STP port to settle.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/engine/engine_int.h"
#include "core/sys/intr.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "topo/topo.h"

struct stp_count {
	unsigned settling; /* ports still listening or learning */
};

static int count_settling(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[IFLA_MAX + 1] = { 0 }, *a;
	struct stp_count *c = data;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int off = sizeof(*ifi);
	uint8_t state;

	if (nlh->nlmsg_type != RTM_NEWLINK || ifi->ifi_family != AF_BRIDGE)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) <= IFLA_MAX)
			tb[mnl_attr_get_type(a)] = a;
	if (!tb[IFLA_PROTINFO])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[IFLA_PROTINFO]) {
		if ((mnl_attr_get_type(a) & NLA_TYPE_MASK) !=
		    IFLA_BRPORT_STATE)
			continue;
		state = mnl_attr_get_u8(a);
		if (state == BR_STATE_LISTENING || state == BR_STATE_LEARNING)
			c->settling++;
	}
	return MNL_CB_OK;
}

/* Ports of switch node still on their way to forwarding, or -errno. */
static int stp_settling(struct emu *e, uint32_t node)
{
	struct stp_count c = { 0 };
	char buf[256];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int rc;

	nl = emu_open_in_node(e, node, &rc);
	if (!nl)
		return rc;
	nlh = rtnl_link_dump(buf, sizeof(buf));
	if (!nlh) {
		nl_close(nl);
		return -errno;
	}
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family =
		AF_BRIDGE;
	rc = nl_dump(nl, nlh, count_settling, &c);
	nl_close(nl);
	return rc ? rc : (int)c.settling;
}

/* Phase 4, for topologies with spanning tree: waits until every STP port
 * is forwarding or blocking, so that the network works when start()
 * returns.  Bounded: a tree that never settles is the user's to see. */
int emu_wait_stp(struct emu *e, struct err *err)
{
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	const struct topo *t = e->topo;
	int round, settling, rc;
	uint32_t i;
	bool any = false;

	for (i = 0; i < t->nnodes; i++)
		any |= t->nodes[i].kind == TOPO_SWITCH && t->nodes[i].stp &&
		       emu_local(e, i);
	for (round = 0; any && round < 120; round++) {
		settling = 0;
		for (i = 0; i < t->nnodes; i++) {
			if (t->nodes[i].kind != TOPO_SWITCH ||
			    !t->nodes[i].stp || !emu_local(e, i))
				continue;
			rc = stp_settling(e, i);
			if (rc < 0)
				return err_set(err, rc, "node %s: spanning tree "
					       "state: %s", t->nodes[i].name,
					       strerror(-rc));
			settling += rc;
		}
		if (!settling)
			break;
		if ((rc = intr_check(err)))
			return rc;
		nanosleep(&ts, NULL);
	}
	return 0;
}
