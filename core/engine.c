#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/engine.h"
#include "core/feature.h"
#include "core/intr.h"
#include "core/limits.h"
#include "core/neigh.h"
#include "core/netns.h"
#include "core/nl.h"
#include "core/proc.h"
#include "core/rtnl.h"
#include "core/state.h"
#include "topo/topo.h"

/* Tags of the requests of a node's batch, to name what the kernel
 * refused: a port's index, or one of these.  UINT32_MAX is the
 * transport's own. */
#define TAG_BRIDGE 0x40000000u
#define TAG_LO 0x40000001u
#define TAG_ROUTE 0x80000000u

/* Links per netlink batch: bounded so that the namespace descriptors the
 * batch needs (two per link) stay far below the fd limit. */
#define LINK_BATCH 256
#define MSG_MAX 512

struct emu {
	struct topo *topo;
	int home;            /* our own network namespace */
	unsigned char *made; /* per node: we created its namespace */
	unsigned char *down; /* per link: set down by emu_link_set() */
	bool ipv6;           /* the kernel has IPv6 (turned off in nodes) */
	struct emu_opts opts;
	struct state_info info;
};

struct topo *emu_topo(const struct emu *e)
{
	return e->topo;
}

int emu_nspath(const struct emu *e, uint32_t node, char *buf, size_t len)
{
	return netns_path(buf, len, e->topo->name, e->topo->nodes[node].name);
}

/* What builds started without a progress callback of their own use. */
static struct emu_opts default_opts;

void emu_progress_default(const struct emu_opts *opts)
{
	default_opts = *opts;
}

static void progress(struct emu *e, enum emu_phase phase, size_t done,
		     size_t total)
{
	if (e->opts.progress)
		e->opts.progress(e->opts.arg, phase, done, total);
}

static int check_intr(struct err *err)
{
	if (!intr_signal)
		return 0;
	return err_set(err, -EINTR, "interrupted by signal %d", intr_signal);
}

/* "link h1-s1" or "link h1-s1 (demo.lua:7)" */
static const char *link_label(const struct topo *t, uint32_t l, char *buf,
			      size_t len)
{
	const struct topo_link *k = &t->links[l];
	const char *a = t->nodes[t->ports[k->port[0]].node].name;
	const char *b = t->nodes[t->ports[k->port[1]].node].name;

	if (k->where.file)
		snprintf(buf, len, "link %s-%s (%s:%d)", a, b, k->where.file,
			 k->where.line);
	else
		snprintf(buf, len, "link %s-%s", a, b);
	return buf;
}

static int fail_msg(struct err *err, const char *what,
		    const struct nl_fail *f)
{
	if (f->msg[0])
		return err_set(err, f->error, "%s: %s (%s)", what,
			       strerror(-f->error), f->msg);
	return err_set(err, f->error, "%s: %s", what, strerror(-f->error));
}

/*
 * Phases whose steps are one per node run on every CPU (up to
 * WORKERS_MAX threads taking the next node from a shared counter).  The
 * kernel does much of a build under one lock (rtnl), but creating and
 * entering namespaces, mounting, opening sockets and waiting for RCU grace
 * periods overlap.  Namespaces belong to threads (unshare() and setns()
 * act on the calling thread), so each worker moves on its own.  Small
 * topologies stay on one thread, so that their errors come in node order.
 */
#define WORKERS_MAX 4
#define WORKERS_MIN_NODES 256

struct par {
	uint32_t n;
	/* One step; w is the worker's number, for per-worker resources. */
	int (*fn)(void *ctx, uint32_t i, unsigned w, struct err *err);
	void *ctx;
	struct emu *e; /* for progress; NULL for none */
	enum emu_phase phase;
	bool finish;   /* go on through signals (teardown) */
	uint32_t per;  /* progress units per step (1 when 0) */
	uint32_t total; /* progress total (n when 0) */
	uint32_t mask; /* progress every mask + 1 steps (64 when 0 and per
			* is 1) */
	atomic_uint next, done;
	atomic_int stop;
	pthread_mutex_t lock;
	int rc;          /* the first failure */
	struct err *err; /* its sentence */
};

struct worker {
	struct par *p;
	unsigned w;
	pthread_t tid;
	struct err err;
};

static void *par_loop(void *arg)
{
	struct worker *k = arg;
	struct par *p = k->p;
	uint32_t i, done;
	int rc;

	while (!atomic_load(&p->stop)) {
		i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		rc = p->fn(p->ctx, i, k->w, &k->err);
		if (rc) {
			pthread_mutex_lock(&p->lock);
			if (!p->rc) {
				p->rc = rc;
				*p->err = k->err;
			}
			pthread_mutex_unlock(&p->lock);
			atomic_store(&p->stop, 1);
			break;
		}
		done = atomic_fetch_add(&p->done, 1) + 1;
		if (intr_signal && !p->finish)
			atomic_store(&p->stop, 1);
		/* The callback belongs to the thread that started the build. */
		if (k->w == 0 && p->e && !(done & p->mask) && done < p->n)
			progress(p->e, p->phase, (size_t)done * p->per,
				 p->total);
	}
	return NULL;
}

static unsigned workers_for(uint32_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < WORKERS_MIN_NODES || cpus < 2)
		return 1;
	return cpus > WORKERS_MAX ? WORKERS_MAX : (unsigned)cpus;
}

/* Runs p->fn for every i in [0, p->n) on nworkers threads, the caller's
 * among them, and stops at the first failure or signal.  Returns 0 or
 * that failure's -errno (its sentence in p->err). */
static int par_run(struct par *p, unsigned nworkers)
{
	struct worker k[WORKERS_MAX] = { 0 };
	sigset_t all, old;
	unsigned w, started = 1;

	if (!p->per)
		p->per = 1;
	if (!p->total)
		p->total = p->n;
	if (!p->mask && p->per == 1)
		p->mask = 63;
	atomic_init(&p->next, 0);
	atomic_init(&p->done, 0);
	atomic_init(&p->stop, 0);
	pthread_mutex_init(&p->lock, NULL);
	p->rc = 0;
	/* Signals stay with the calling thread, whose handler sets
	 * intr_signal; the workers see it between steps. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (w = 0; w < nworkers && w < WORKERS_MAX; w++) {
		k[w].p = p;
		k[w].w = w;
		if (w && !pthread_create(&k[w].tid, NULL, par_loop, &k[w]))
			started = w + 1;
		else if (w)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	par_loop(&k[0]);
	for (w = 1; w < started; w++)
		pthread_join(k[w].tid, NULL);
	pthread_mutex_destroy(&p->lock);
	if (!p->rc && intr_signal && !p->finish)
		p->rc = check_intr(p->err);
	if (!p->rc && p->e)
		progress(p->e, p->phase, p->total, p->total);
	return p->rc;
}

static int make_namespace(void *ctx, uint32_t i, unsigned w,
			  struct err *err)
{
	struct emu *e = ctx;
	const struct topo *t = e->topo;
	char path[NETNS_PATHSIZ];
	int rc;

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

/* Phase 1: one namespace per node. */
static int make_namespaces(struct emu *e, struct err *err)
{
	struct par p = { .n = e->topo->nnodes, .fn = make_namespace,
			 .ctx = e, .e = e, .phase = EMU_PHASE_NAMESPACES,
			 .err = err };
	int rc;

	rc = netns_setup();
	if (rc)
		return err_set(err, rc, "cannot prepare %s: %s", NETNS_RUN_DIR,
			       strerror(-rc));
	progress(e, EMU_PHASE_NAMESPACES, 0, p.n);
	return par_run(&p, workers_for(p.n));
}

static int add_veth(struct emu *e, struct nl_batch *b, uint32_t l, int fds[2])
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
			.ifindex = TOPO_IFINDEX_PORT0 + p->index,
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

static int open_ns(struct emu *e, uint32_t node)
{
	char path[NETNS_PATHSIZ];
	int fd;

	if (emu_nspath(e, node, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int send_links(struct emu *e, struct nl *nl, struct nl_batch *b,
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
	link_label(e->topo, f.tag, what, sizeof(what));
	if (rc == -EOPNOTSUPP)
		return err_set(err, rc, "%s: the kernel lacks veth support",
			       what);
	return fail_msg(err, what, &f);
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
		n = t->ports[t->links[l].port[i]].node;
		if (w->fd_of[n] < 0) {
			w->fd_of[n] = open_ns(e, n);
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
		if (!rc && (rc = add_veth(x->e, w->b, l, fds)))
			err_set(err, rc, "link %u: %s", l, strerror(-rc));
	}
	if (!rc)
		rc = send_links(x->e, w->nl, w->b, err);
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
			 .fn = make_link_batch, .ctx = &x, .e = e,
			 .phase = EMU_PHASE_LINKS, .err = err,
			 .per = LINK_BATCH, .total = nl };
	unsigned w, nw = workers_for(e->topo->nnodes);
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

static int push(struct nl_batch *b, struct nlmsghdr *nlh, uint32_t tag)
{
	return nlh ? nl_batch_push(b, nlh, tag) : -errno;
}

#define PUSH(b, call, tag)                                                   \
	({                                                                   \
		int __rc = nl_batch_reserve(b, MSG_MAX);                     \
		if (!__rc)                                                   \
			__rc = push(b, call, tag);                           \
		__rc;                                                        \
	})
#define TAIL(b) nl_batch_tail(b), nl_batch_room(b)

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
static struct nlmsghdr *no_ipv6(void *buf, size_t len, int ifindex, bool up)
{
	struct nlmsghdr *nlh = rtnl_link_set(buf, len, ifindex, up, -1);
	struct nlattr *spec, *af;

	if (!nlh)
		return NULL;
	spec = mnl_attr_nest_start_check(nlh, len, IFLA_AF_SPEC);
	af = spec ? mnl_attr_nest_start_check(nlh, len, AF_INET6) : NULL;
	if (!af || !mnl_attr_put_u8_check(nlh, len, IFLA_INET6_ADDR_GEN_MODE,
					  IN6_ADDR_GEN_MODE_NONE)) {
		errno = ENOSPC;
		return NULL;
	}
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}

static int add_switch(struct nl_batch *b, const struct topo_node *n, bool v6)
{
	uint32_t i;
	int rc;

	/* Made down, so that it has no IPv6 address when it comes up. */
	rc = PUSH(b, rtnl_bridge_new(TAIL(b), "br0", TOPO_IFINDEX_BRIDGE,
				     n->stp, !v6), TAG_BRIDGE);
	if (!rc && v6)
		rc = PUSH(b, no_ipv6(TAIL(b), TOPO_IFINDEX_BRIDGE, false),
			  TAG_BRIDGE);
	if (!rc && v6)
		rc = PUSH(b, rtnl_link_set(TAIL(b), TOPO_IFINDEX_BRIDGE, true,
					   -1), TAG_BRIDGE);
	for (i = 0; i < n->nports && !rc; i++) {
		if (v6)
			rc = PUSH(b, no_ipv6(TAIL(b), TOPO_IFINDEX_PORT0 + i,
					     false), i);
		if (!rc)
			rc = PUSH(b, rtnl_link_set(TAIL(b),
						   TOPO_IFINDEX_PORT0 + i, true,
						   TOPO_IFINDEX_BRIDGE), i);
	}
	return rc;
}

/* Adds node's routes to b, leaving out next hops over links that are
 * down (the kernel refuses them).  With replace, existing routes are
 * overwritten rather than refused. */
static int add_routes(struct nl_batch *b, const struct topo *t, uint32_t node,
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

		if (v6)
			rc = PUSH(b, no_ipv6(TAIL(b), TOPO_IFINDEX_PORT0 + i,
					     false), i);
		if (!rc)
			rc = PUSH(b, rtnl_link_set(TAIL(b),
						   TOPO_IFINDEX_PORT0 + i, true,
						   -1), i);
		if (rc || !p->addr.ip)
			continue;
		rc = PUSH(b, rtnl_addr_new(TAIL(b), TOPO_IFINDEX_PORT0 + i,
					   p->addr.ip, p->addr.plen), i);
	}
	return rc ? rc : add_routes(b, t, node, NULL, false);
}

static int write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* A node's own settings, written from inside it (/proc/sys/net follows
 * the opener's namespace): routers forward. */
static int node_sysctls(const struct topo_node *n)
{
	if (n->kind == TOPO_ROUTER)
		return write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	return 0;
}

/* Opens a netlink socket inside node's namespace; with setup, writes the
 * node's settings while there (node_sysctls()). */
static struct nl *enter_and_open(struct emu *e, uint32_t node, bool setup,
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

/* Opens a netlink socket inside node's namespace. */
static struct nl *open_in_node(struct emu *e, uint32_t node, int *rc)
{
	return enter_and_open(e, node, false, rc);
}

static int node_fail(struct err *err, const struct topo *t, uint32_t node,
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
	else
		snprintf(what, sizeof(what), "node %s: interface %s", n->name,
			 t->ports[n->ports[f->tag]].ifname);
	if (f->error == -EOPNOTSUPP && n->kind == TOPO_SWITCH)
		return err_set(err, f->error,
			       "%s: the kernel lacks bridge support", what);
	return fail_msg(err, what, f);
}

static int configure_node(struct emu *e, struct nl_batch *b, uint32_t node,
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
			     add_switch(b, &t->nodes[node], e->ipv6) :
			     add_l3(b, t, node, e->ipv6);
	if (rc)
		return err_set(err, rc, "node %s: %s", t->nodes[node].name,
			       strerror(-rc));
	nl = enter_and_open(e, node, true, &rc);
	if (!nl)
		return err_set(err, rc, "node %s: cannot enter: %s",
			       t->nodes[node].name, strerror(-rc));
	rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	if (rc && f.tag == UINT32_MAX)
		return err_set(err, rc, "node %s: netlink: %s",
			       t->nodes[node].name, strerror(-rc));
	return rc ? node_fail(err, t, node, &f) : 0;
}

struct nodes_ctx {
	struct emu *e;
	struct nl_batch *b[WORKERS_MAX]; /* one per worker */
};

static int configure_one(void *ctx, uint32_t i, unsigned w, struct err *err)
{
	struct nodes_ctx *c = ctx;

	return configure_node(c->e, c->b[w], i, err);
}

/* Phase 3: each node's own configuration. */
static int configure_nodes(struct emu *e, struct err *err)
{
	struct nodes_ctx c = { .e = e };
	struct par p = { .n = e->topo->nnodes, .fn = configure_one,
			 .ctx = &c, .e = e, .phase = EMU_PHASE_NODES,
			 .err = err };
	unsigned w, nw = workers_for(p.n);
	int rc = 0;

	for (w = 0; w < nw && !rc; w++)
		if (!(c.b[w] = nl_batch_new(64 * 1024)))
			rc = -ENOMEM;
	progress(e, EMU_PHASE_NODES, 0, p.n);
	if (!rc)
		rc = par_run(&p, nw);
	for (w = 0; w < nw; w++)
		nl_batch_free(c.b[w]);
	return rc;
}

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

	nl = open_in_node(e, node, &rc);
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
static int wait_stp(struct emu *e, struct err *err)
{
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	const struct topo *t = e->topo;
	int round, settling, rc;
	uint32_t i;
	bool any = false;

	for (i = 0; i < t->nnodes; i++)
		any |= t->nodes[i].kind == TOPO_SWITCH && t->nodes[i].stp;
	for (round = 0; any && round < 120; round++) {
		settling = 0;
		for (i = 0; i < t->nnodes; i++) {
			if (t->nodes[i].kind != TOPO_SWITCH || !t->nodes[i].stp)
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
		if ((rc = check_intr(err)))
			return rc;
		nanosleep(&ts, NULL);
	}
	return 0;
}

struct remove_ctx {
	const struct topo *t;
	const unsigned char *made;
	atomic_int rc; /* the first failure, removal goes on */
};

static int remove_one(void *ctx, uint32_t i, unsigned w, struct err *err)
{
	struct remove_ctx *c = ctx;
	char path[NETNS_PATHSIZ];
	int r, none = 0;

	if (c->made && !c->made[i])
		return 0;
	if (netns_path(path, sizeof(path), c->t->name, c->t->nodes[i].name))
		return 0;
	r = netns_delete(path);
	if (r && r != -ENOENT)
		atomic_compare_exchange_strong(&c->rc, &none, r);
	return 0;
}

/* Kills what runs in the namespaces we made, then removes them (each
 * unmount waits for an RCU grace period, so they go on every CPU). */
static int remove_namespaces(const struct topo *t, const unsigned char *made)
{
	struct remove_ctx c = { .t = t, .made = made };
	struct par p = { .n = t->nnodes, .fn = remove_one, .ctx = &c,
			 .finish = true };
	char path[NETNS_PATHSIZ];
	struct err err;
	ino_t *inodes;
	uint32_t i;
	int rc = 0, r;

	inodes = calloc(t->nnodes ? t->nnodes : 1, sizeof(*inodes));
	if (!inodes)
		return -ENOMEM;
	for (i = 0; i < t->nnodes; i++) {
		if (made && !made[i])
			continue;
		if (!netns_path(path, sizeof(path), t->name, t->nodes[i].name))
			inodes[i] = netns_inode(path);
	}
	r = proc_kill_netns(inodes, t->nnodes);
	if (r < 0)
		rc = r;
	p.err = &err;
	atomic_init(&c.rc, 0);
	par_run(&p, workers_for(p.n));
	if (!rc)
		rc = atomic_load(&c.rc);
	free(inodes);
	return rc;
}

static void emu_free(struct emu *e)
{
	if (e->home >= 0)
		close(e->home);
	free(e->made);
	free(e->down);
	free(e);
}

/* Refuses up front a topology this kernel cannot build, naming what is
 * missing and what needs it. */
static int check_features(const struct topo *t, struct err *err)
{
	uint32_t i, sw = TOPO_NONE;
	int rc;

	if (t->nlinks) {
		rc = feature_has(FEAT_VETH);
		if (rc == 0)
			return err_set(err, -EOPNOTSUPP,
				       "this kernel lacks veth support (%s), "
				       "which every link needs",
				       feature_config(FEAT_VETH));
		if (rc < 0)
			return err_set(err, rc, "cannot probe the kernel: %s",
				       strerror(-rc));
	}
	for (i = 0; i < t->nnodes && sw == TOPO_NONE; i++)
		if (t->nodes[i].kind == TOPO_SWITCH)
			sw = i;
	if (sw != TOPO_NONE && feature_has(FEAT_BRIDGE) == 0)
		return err_set(err, -EOPNOTSUPP,
			       "this kernel lacks bridge support (%s), which "
			       "switch %s needs",
			       feature_config(FEAT_BRIDGE), t->nodes[sw].name);
	return 0;
}

static int claim(struct topo *t, struct err *err)
{
	struct state_info info;
	int rc;

	rc = state_claim(t->name);
	if (rc == -EEXIST) {
		if (state_read_info(t->name, &info) == 0 &&
		    state_is_stale(&info))
			return err_set(err, rc,
				       "emulation '%s' was left behind by a "
				       "lunet that died (pid %d); run 'lunet "
				       "clean' first",
				       t->name, (int)info.owner);
		return err_set(err, rc,
			       "emulation '%s' is already running; stop it "
			       "with 'lunet down %s' or choose another name",
			       t->name, t->name);
	}
	if (rc == -EACCES || rc == -EPERM)
		return err_set(err, rc, "%s: permission denied (lunet needs "
			       "root)", state_dir());
	if (rc)
		return err_set(err, rc, "cannot record emulation '%s' in %s: "
			       "%s", t->name, state_dir(), strerror(-rc));
	return 0;
}

static int record(struct emu *e, enum state_status status, struct err *err)
{
	int rc;

	e->info.status = status;
	rc = state_write(e->topo, &e->info);
	if (rc)
		return err_set(err, rc, "cannot write the state of '%s': %s",
			       e->topo->name, strerror(-rc));
	return 0;
}

static int build(struct emu *e, struct err *err)
{
	int rc;

	rc = record(e, STATE_BUILDING, err);
	if (!rc)
		rc = neigh_reserve(e->topo, err);
	if (!rc)
		rc = make_namespaces(e, err);
	if (!rc)
		rc = make_links(e, err);
	if (!rc)
		rc = configure_nodes(e, err);
	if (!rc)
		rc = wait_stp(e, err);
	if (!rc)
		rc = record(e, STATE_RUNNING, err);
	return rc;
}

int emu_start(struct topo *t, const struct emu_opts *opts, struct emu **out,
	      struct err *err)
{
	struct emu *e;
	int rc;

	if (!t->planned)
		return err_set(err, -EINVAL, "network '%s' is not planned",
			       t->name);
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->topo = t;
	e->home = -1;
	if (opts)
		e->opts = *opts;
	if (!e->opts.progress)
		e->opts = default_opts;
	e->made = calloc(t->nnodes ? t->nnodes : 1, 1);
	e->down = calloc(t->nlinks ? t->nlinks : 1, 1);
	e->home = netns_open_self();
	if (!e->made || !e->down || e->home < 0) {
		emu_free(e);
		return err_set(err, -ENOMEM, "out of memory or descriptors");
	}
	e->info.owner = getpid();
	e->info.owner_start = proc_starttime(e->info.owner);
	e->info.created = time(NULL);
	e->ipv6 = access("/proc/sys/net/ipv6", F_OK) == 0;
	rc = check_features(t, err);
	if (!rc)
		rc = limits_check(t, WORKERS_MAX * 2 * LINK_BATCH, err);
	if (!rc)
		rc = claim(t, err);
	if (rc) {
		emu_free(e);
		return rc;
	}
	rc = build(e, err);
	if (rc) {
		remove_namespaces(t, e->made);
		state_remove(t->name);
		neigh_release(NULL);
		emu_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int emu_stop(struct emu *e, struct err *err)
{
	int rc;

	progress(e, EMU_PHASE_TEARDOWN, 0, e->topo->nnodes);
	record(e, STATE_STOPPING, NULL);
	rc = remove_namespaces(e->topo, NULL);
	if (rc)
		err_set(err, rc, "teardown of '%s': %s", e->topo->name,
			strerror(-rc));
	state_remove(e->topo->name);
	neigh_release(NULL);
	progress(e, EMU_PHASE_TEARDOWN, e->topo->nnodes, e->topo->nnodes);
	emu_free(e);
	return rc;
}

int emu_detach(struct emu *e)
{
	int rc;

	e->info.owner = 0;
	e->info.owner_start = 0;
	rc = record(e, STATE_UP, NULL);
	emu_free(e);
	return rc;
}

/* Sets one end of a link up or down; bringing it up also puts back the
 * node's routes, since the kernel deleted those through the port when it
 * went down. */
static int set_end(struct emu *e, const struct topo_port *p, bool up)
{
	struct nl_batch *b;
	struct nl_fail f;
	struct nl *nl;
	int rc;

	nl = open_in_node(e, p->node, &rc);
	if (!nl)
		return rc;
	b = nl_batch_new(64 * 1024);
	rc = b ? PUSH(b, rtnl_link_set(TAIL(b), TOPO_IFINDEX_PORT0 + p->index,
				       up, -1), 0) : -ENOMEM;
	if (!rc && up)
		rc = add_routes(b, e->topo, p->node, e->down, true);
	if (!rc)
		rc = nl_batch_send(nl, b, &f);
	nl_batch_free(b);
	nl_close(nl);
	return rc;
}

int emu_link_set(struct emu *e, uint32_t link, bool up, struct err *err)
{
	const struct topo *t = e->topo;
	char what[160];
	int i, rc;

	if (link >= t->nlinks)
		return err_set(err, -ENOENT, "no link %u", link);
	e->down[link] = !up;
	for (i = 0; i < 2; i++) {
		rc = set_end(e, &t->ports[t->links[link].port[i]], up);
		if (rc)
			return err_set(err, rc, "%s: cannot set %s: %s",
				       link_label(t, link, what, sizeof(what)),
				       up ? "up" : "down", strerror(-rc));
	}
	return 0;
}

/* Asks the live owner of an emulation to tear it down itself, and waits
 * for it to do so: as long as it lives once it has started (a large
 * emulation takes a while), 10 s for it to start. */
static bool owner_stops(const char *name, const struct state_info *info)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct state_info now;
	int i;

	if (info->owner == getpid() || !state_owner_alive(info))
		return false;
	kill(info->owner, SIGTERM);
	for (i = 0;; i++) {
		if (state_read_info(name, &now) == -ENOENT)
			return true;
		if (!state_owner_alive(info) ||
		    (i >= 200 && now.status != STATE_STOPPING))
			return false;
		nanosleep(&ts, NULL);
	}
}

int emu_destroy(const char *name, struct err *err)
{
	struct state_info info;
	struct topo *t = NULL;
	int rc;

	rc = state_read(name, &t, &info, err);
	if (rc == -ENOENT)
		return err_set(err, rc, "no emulation named '%s'", name);
	if (rc)
		return rc;
	if (owner_stops(name, &info)) {
		topo_free(t);
		return 0;
	}
	info.status = STATE_STOPPING;
	info.owner = getpid();
	info.owner_start = proc_starttime(info.owner);
	state_write(t, &info);
	rc = remove_namespaces(t, NULL);
	if (rc)
		err_set(err, rc, "teardown of '%s': %s", name, strerror(-rc));
	else
		rc = state_remove(name);
	topo_free(t);
	neigh_release(NULL);
	return rc;
}

int emu_adopt(struct emu *e)
{
	e->info.owner = getpid();
	e->info.owner_start = proc_starttime(e->info.owner);
	return record(e, STATE_UP, NULL);
}

void emu_release(struct emu *e)
{
	emu_free(e);
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
	struct nl_fail f;
	struct nl *nl;
	uint32_t k;
	int rc = 0;

	nl_batch_reset(b);
	for (k = 0; k < n->nports && !rc && !routes; k++)
		if (inset[t->ports[n->ports[k]].link])
			rc = PUSH(b, rtnl_link_set(TAIL(b),
						   TOPO_IFINDEX_PORT0 + k, up,
						   -1), k);
	if (!rc && routes)
		rc = add_routes(b, t, node, e->down, true);
	if (rc)
		return err_set(err, rc, "node %s: %s", n->name, strerror(-rc));
	nl = open_in_node(e, node, &rc);
	if (!nl)
		return err_set(err, rc, "node %s: cannot enter: %s", n->name,
			       strerror(-rc));
	rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	if (rc && f.tag == UINT32_MAX)
		return err_set(err, rc, "node %s: netlink: %s", n->name,
			       strerror(-rc));
	return rc ? node_fail(err, t, node, &f) : 0;
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
			(int)(TOPO_IFINDEX_PORT0 + k);
		rc = nl_batch_push(b, nlh, k);
	}
	if (rc)
		return rc;
	nl = open_in_node(e, node, &rc);
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
		touched[t->ports[t->links[links[i]].port[0]].node] = 1;
		touched[t->ports[t->links[links[i]].port[1]].node] = 1;
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

	all = malloc(t->nlinks + 1);
	b = nl_batch_new(64 * 1024);
	if (!all || !b) {
		rc = -ENOMEM;
		goto out;
	}
	memset(all, 1, t->nlinks + 1);
	for (node = 0; node < t->nnodes; node++) {
		r = sync_carrier(e, b, node, all);
		if (r && !rc)
			rc = r;
	}
out:
	nl_batch_free(b);
	free(all);
	return rc;
}
