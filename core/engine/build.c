/*
 * build: the phases that turn a planned topology into kernel objects:
 * namespaces, links, each node's own configuration, then (stp.c) the wait
 * for spanning tree.  Each phase runs its steps on the worker threads of
 * core/sys/par.c; a failed build is undone by engine.c; what a node needs
 * at any time (its namespace, a socket in it, its routes) is in node.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/engine/engine_int.h"
#include "core/sys/sysctl.h"
#include "core/sys/netns.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "core/routing/routing.h"
#include "topo/topo.h"

static int make_namespace(void *ctx, uint32_t i, unsigned w,
			  struct err *err)
{
	struct emu *e = ctx;
	const struct topo *t = e->topo;
	char path[NETNS_PATHSIZ];
	int rc;

	if (!emu_local(e, i))
		return 0;
	rc = emu_nspath(e, i, path, sizeof(path));
	if (!rc)
		rc = netns_create(path, e->home);
	if (rc == -EEXIST)
		return err_set(err, rc,
			       "node %s: namespace %s already exists and is "
			       "not this emulation's",
			       t->nodes[i].name, path);
	if (rc)
		return err_set(err, rc, "node %s: cannot create %s: %s",
			       t->nodes[i].name, path, strerror(-rc));
	e->made[i] = 1;
	return 0;
}

int emu_make_namespace(struct emu *e, uint32_t node, struct err *err)
{
	return make_namespace(e, node, 0, err);
}

/* Phase 1: one namespace per node. */
static int make_namespaces(struct emu *e, struct err *err)
{
	struct par p = { .n = e->topo->nnodes, .fn = make_namespace,
			 .ctx = e, EMU_PAR_PROGRESS(e, EMU_PHASE_NAMESPACES),
			 .err = err };
	int rc;

	rc = netns_setup();
	if (rc)
		return err_set(err, rc, "cannot prepare %s: %s", NETNS_RUN_DIR,
			       strerror(-rc));
	emu_progress(e, EMU_PHASE_NAMESPACES, 0, p.n);
	return par_run(&p, par_workers(p.n));
}

int emu_add_veth(struct emu *e, struct nl_batch *b, uint32_t l, int fds[2])
{
	const struct topo *t = e->topo;
	const struct topo_link *k = &t->links[l];
	struct rtnl_veth_end end[2];
	struct nlmsghdr *nlh;
	int i, rc;

	for (i = 0; i < 2; i++) {
		const struct topo_port *p = &t->ports[k->port[i]];

		end[i] = (struct rtnl_veth_end){
			.ifname = p->ifname,
			.netns_fd = fds[i],
			.ifindex = topo_port_ifindex(t, k->port[i]),
			.mac = p->mac_set ? p->mac : NULL,
			/* Not up yet: a veth opened before its peer is
			 * attached fails with ENOTCONN; node configuration
			 * brings ports up. */
			.up = false,
		};
	}
	rc = nl_batch_reserve(b, MSG_MAX);
	if (rc)
		return rc;
	nlh = rtnl_veth_new(nl_batch_tail(b), nl_batch_room(b), end, k->mtu);
	if (!nlh)
		return -errno;
	return nl_batch_push(b, nlh, l);
}

/* The end of cut link l on this machine: a VXLAN device in the node's
 * namespace (fd), its socket in ours on our underlay address.  Both ends
 * of the link get the part's MTU, so that an inner packet of that size
 * fits the underlay once wrapped. */
static int add_vxlan(struct emu *e, struct nl_batch *b, uint32_t l, int side,
		     int fd)
{
	const struct topo *t = e->topo;
	const struct topo_port *p = topo_link_port(t, l, side);
	uint32_t peer = topo_link_node(t, l, !side);
	struct rtnl_vxlan v = {
		.ifname = p->ifname,
		.netns_fd = fd,
		.ifindex = topo_port_ifindex(t, t->links[l].port[side]),
		.mac = p->mac_set ? p->mac : NULL,
		.vni = e->part.vni_base + l,
		.local = e->part.underlay[e->part.self],
		.remote = e->part.underlay[e->part.machine_of[peer]],
		.port = e->part.port,
		.mtu = e->part.mtu,
	};
	struct nlmsghdr *nlh;
	int rc;

	rc = nl_batch_reserve(b, MSG_MAX);
	if (rc)
		return rc;
	nlh = rtnl_vxlan_new(nl_batch_tail(b), nl_batch_room(b), &v);
	if (!nlh)
		return -errno;
	return nl_batch_push(b, nlh, l);
}

int emu_open_ns(struct emu *e, uint32_t node)
{
	char path[NETNS_PATHSIZ];

	if (emu_nspath(e, node, path, sizeof(path)))
		return -ENAMETOOLONG;
	return netns_open(path);
}

int emu_send_links(struct emu *e, struct nl *nl, struct nl_batch *b,
		   struct err *err)
{
	struct nl_fail f;
	char what[160];
	int rc;

	if (!nl_batch_count(b))
		return 0;
	rc = nl_batch_send(nl, b, &f);
	nl_batch_reset(b);
	if (!rc)
		return 0;
	if (f.tag == UINT32_MAX)
		return err_set(err, rc, "netlink: %s", strerror(-rc));
	topo_link_describe(e->topo, f.tag, what, sizeof(what));
	if (rc == -EOPNOTSUPP)
		return err_set(err, rc, "%s: the kernel lacks %s support",
			       what, emu_link_cut(e, f.tag) ? "VXLAN" : "veth");
	if (rc == -EEXIST && emu_link_cut(e, f.tag))
		return err_set(err, rc, "%s: VNI %u on UDP port %u is taken "
			       "on this machine (another emulation across "
			       "machines?)", what, e->part.vni_base + f.tag,
			       e->part.port);
	return emu_fail_msg(err, what, &f);
}

/* What one worker of the links phase holds: its socket and batch, and
 * the namespace descriptors of the batch's nodes, each opened once. */
struct links_worker {
	struct nl *nl;
	struct nl_batch *b;
	int *fd_of;      /* per node: its namespace, or -1 */
	uint32_t *opened; /* nodes whose fd_of is open */
	uint32_t nopened;
};

struct links_ctx {
	struct emu *e;
	struct links_worker w[WORKERS_MAX];
};

static int link_fds(struct emu *e, struct links_worker *w, uint32_t l,
		    int fds[2], struct err *err)
{
	const struct topo *t = e->topo;
	uint32_t i, n;

	for (i = 0; i < 2; i++) {
		n = topo_link_node(t, l, i);
		fds[i] = -1;
		if (!emu_local(e, n))
			continue;
		if (w->fd_of[n] < 0) {
			w->fd_of[n] = emu_open_ns(e, n);
			if (w->fd_of[n] < 0)
				return err_set(err, w->fd_of[n],
					       "link %u: namespace gone: %s", l,
					       strerror(-w->fd_of[n]));
			w->opened[w->nopened++] = n;
		}
		fds[i] = w->fd_of[n];
	}
	return 0;
}

/* One step: links [c * LINK_BATCH, + LINK_BATCH) in one batch. */
static int make_link_batch(void *ctx, uint32_t c, unsigned wi,
			   struct err *err)
{
	struct links_ctx *x = ctx;
	struct links_worker *w = &x->w[wi];
	const struct topo *t = x->e->topo;
	uint32_t l, end = (c + 1) * LINK_BATCH;
	int fds[2], rc = 0;

	if (end > t->nlinks)
		end = t->nlinks;
	nl_batch_reset(w->b);
	for (l = c * LINK_BATCH; l < end && !rc; l++) {
		rc = link_fds(x->e, w, l, fds, err);
		if (rc || (fds[0] < 0 && fds[1] < 0))
			continue; /* both ends on other machines */
		if (fds[0] >= 0 && fds[1] >= 0)
			rc = emu_add_veth(x->e, w->b, l, fds);
		else
			rc = add_vxlan(x->e, w->b, l, fds[0] < 0,
				       fds[0] < 0 ? fds[1] : fds[0]);
		if (rc)
			err_set(err, rc, "link %u: %s", l, strerror(-rc));
	}
	if (!rc)
		rc = emu_send_links(x->e, w->nl, w->b, err);
	while (w->nopened) {
		l = w->opened[--w->nopened];
		close(w->fd_of[l]);
		w->fd_of[l] = -1;
	}
	return rc;
}

static void links_worker_free(struct links_worker *w)
{
	free(w->fd_of);
	free(w->opened);
	nl_batch_free(w->b);
	nl_close(w->nl);
}

static int links_worker_init(struct links_worker *w, uint32_t nnodes)
{
	uint32_t i;

	w->nl = nl_open();
	w->b = nl_batch_new(LINK_BATCH * MSG_MAX);
	w->fd_of = malloc((nnodes + 1) * sizeof(*w->fd_of));
	w->opened = malloc(2 * LINK_BATCH * sizeof(*w->opened));
	if (!w->nl || !w->b || !w->fd_of || !w->opened)
		return -ENOMEM;
	for (i = 0; i < nnodes; i++)
		w->fd_of[i] = -1;
	return 0;
}

/* Phase 2: every link, from our own namespace, LINK_BATCH to a batch and
 * a batch to a step, so that a worker holds at most 2 * LINK_BATCH
 * namespace descriptors. */
static int make_links(struct emu *e, struct err *err)
{
	struct links_ctx x = { .e = e };
	uint32_t nl = e->topo->nlinks;
	struct par p = { .n = (nl + LINK_BATCH - 1) / LINK_BATCH,
			 .fn = make_link_batch, .ctx = &x,
			 EMU_PAR_PROGRESS(e, EMU_PHASE_LINKS), .err = err,
			 .per = LINK_BATCH, .total = nl };
	unsigned w, nw = par_workers(e->topo->nnodes);
	int rc = 0;

	for (w = 0; w < nw && !rc; w++)
		if (links_worker_init(&x.w[w], e->topo->nnodes))
			rc = err_set(err, -ENOMEM, "links: %s",
				     strerror(errno ? errno : ENOMEM));
	if (!rc && p.n)
		rc = par_run(&p, nw);
	for (w = 0; w < nw; w++)
		links_worker_free(&x.w[w]);
	return rc;
}

/* The node's port at position i up (enslaved to master when >= 0), with
 * IPv6 off first when v6 says the port still has it. */
static int port_up(struct nl_batch *b, const struct topo *t, uint32_t node,
		   uint32_t i, bool v6, int master)
{
	int ifx = topo_port_ifindex(t, t->nodes[node].ports[i]);
	int rc = 0;

	if (v6)
		rc = PUSH(b, rtnl_link_set_noipv6(TAIL(b), ifx, false), i);
	if (!rc)
		rc = PUSH(b, rtnl_link_set(TAIL(b), ifx, true, master), i);
	return rc;
}

static int add_switch(struct nl_batch *b, const struct topo *t,
		      uint32_t node, bool v6)
{
	const struct topo_node *n = &t->nodes[node];
	uint32_t i;
	int rc;

	/* Made down, so that it has no IPv6 address when it comes up. */
	rc = PUSH(b, rtnl_bridge_new(TAIL(b), "br0", TOPO_IFINDEX_BRIDGE,
				     n->stp, !v6), TAG_BRIDGE);
	if (!rc && v6)
		rc = PUSH(b, rtnl_link_set_noipv6(TAIL(b), TOPO_IFINDEX_BRIDGE, false),
			  TAG_BRIDGE);
	if (!rc && v6)
		rc = PUSH(b, rtnl_link_set(TAIL(b), TOPO_IFINDEX_BRIDGE, true,
					   -1), TAG_BRIDGE);
	for (i = 0; i < n->nports && !rc; i++)
		rc = port_up(b, t, node, i, v6, TOPO_IFINDEX_BRIDGE);
	return rc;
}

static int add_l3(struct nl_batch *b, const struct topo *t, uint32_t node,
		  bool v6)
{
	const struct topo_node *n = &t->nodes[node];
	uint32_t i;
	int rc = 0;

	if (n->kind == TOPO_ROUTER && n->lo.ip)
		rc = PUSH(b, rtnl_addr_new(TAIL(b), TOPO_IFINDEX_LO, n->lo.ip,
					   32), TAG_LO);
	for (i = 0; i < n->nports && !rc; i++) {
		const struct topo_port *p = &t->ports[n->ports[i]];

		/* An unnumbered BGP session needs the port's IPv6
		 * link-local address. */
		rc = port_up(b, t, node, i,
			     v6 && !topo_port_unnumbered(t, n->ports[i]), -1);
		if (rc || !p->addr.ip)
			continue;
		rc = PUSH(b, rtnl_addr_new(TAIL(b),
					   topo_port_ifindex(t, n->ports[i]),
					   p->addr.ip, p->addr.plen), i);
	}
	return rc ? rc : emu_add_routes(b, t, node, NULL, false);
}

int emu_configure_ports(struct emu *e, struct nl_batch *b, uint32_t node,
			uint32_t first, struct err *err)
{
	const struct topo *t = e->topo;
	const struct topo_node *n = &t->nodes[node];
	bool sw = n->kind == TOPO_SWITCH;
	uint32_t i;
	int rc = 0;

	nl_batch_reset(b);
	for (i = first; i < n->nports && !rc; i++) {
		const struct topo_port *p = &t->ports[n->ports[i]];

		rc = port_up(b, t, node, i, e->ipv6 &&
			     !topo_port_unnumbered(t, n->ports[i]),
			     sw ? TOPO_IFINDEX_BRIDGE : -1);
		if (rc || sw || !p->addr.ip)
			continue;
		rc = PUSH(b, rtnl_addr_new(TAIL(b),
					   topo_port_ifindex(t, n->ports[i]),
					   p->addr.ip, p->addr.plen), i);
	}
	if (rc)
		return err_set(err, rc, "node %s: %s", n->name, strerror(-rc));
	return emu_node_send(e, node, b, err);
}

int emu_configure_node(struct emu *e, struct nl_batch *b, uint32_t node,
		       struct err *err)
{
	const struct topo *t = e->topo;
	struct nl_fail f;
	struct nl *nl;
	int rc;

	nl_batch_reset(b);
	rc = PUSH(b, rtnl_link_set(TAIL(b), TOPO_IFINDEX_LO, true, -1),
		  TAG_LO);
	if (!rc)
		rc = t->nodes[node].kind == TOPO_SWITCH ?
			     add_switch(b, t, node, e->ipv6) :
			     add_l3(b, t, node, e->ipv6);
	if (rc)
		return err_set(err, rc, "node %s: %s", t->nodes[node].name,
			       strerror(-rc));
	nl = emu_enter_node(e, node, true, &rc);
	if (!nl)
		return err_set(err, rc, "node %s: cannot enter: %s",
			       t->nodes[node].name, strerror(-rc));
	rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	if (rc && f.tag == UINT32_MAX)
		return err_set(err, rc, "node %s: netlink: %s",
			       t->nodes[node].name, strerror(-rc));
	return rc ? emu_node_fail(err, t, node, &f) : 0;
}

struct nodes_ctx {
	struct emu *e;
	struct nl_batch *b[WORKERS_MAX]; /* one per worker */
};

static int configure_one(void *ctx, uint32_t i, unsigned w, struct err *err)
{
	struct nodes_ctx *c = ctx;

	if (!emu_local(c->e, i))
		return 0;
	return emu_configure_node(c->e, c->b[w], i, err);
}

/* Phase 3: each node's own configuration. */
static int configure_nodes(struct emu *e, struct err *err)
{
	struct nodes_ctx c = { .e = e };
	struct par p = { .n = e->topo->nnodes, .fn = configure_one,
			 .ctx = &c, EMU_PAR_PROGRESS(e, EMU_PHASE_NODES),
			 .err = err };
	unsigned w, nw = par_workers(p.n);
	int rc = 0;

	for (w = 0; w < nw && !rc; w++)
		if (!(c.b[w] = nl_batch_new(64 * 1024)))
			rc = -ENOMEM;
	emu_progress(e, EMU_PHASE_NODES, 0, p.n);
	if (!rc)
		rc = par_run(&p, nw);
	for (w = 0; w < nw; w++)
		nl_batch_free(c.b[w]);
	return rc;
}

static int spawn_daemons(void *ctx, uint32_t i, unsigned w,
			 struct err *err)
{
	struct emu *e = ctx;

	return routing_node_spawn(e->topo, e->routed[i], err);
}

static int begin_routing(void *ctx, uint32_t i, unsigned w, struct err *err)
{
	struct emu *e = ctx;

	return routing_node_load(e->topo, e->routed[i], err);
}

/* The last phases, once every link is up: the routing daemons that do
 * not route yet on every router, then what routes (routing_node_spawn()
 * and _load() say why in two steps), each on the workers.  FRR takes
 * about 30 ms of CPU per daemon to start, mostly building its command
 * tree; on a large fabric most of the CPU goes to the protocols once
 * they run (docs/performance.md). */
static int start_routing(struct emu *e, struct err *err)
{
	struct par p = { .fn = spawn_daemons, .ctx = e,
			 EMU_PAR_PROGRESS(e, EMU_PHASE_DAEMONS), .err = err };
	uint32_t i;
	int rc;

	for (i = 0; i < e->topo->nnodes; i++)
		if (e->topo->nodes[i].routing && emu_local(e, i))
			p.n++;
	if (!p.n)
		return 0;
	free(e->routed);
	e->routed = malloc(p.n * sizeof(*e->routed));
	if (!e->routed)
		return err_set(err, -ENOMEM, "out of memory");
	for (i = 0, p.n = 0; i < e->topo->nnodes; i++)
		if (e->topo->nodes[i].routing && emu_local(e, i))
			e->routed[p.n++] = i;
	e->nrouted = p.n;
	/* Each start waits on its daemons' sockets: more workers than CPUs
	 * keep the CPUs busy. */
	rc = par_run(&p, p.n < 8 ? p.n : 8);
	if (rc)
		return rc;
	p.fn = begin_routing;
	p.tag = EMU_PHASE_ROUTING;
	emu_progress(e, EMU_PHASE_ROUTING, 0, p.n);
	return par_run(&p, p.n < 8 ? p.n : 8);
}

int emu_build(struct emu *e, struct err *err)
{
	int rc;

	rc = make_namespaces(e, err);
	if (!rc)
		rc = make_links(e, err);
	if (!rc)
		rc = configure_nodes(e, err);
	if (!rc)
		rc = emu_wait_stp(e, err);
	/* Best effort: without it, a port may drop its first packets. */
	if (!rc)
		emu_settle(e);
	if (!rc)
		rc = start_routing(e, err);
	return rc;
}
