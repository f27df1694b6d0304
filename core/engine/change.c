/*
 * change: a running emulation changed in place.  The bindings change the
 * model (topo_node_add(), topo_link_add(), topo_remove()) and plan it
 * again with the running plan kept (topo_keep_plan()); this file builds
 * what is new, takes away what is gone, and rewrites the routes of only
 * the nodes whose routes differ, one batch per node.
 *
 * The record is written before anything new is made and after anything
 * is taken away, so that "lunet clean" after a crash in the middle of a
 * change finds every namespace the change made.  A growth that fails
 * takes back what it made and the routes it rewrote; the caller then
 * takes the model back (topo_truncate()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "core/engine/engine_int.h"
#include "core/engine/neigh.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "core/routing/routing.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"
#include "topo/change.h"
#include "topo/topo.h"

int emu_change_check(const struct emu *e, struct err *err)
{
	if (e->cluster || e->part.nmachines)
		return err_set(err, -EOPNOTSUPP,
			       "network '%s' runs across machines: changing "
			       "it while it runs is not supported yet",
			       e->topo->name);
	return 0;
}

/* Whether next hop x of node may be used: its link is not down. */
static bool nh_up(const struct emu *e, uint32_t node,
		  const struct topo_snap_nh *x)
{
	int k = topo_node_port_at(e->topo, node, x->ifindex);

	if (k < 0)
		return false;
	return !e->down[e->topo->ports[e->topo->nodes[node].ports[k]].link];
}

/* Node's routes made those of want's node w, from those of have's node h:
 * each wanted one replaced, in one batch sent from inside the node; then
 * each one no longer wanted deleted, in another. */
static int routes_sync(struct emu *e, struct nl_batch *b, uint32_t node,
		       const struct topo_route_snap *want, uint32_t w,
		       const struct topo_route_snap *have, uint32_t h,
		       struct err *err)
{
	const char *name = e->topo->nodes[node].name;
	struct rtnl_nexthop nh[64];
	struct nlmsghdr *nlh;
	uint32_t r, k;
	size_t nnh;
	int rc = 0;

	nl_batch_reset(b);
	for (r = 0; r < want->count[w] && !rc; r++) {
		const struct topo_snap_route *x = &want->r[want->first[w] + r];

		for (k = 0, nnh = 0; k < x->nh_count && nnh < 64; k++) {
			const struct topo_snap_nh *y = &want->nh[x->nh_first + k];

			if (!nh_up(e, node, y))
				continue;
			nh[nnh++] = (struct rtnl_nexthop){ y->gw, y->ifindex };
		}
		if (!nnh)
			continue;
		rc = nl_batch_reserve(b, MSG_MAX);
		if (rc)
			break;
		nlh = rtnl_route_new(TAIL(b), x->dst, x->plen, nh, nnh);
		if (!nlh)
			return -errno;
		nlh->nlmsg_flags = (nlh->nlmsg_flags & ~NLM_F_EXCL) |
				   NLM_F_REPLACE;
		rc = nl_batch_push(b, nlh, TAG_ROUTE | r);
	}
	if (!rc && nl_batch_count(b))
		rc = emu_node_send(e, node, b, err);
	else if (rc)
		return err_set(err, rc, "node %s: %s", name, strerror(-rc));
	if (rc || !have)
		return rc;
	nl_batch_reset(b);
	for (r = 0; r < have->count[h] && !rc; r++) {
		const struct topo_snap_route *x = &have->r[have->first[h] + r];

		if (!topo_snap_has(want, w, x->dst, x->plen))
			rc = PUSH(b, rtnl_route_del(TAIL(b), x->dst, x->plen),
				  TAG_ROUTE | r);
	}
	if (rc)
		return err_set(err, rc, "node %s: %s", name, strerror(-rc));
	if (!nl_batch_count(b))
		return 0;
	/* A route already gone with its interface is no failure. */
	rc = emu_node_send(e, node, b, err);
	return rc == -ESRCH ? 0 : rc;
}

/* The routes of every node that had routes in old (node o is now node
 * map[o], or o without a map) and whose routes changed, brought to now;
 * nodes from onodes on are new, configured with theirs already.  On a
 * failure, with undo, the nodes rewritten so far get old's back. */
static int routes_update(struct emu *e, const struct topo_route_snap *old,
			 const uint32_t *map, struct err *err)
{
	struct topo_route_snap now;
	struct nl_batch *b;
	uint32_t o, n, done;
	struct err ignore;
	int rc;

	rc = topo_snap_take(e->topo, &now);
	b = nl_batch_new(64 * 1024);
	if (rc || !b) {
		nl_batch_free(b);
		if (!rc)
			topo_snap_free(&now);
		return err_set(err, -ENOMEM, "routes: out of memory");
	}
	for (o = 0, rc = 0; o < old->nnodes && !rc; o++) {
		n = map ? map[o] : o;
		if (n == TOPO_NONE || !topo_snap_changed(old, o, &now, n))
			continue;
		rc = routes_sync(e, b, n, &now, n, old, o, err);
	}
	/* Put back what was rewritten: the change as a whole fails. */
	for (done = 0; rc && !map && done < o; done++)
		if (topo_snap_changed(old, done, &now, done))
			routes_sync(e, b, done, old, done, &now, done, &ignore);
	nl_batch_free(b);
	topo_snap_free(&now);
	return rc;
}

static int grow_arrays(struct emu *e, uint32_t on, uint32_t ol)
{
	const struct topo *t = e->topo;
	unsigned char *made, *down;

	made = realloc(e->made, t->nnodes + 1);
	if (!made)
		return -ENOMEM;
	e->made = made;
	down = realloc(e->down, t->nlinks + 1);
	if (!down)
		return -ENOMEM;
	e->down = down;
	if (t->nnodes > on)
		memset(made + on, 0, t->nnodes - on);
	if (t->nlinks > ol)
		memset(down + ol, 0, t->nlinks - ol);
	return 0;
}

/* The veth pairs of links [from, nlinks), in one batch. */
static int make_links(struct emu *e, uint32_t from, struct err *err)
{
	const struct topo *t = e->topo;
	struct nl_batch *b = nl_batch_new(64 * 1024);
	struct nl *nl = nl_open();
	int fds[2] = { -1, -1 }, rc = 0, i;
	uint32_t l;

	if (!b || !nl)
		rc = err_set(err, -ENOMEM, "links: out of memory");
	for (l = from; l < t->nlinks && !rc; l++) {
		for (i = 0; i < 2 && !rc; i++) {
			fds[i] = emu_open_ns(e, topo_link_node(t, l, i));
			if (fds[i] < 0)
				rc = err_set(err, fds[i], "node %s: namespace "
					     "gone: %s",
					     t->nodes[topo_link_node(t, l, i)].name,
					     strerror(-fds[i]));
		}
		if (!rc)
			rc = emu_add_veth(e, b, l, fds);
		/* The request holds the descriptors' numbers only: the
		 * kernel takes the namespaces when it runs it, so each
		 * link is sent before its descriptors close. */
		if (!rc)
			rc = emu_send_links(e, nl, b, err);
		for (i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		fds[0] = fds[1] = -1;
	}
	nl_batch_free(b);
	nl_close(nl);
	return rc;
}

/* Deletes links [from, nlinks) whose ends are both in nodes before
 * onodes (the others go with the new namespaces). */
static void unmake_links(struct emu *e, uint32_t onodes, uint32_t from)
{
	const struct topo *t = e->topo;
	uint32_t l, n;

	for (l = from; l < t->nlinks; l++) {
		n = topo_link_node(t, l, 0);
		if (n < onodes && topo_link_node(t, l, 1) < onodes)
			emu_node_link_del(e, n, topo_port_ifindex(t,
						t->links[l].port[0]));
	}
}

static int grow_build(struct emu *e, uint32_t onodes, uint32_t olinks,
		      uint32_t *oports, struct err *err)
{
	const struct topo *t = e->topo;
	struct nl_batch *b;
	uint32_t i;
	int rc = 0;

	for (i = onodes; i < t->nnodes && !rc; i++)
		rc = emu_make_namespace(e, i, err);
	if (!rc)
		rc = make_links(e, olinks, err);
	if (rc)
		return rc;
	b = nl_batch_new(64 * 1024);
	if (!b)
		return err_set(err, -ENOMEM, "out of memory");
	for (i = onodes; i < t->nnodes && !rc; i++)
		rc = emu_configure_node(e, b, i, err);
	for (i = 0; i < onodes && !rc; i++)
		if (t->nodes[i].nports > oports[i])
			rc = emu_configure_ports(e, b, i, oports[i], err);
	nl_batch_free(b);
	return rc;
}

/* The routing daemons of the new routers started, and those of the
 * routers the new links reach given their new configs. */
static int grow_routing(struct emu *e, uint32_t onodes, uint32_t olinks,
			struct err *err)
{
	const struct topo *t = e->topo;
	uint32_t i, n, fresh = 0, *routed;
	unsigned char *reload;
	int rc = 0, s;

	for (i = onodes; i < t->nnodes; i++)
		fresh += t->nodes[i].routing != NULL;
	if (fresh) {
		rc = routing_check_installed(t, err);
		if (rc)
			return rc;
		routed = realloc(e->routed, (e->nrouted + fresh) *
					    sizeof(*routed));
		if (!routed)
			return err_set(err, -ENOMEM, "out of memory");
		e->routed = routed;
	}
	reload = calloc(onodes + 1, 1);
	if (!reload)
		return err_set(err, -ENOMEM, "out of memory");
	for (i = olinks; i < t->nlinks; i++)
		for (s = 0; s < 2; s++) {
			n = topo_link_node(t, i, s);
			if (n < onodes && t->nodes[n].routing)
				reload[n] = 1;
		}
	for (i = onodes; i < t->nnodes && !rc; i++) {
		if (!t->nodes[i].routing)
			continue;
		rc = routing_node_start(t, i, err);
		e->routed[e->nrouted++] = i;
	}
	for (i = 0; i < onodes && !rc; i++)
		if (reload[i])
			rc = routing_node_reload(t, i, err);
	free(reload);
	return rc;
}

int emu_grow(struct emu *e, uint32_t onodes, uint32_t olinks,
	     const struct topo_route_snap *old, struct err *err)
{
	struct topo *t = e->topo;
	uint32_t *oports, i;
	int rc;

	rc = emu_change_check(e, err);
	if (rc)
		return rc;
	oports = calloc(onodes + 1, sizeof(*oports));
	if (!oports || grow_arrays(e, onodes, olinks)) {
		free(oports);
		return err_set(err, -ENOMEM, "out of memory");
	}
	/* The ports each old node had: the new links' ends are its last. */
	for (i = 0; i < onodes; i++) {
		uint32_t k = t->nodes[i].nports;

		while (k > 0 && t->ports[t->nodes[i].ports[k - 1]].link >= olinks)
			k--;
		oports[i] = k;
	}
	rc = emu_record(e, e->info.status, err);
	if (!rc)
		rc = neigh_reserve(t, err);
	if (!rc)
		rc = grow_build(e, onodes, olinks, oports, err);
	if (!rc)
		rc = routes_update(e, old, NULL, err);
	if (!rc)
		rc = grow_routing(e, onodes, olinks, err);
	if (rc) {
		/* The new routers' daemons die with their namespaces. */
		while (e->nrouted && e->routed[e->nrouted - 1] >= onodes)
			e->nrouted--;
		unmake_links(e, onodes, olinks);
		for (i = 0; i < onodes; i++)
			e->made[i] = 0;
		emu_remove_namespaces(t, e->made, false);
		for (i = 0; i < t->nnodes; i++)
			e->made[i] = i < onodes;
	}
	free(oports);
	return rc;
}

/* What a removal takes out of the kernel, named before the model lets
 * go of it: the namespaces of the nodes, and each link of two nodes that
 * stay by the namespace and interface index of its end 0. */
struct emu_gone {
	uint32_t nns, nlinks;
	char (*ns)[NETNS_PATHSIZ];
	ino_t *ino;
	char (*link_ns)[NETNS_PATHSIZ];
	int *link_ifindex;
};

void emu_gone_free(struct emu_gone *g)
{
	if (!g)
		return;
	free(g->ns);
	free(g->ino);
	free(g->link_ns);
	free(g->link_ifindex);
	free(g);
}

int emu_remove_prepare(struct emu *e, const bool *node_gone,
		       const bool *link_gone, struct emu_gone **out,
		       struct err *err)
{
	const struct topo *t = e->topo;
	struct emu_gone *g;
	uint32_t i, n0, n1;
	int rc;

	*out = NULL;
	rc = emu_change_check(e, err);
	if (rc)
		return rc;
	g = calloc(1, sizeof(*g));
	if (g) {
		g->ns = calloc(t->nnodes + 1, sizeof(*g->ns));
		g->ino = calloc(t->nnodes + 1, sizeof(*g->ino));
		g->link_ns = calloc(t->nlinks + 1, sizeof(*g->link_ns));
		g->link_ifindex = calloc(t->nlinks + 1, sizeof(int));
	}
	if (!g || !g->ns || !g->ino || !g->link_ns || !g->link_ifindex) {
		emu_gone_free(g);
		return err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; node_gone && i < t->nnodes; i++) {
		if (!node_gone[i] || !e->made[i])
			continue;
		emu_nspath(e, i, g->ns[g->nns], sizeof(g->ns[0]));
		g->ino[g->nns] = netns_inode(g->ns[g->nns]);
		g->nns++;
	}
	for (i = 0; link_gone && i < t->nlinks; i++) {
		n0 = topo_link_node(t, i, 0);
		n1 = topo_link_node(t, i, 1);
		if (!link_gone[i] ||
		    (node_gone && (node_gone[n0] || node_gone[n1])))
			continue;
		emu_nspath(e, n0, g->link_ns[g->nlinks], sizeof(g->link_ns[0]));
		g->link_ifindex[g->nlinks++] =
			topo_port_ifindex(t, t->links[i].port[0]);
	}
	*out = g;
	return 0;
}

/* Deletes interface ifindex in the namespace at path; gone already is
 * no failure. */
static int link_delete(struct emu *e, const char *path, int ifindex)
{
	struct nl_batch *b = nl_batch_new(4096);
	struct nl_fail f;
	struct nl *nl = NULL;
	int rc;

	if (!b)
		return -ENOMEM;
	rc = netns_enter(path);
	if (!rc) {
		nl = nl_open();
		rc = nl ? 0 : -errno;
		/* Without our namespace back nothing else is safe. */
		if (netns_return(e->home))
			rc = -EIO;
	}
	if (!rc)
		rc = PUSH(b, rtnl_link_del(TAIL(b), ifindex), 0);
	if (!rc)
		rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	nl_batch_free(b);
	return rc == -ENODEV || rc == -ENOENT ? 0 : rc;
}

int emu_remove_finish(struct emu *e, struct emu_gone *g, struct err *err)
{
	uint32_t i;
	int rc = 0, r;

	if (g->nns) {
		r = proc_kill_netns(g->ino, g->nns);
		if (r < 0)
			rc = err_set(err, r, "removing nodes: %s", strerror(-r));
	}
	for (i = 0; i < g->nns; i++) {
		r = netns_delete(g->ns[i]);
		if (r && r != -ENOENT && !rc)
			rc = err_set(err, r, "removing %s: %s", g->ns[i],
				     strerror(-r));
	}
	for (i = 0; i < g->nlinks; i++) {
		r = link_delete(e, g->link_ns[i], g->link_ifindex[i]);
		if (r && !rc)
			rc = err_set(err, r, "removing interface %d in %s: %s",
				     g->link_ifindex[i], g->link_ns[i],
				     strerror(-r));
	}
	emu_gone_free(g);
	/* Only now: the record must name what is still there. */
	r = emu_record(e, e->info.status, rc ? NULL : err);
	return rc ? rc : r;
}

/* a[map[i]] = a[i] for what stays (map[i] <= i). */
static void remap(unsigned char *a, const uint32_t *map, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (map[i] != TOPO_NONE)
			a[map[i]] = a[i];
}

int emu_shrunk(struct emu *e, const struct topo_map *m,
	       const struct topo_route_snap *old, struct err *err)
{
	uint32_t i, k;

	remap(e->made, m->node, m->nnodes);
	remap(e->down, m->link, m->nlinks);
	for (i = 0, k = 0; i < e->nrouted; i++)
		if (m->node[e->routed[i]] != TOPO_NONE)
			e->routed[k++] = m->node[e->routed[i]];
	e->nrouted = k;
	if (emu_impair_follow(e, m->link, m->nlinks))
		return err_set(err, -ENOMEM, "out of memory");
	/* Before anything goes: deleting an interface takes every route
	 * through it with it, multipath routes whole. */
	return routes_update(e, old, m->node, err);
}

int emu_link_mtu(struct emu *e, uint32_t l, uint32_t mtu, struct err *err)
{
	struct topo *t = e->topo;
	struct nl_batch *b;
	char what[TOPO_DESCSIZ];
	struct nl_fail f;
	struct nl *nl;
	int side, rc = 0;

	rc = emu_change_check(e, err);
	if (rc)
		return rc;
	b = nl_batch_new(4096);
	if (!b)
		return err_set(err, -ENOMEM, "out of memory");
	/* 0 is the kernel's default, which a veth is made with. */
	for (side = 0; side < 2 && !rc; side++) {
		uint32_t node = topo_link_node(t, l, side);

		nl = emu_open_in_node(e, node, &rc);
		if (!nl)
			break;
		nl_batch_reset(b);
		rc = PUSH(b, rtnl_link_set_mtu(TAIL(b),
					       topo_port_ifindex(t,
						t->links[l].port[side]),
					       mtu ? mtu : 1500), 0);
		if (!rc)
			rc = nl_batch_send(nl, b, &f);
		nl_close(nl);
	}
	nl_batch_free(b);
	if (rc)
		return err_set(err, rc, "%s: cannot set MTU %u: %s",
			       topo_link_describe(t, l, what, sizeof(what)),
			       mtu, strerror(-rc));
	t->links[l].mtu = mtu;
	return emu_record(e, e->info.status, err);
}
