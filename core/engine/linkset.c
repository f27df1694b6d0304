/*
 * linkset: links set up or down while an emulation runs (link:up()/
 * down() and the faults of lua/lfault.c), with the routes through them
 * taken away and put back, and the carrier sync that makes a port able
 * to send as soon as it is up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/engine/engine_int.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "topo/topo.h"

int emu_link_set(struct emu *e, uint32_t link, bool up, struct err *err)
{
	return emu_links_set(e, &link, 1, up, err);
}

bool emu_link_is_up(const struct emu *e, uint32_t link)
{
	return link < e->topo->nlinks && !e->down[link];
}

/* Sends one batch to node: the state of its ports whose link is marked in
 * inset, or, with routes, its routes. */
static int links_node(struct emu *e, struct nl_batch *b, uint32_t node,
		      const unsigned char *inset, bool up, bool routes,
		      struct err *err)
{
	const struct topo *t = e->topo;
	const struct topo_node *n = &t->nodes[node];
	uint32_t k;
	int rc = 0;

	nl_batch_reset(b);
	for (k = 0; k < n->nports && !rc && !routes; k++)
		if (inset[t->ports[n->ports[k]].link])
			rc = PUSH(b, rtnl_link_set(TAIL(b),
						   topo_port_ifindex(t,
							n->ports[k]),
						   up, -1), k);
	if (!rc && routes)
		rc = emu_add_routes(b, t, node, e->down, true);
	if (rc)
		return err_set(err, rc, "node %s: %s", n->name, strerror(-rc));
	return emu_node_send(e, node, b, err);
}

/* A port that comes up before its peer gets its queue only when the
 * kernel's link watcher sees the carrier, later and asynchronously (it may
 * hold events back for up to a second): until then what the port sends,
 * such as the first ARP request, is dropped, and retried a second later.
 * Asking for the link by index makes the kernel run the link watcher for
 * it at once (rtnl_getlink() calls linkwatch_sync_dev()), so the link
 * works when emu_links_set() returns. */
static int sync_carrier(struct emu *e, struct nl_batch *b, uint32_t node,
			const unsigned char *inset)
{
	const struct topo_node *n = &e->topo->nodes[node];
	struct nlmsghdr *nlh;
	struct nl *nl;
	uint32_t k;
	int rc = 0;

	nl_batch_reset(b);
	for (k = 0; k < n->nports && !rc; k++) {
		if (!inset[e->topo->ports[n->ports[k]].link])
			continue;
		rc = nl_batch_reserve(b, MSG_MAX);
		if (rc)
			break;
		nlh = rtnl_link_dump(TAIL(b));
		if (!nlh)
			return -errno;
		nlh->nlmsg_flags &= ~NLM_F_DUMP;
		((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index =
			topo_port_ifindex(e->topo, n->ports[k]);
		rc = nl_batch_push(b, nlh, k);
	}
	if (rc)
		return rc;
	nl = emu_open_in_node(e, node, &rc);
	if (!nl)
		return rc;
	/* The replies (RTM_NEWLINK) are skipped; the ACKs end the batch. */
	rc = nl_batch_send(nl, b, NULL);
	nl_close(nl);
	return rc;
}

int emu_links_set(struct emu *e, const uint32_t *links, size_t n, bool up,
		  struct err *err)
{
	const struct topo *t = e->topo;
	unsigned char *inset, *touched;
	struct nl_batch *b;
	uint32_t node;
	size_t i;
	int rc = 0, pass;

	if (e->cluster)
		return emu_remote_links_set(e, links, n, up, err);
	inset = calloc(t->nlinks + 1, 1);
	touched = calloc(t->nnodes + 1, 1);
	b = nl_batch_new(64 * 1024);
	if (!inset || !touched || !b) {
		rc = err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (links[i] >= t->nlinks) {
			rc = err_set(err, -ENOENT, "no link %u", links[i]);
			goto out;
		}
		inset[links[i]] = 1;
		e->down[links[i]] = !up;
		/* A link to another machine: that machine's worker sets the
		 * other end. */
		touched[topo_link_node(t, links[i], 0)] =
			emu_local(e, topo_link_node(t, links[i], 0));
		touched[topo_link_node(t, links[i], 1)] =
			emu_local(e, topo_link_node(t, links[i], 1));
	}
	/* Every end first, then (going up) the carriers synced, then the
	 * routes: a route to a port that cannot send yet makes the kernel
	 * resolve its neighbour on a dead wire, and try again only a second
	 * later. */
	for (pass = 0; pass < (up ? 2 : 1) && !rc; pass++) {
		for (node = 0; pass && node < t->nnodes; node++)
			if (touched[node])
				sync_carrier(e, b, node, inset); /* best effort */
		for (node = 0; node < t->nnodes && !rc; node++)
			if (touched[node])
				rc = links_node(e, b, node, inset, up, pass,
						err);
	}
out:
	nl_batch_free(b);
	free(inset);
	free(touched);
	return rc;
}

int emu_settle(struct emu *e)
{
	const struct topo *t = e->topo;
	unsigned char *all;
	struct nl_batch *b;
	uint32_t node;
	int rc = 0, r;

	if (e->cluster)
		return 0; /* each worker settled its own part */
	all = malloc(t->nlinks + 1);
	b = nl_batch_new(64 * 1024);
	if (!all || !b) {
		rc = -ENOMEM;
		goto out;
	}
	memset(all, 1, t->nlinks + 1);
	for (node = 0; node < t->nnodes; node++) {
		if (!emu_local(e, node))
			continue;
		r = sync_carrier(e, b, node, all);
		if (r && !rc)
			rc = r;
	}
out:
	nl_batch_free(b);
	free(all);
	return rc;
}
