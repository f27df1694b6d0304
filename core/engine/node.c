/*
 * node: what the engine does to one node at any time, during the build or
 * while the emulation runs: its namespace's path, a netlink socket opened
 * inside it, its planned routes, and the sentence for a request of its
 * that the kernel refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "core/engine/engine_int.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "core/sys/netns.h"
#include "core/sys/sysctl.h"
#include "topo/topo.h"

int emu_nspath(const struct emu *e, uint32_t node, char *buf, size_t len)
{
	return netns_path(buf, len, e->topo->name, e->topo->nodes[node].name);
}


int emu_fail_msg(struct err *err, const char *what,
		    const struct nl_fail *f)
{
	if (f->msg[0])
		return err_set(err, f->error, "%s: %s (%s)", what,
			       strerror(-f->error), f->msg);
	return err_set(err, f->error, "%s: %s", what, strerror(-f->error));
}

int emu_add_routes(struct nl_batch *b, const struct topo *t, uint32_t node,
		   const unsigned char *down, bool replace)
{
	const struct topo_node *n = &t->nodes[node];
	struct rtnl_nexthop nh[64];
	struct nlmsghdr *nlh;
	uint32_t r, h;
	int rc = 0;

	for (r = 0; r < n->route_count && !rc; r++) {
		const struct topo_route *rt = &t->routes[n->route_first + r];
		size_t nnh = 0;

		for (h = 0; h < rt->nh_count && nnh < 64; h++) {
			const struct topo_nexthop *x =
				&t->nexthops[rt->nh_first + h];

			if (down && down[t->ports[x->port].link])
				continue;
			nh[nnh].gw = x->gw;
			nh[nnh].ifindex =
				TOPO_IFINDEX_PORT0 + t->ports[x->port].index;
			nnh++;
		}
		if (!nnh)
			continue;
		rc = nl_batch_reserve(b, MSG_MAX);
		if (rc)
			break;
		nlh = rtnl_route_new(TAIL(b), rt->dst.ip, rt->dst.plen, nh, nnh);
		if (!nlh)
			return -errno;
		if (replace)
			nlh->nlmsg_flags = (nlh->nlmsg_flags & ~NLM_F_EXCL) |
					   NLM_F_REPLACE;
		rc = nl_batch_push(b, nlh, TAG_ROUTE | r);
	}
	return rc;
}

/* A node's own settings, written from inside it (/proc/sys/net follows
 * the opener's namespace): routers forward. */
static int node_sysctls(const struct topo_node *n)
{
	if (n->kind == TOPO_ROUTER)
		return sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
	return 0;
}

struct nl *emu_enter_node(struct emu *e, uint32_t node, bool setup,
				 int *rc)
{
	char path[NETNS_PATHSIZ];
	struct nl *nl = NULL;
	int ret;

	emu_nspath(e, node, path, sizeof(path));
	*rc = netns_enter(path);
	if (*rc)
		return NULL;
	if (setup)
		*rc = node_sysctls(&e->topo->nodes[node]);
	if (!*rc) {
		nl = nl_open();
		if (!nl)
			*rc = -errno;
	}
	ret = netns_return(e->home);
	if (ret) {
		/* Without our namespace back nothing else is safe. */
		nl_close(nl);
		*rc = ret;
		return NULL;
	}
	return nl;
}

struct nl *emu_open_in_node(struct emu *e, uint32_t node, int *rc)
{
	return emu_enter_node(e, node, false, rc);
}

int emu_node_fail(struct err *err, const struct topo *t, uint32_t node,
		  const struct nl_fail *f)
{
	const struct topo_node *n = &t->nodes[node];
	char what[160];

	if (f->tag == TAG_BRIDGE)
		snprintf(what, sizeof(what), "node %s: bridge br0", n->name);
	else if (f->tag == TAG_LO)
		snprintf(what, sizeof(what), "node %s: loopback", n->name);
	else if (f->tag & TAG_ROUTE)
		snprintf(what, sizeof(what), "node %s: route %u", n->name,
			 f->tag & ~TAG_ROUTE);
	else if (f->tag < n->nports)
		snprintf(what, sizeof(what), "node %s: interface %s", n->name,
			 t->ports[n->ports[f->tag]].ifname);
	else
		snprintf(what, sizeof(what), "node %s", n->name);
	if (f->error == -EOPNOTSUPP && n->kind == TOPO_SWITCH)
		return err_set(err, f->error,
			       "%s: the kernel lacks bridge support", what);
	return emu_fail_msg(err, what, f);
}


int emu_node_send(struct emu *e, uint32_t node, struct nl_batch *b,
		  struct err *err)
{
	const char *name = e->topo->nodes[node].name;
	struct nl_fail f;
	struct nl *nl;
	int rc;

	nl = emu_open_in_node(e, node, &rc);
	if (!nl)
		return err_set(err, rc, "node %s: cannot enter: %s", name,
			       strerror(-rc));
	rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	if (rc && f.tag == UINT32_MAX)
		return err_set(err, rc, "node %s: netlink: %s", name,
			       strerror(-rc));
	return rc ? emu_node_fail(err, e->topo, node, &f) : 0;
}

int emu_node_link_del(struct emu *e, uint32_t node, int ifindex)
{
	struct nl_batch *b = nl_batch_new(1024);
	struct err ignore;
	int rc;

	if (!b)
		return -ENOMEM;
	rc = PUSH(b, rtnl_link_del(TAIL(b), ifindex), 0);
	if (!rc)
		rc = emu_node_send(e, node, b, &ignore);
	nl_batch_free(b);
	return rc == -ENODEV ? 0 : rc;
}
