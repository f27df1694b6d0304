#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* Phase 1: one namespace per node. */
static int make_namespaces(struct emu *e, struct err *err)
{
	struct topo *t = e->topo;
	char path[NETNS_PATHSIZ];
	uint32_t i;
	int rc;

	rc = netns_setup();
	if (rc)
		return err_set(err, rc, "cannot prepare %s: %s", NETNS_RUN_DIR,
			       strerror(-rc));
	for (i = 0; i < t->nnodes; i++) {
		rc = emu_nspath(e, i, path, sizeof(path));
		if (!rc)
			rc = netns_create(path, e->home);
		if (rc == -EEXIST)
			return err_set(err, rc,
				       "node %s: namespace %s already exists "
				       "and is not this emulation's",
				       t->nodes[i].name, path);
		if (rc)
			return err_set(err, rc, "node %s: cannot create %s: %s",
				       t->nodes[i].name, path, strerror(-rc));
		e->made[i] = 1;
		if (!(i & 63)) {
			progress(e, EMU_PHASE_NAMESPACES, i, t->nnodes);
			if ((rc = check_intr(err)))
				return rc;
		}
	}
	progress(e, EMU_PHASE_NAMESPACES, t->nnodes, t->nnodes);
	return 0;
}

static void close_fds(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
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

/* Phase 2: every link, LINK_BATCH at a time, from our own namespace. */
static int make_links(struct emu *e, struct err *err)
{
	struct topo *t = e->topo;
	int fds[2 * LINK_BATCH];
	struct nl_batch *b;
	size_t nfds = 0;
	uint32_t l;
	struct nl *nl;
	int rc = 0, i;

	nl = nl_open();
	if (!nl)
		return err_set(err, -errno, "netlink: %s", strerror(errno));
	b = nl_batch_new(LINK_BATCH * MSG_MAX);
	if (!b) {
		nl_close(nl);
		return -ENOMEM;
	}
	for (l = 0; l < t->nlinks && !rc; l++) {
		for (i = 0; i < 2; i++) {
			fds[nfds] = open_ns(
				e, t->ports[t->links[l].port[i]].node);
			if (fds[nfds] < 0) {
				rc = err_set(err, fds[nfds],
					     "link %u: namespace gone: %s", l,
					     strerror(-fds[nfds]));
				break;
			}
			nfds++;
		}
		if (!rc)
			rc = add_veth(e, b, l, fds + nfds - 2);
		if (!rc && (nfds == 2 * LINK_BATCH || l + 1 == t->nlinks)) {
			rc = send_links(e, nl, b, err);
			close_fds(fds, nfds);
			nfds = 0;
			progress(e, EMU_PHASE_LINKS, l + 1, t->nlinks);
			if (!rc)
				rc = check_intr(err);
		}
	}
	close_fds(fds, nfds);
	nl_batch_free(b);
	nl_close(nl);
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

static int add_switch(struct nl_batch *b, const struct topo_node *n)
{
	uint32_t i;
	int rc;

	rc = PUSH(b, rtnl_bridge_new(TAIL(b), "br0", TOPO_IFINDEX_BRIDGE,
				     n->stp, true), TAG_BRIDGE);
	for (i = 0; i < n->nports && !rc; i++)
		rc = PUSH(b, rtnl_link_set(TAIL(b), TOPO_IFINDEX_PORT0 + i,
					   true, TOPO_IFINDEX_BRIDGE), i);
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

static int add_l3(struct nl_batch *b, const struct topo *t, uint32_t node)
{
	const struct topo_node *n = &t->nodes[node];
	uint32_t i;
	int rc = 0;

	if (n->kind == TOPO_ROUTER && n->lo.ip)
		rc = PUSH(b, rtnl_addr_new(TAIL(b), TOPO_IFINDEX_LO, n->lo.ip,
					   32), TAG_LO);
	for (i = 0; i < n->nports && !rc; i++) {
		const struct topo_port *p = &t->ports[n->ports[i]];

		rc = PUSH(b, rtnl_link_set(TAIL(b), TOPO_IFINDEX_PORT0 + i,
					   true, -1), i);
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

/* Opens a netlink socket inside node's namespace (and, for routers, turns
 * forwarding on while there: /proc/sys/net follows the opener's
 * namespace). */
static struct nl *open_in_node(struct emu *e, uint32_t node, int *rc)
{
	char path[NETNS_PATHSIZ];
	struct nl *nl = NULL;
	int ret;

	emu_nspath(e, node, path, sizeof(path));
	*rc = netns_enter(path);
	if (*rc)
		return NULL;
	if (e->topo->nodes[node].kind == TOPO_ROUTER)
		*rc = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
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
			     add_switch(b, &t->nodes[node]) :
			     add_l3(b, t, node);
	if (rc)
		return err_set(err, rc, "node %s: %s", t->nodes[node].name,
			       strerror(-rc));
	nl = open_in_node(e, node, &rc);
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

/* Phase 3: each node's own configuration. */
static int configure_nodes(struct emu *e, struct err *err)
{
	struct nl_batch *b;
	uint32_t i;
	int rc = 0;

	b = nl_batch_new(64 * 1024);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < e->topo->nnodes && !rc; i++) {
		rc = configure_node(e, b, i, err);
		if (!rc && !(i & 63)) {
			progress(e, EMU_PHASE_NODES, i, e->topo->nnodes);
			rc = check_intr(err);
		}
	}
	progress(e, EMU_PHASE_NODES, e->topo->nnodes, e->topo->nnodes);
	nl_batch_free(b);
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

/* Kills what runs in the namespaces we made, then removes them. */
static int remove_namespaces(const struct topo *t, const unsigned char *made)
{
	char path[NETNS_PATHSIZ];
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
	for (i = 0; i < t->nnodes; i++) {
		if (made && !made[i])
			continue;
		if (netns_path(path, sizeof(path), t->name, t->nodes[i].name))
			continue;
		r = netns_delete(path);
		if (r && r != -ENOENT && !rc)
			rc = r;
	}
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
	rc = check_features(t, err);
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

/* Asks the live owner of an emulation to tear it down itself, and waits a
 * little for it to do so. */
static bool owner_stops(const char *name, const struct state_info *info)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct state_info now;
	int i;

	if (info->owner == getpid() || !state_owner_alive(info))
		return false;
	kill(info->owner, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (state_read_info(name, &now) == -ENOENT)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
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
