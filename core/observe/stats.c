/*
 * stats: reads the counters of an emulation's link ends, node by node, on
 * the worker threads of the build phases (what and why: core/observe/stats.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>

#include "core/sys/netns.h"
#include "core/netlink/nl.h"
#include "core/observe/stats.h"
#include "core/sys/par.h"
#include "topo/topo.h"

struct stats_ctx {
	const struct topo *t;
	struct stats_if *ends;
	int home; /* our own namespace, to come back to */
};

struct node_dump {
	const struct topo *t;
	uint32_t node;
	struct stats_if *ends;
};

/* One interface of the reply: its port's link end, when it is one. */
static int one_if(const struct nlmsghdr *nlh, void *data)
{
	struct node_dump *d = data;
	const struct topo_port *p;
	struct stats_if s;
	int ifindex, k, rc;

	rc = stats_parse(nlh, &ifindex, &s);
	if (rc < 0)
		return rc;
	if (rc > 0)
		return MNL_CB_OK;
	k = stats_port_of(d->t, d->node, ifindex);
	if (k < 0)
		return MNL_CB_OK;
	p = &d->t->ports[d->t->nodes[d->node].ports[k]];
	d->ends[stats_end(p->link, d->t->links[p->link].port[1] ==
					   d->t->nodes[d->node].ports[k])] = s;
	return MNL_CB_OK;
}

/* Opens *nl in node's namespace; the thread is back home after.  Returns
 * 0 or -errno with err set. */
static int open_in(const struct topo *t, uint32_t node, int home,
		   struct nl **nl, struct err *err)
{
	char path[NETNS_PATHSIZ];
	int rc, ret;

	rc = netns_path(path, sizeof(path), t->name, t->nodes[node].name);
	if (!rc)
		rc = netns_enter(path);
	if (rc)
		return err_set(err, rc, "node %s: cannot enter its namespace: "
			       "%s", t->nodes[node].name, strerror(-rc));
	*nl = nl_open();
	rc = *nl ? 0 : -errno;
	ret = netns_return(home);
	if (ret) {
		/* Without our namespace back nothing else is safe. */
		nl_close(*nl);
		*nl = NULL;
		return err_set(err, ret, "cannot return from node %s: %s",
			       t->nodes[node].name, strerror(-ret));
	}
	if (rc)
		return err_set(err, rc, "node %s: netlink: %s",
			       t->nodes[node].name, strerror(-rc));
	return 0;
}

static int read_node(const struct topo *t, uint32_t node, int home,
		     struct stats_if *ends, struct err *err)
{
	struct node_dump d = { .t = t, .node = node, .ends = ends };
	char buf[64];
	struct nl *nl;
	int rc, tries = 0;

	if (!t->nodes[node].nports)
		return 0;
	rc = open_in(t, node, home, &nl, err);
	if (rc)
		return rc;
	/* -EINTR: the kernel saw the interfaces change during the dump
	 * (a link set down, a port added); once more gives a coherent
	 * view, and after that what came is good enough for counters. */
	do
		rc = nl_dump(nl, stats_dump_req(buf, sizeof(buf)), one_if, &d);
	while (rc == -EINTR && ++tries < 2);
	nl_close(nl);
	if (rc && rc != -EINTR)
		return err_set(err, rc, "node %s: reading counters: %s",
			       t->nodes[node].name, strerror(-rc));
	return 0;
}

static int read_one(void *ctx, uint32_t i, unsigned w, struct err *err)
{
	struct stats_ctx *c = ctx;

	return read_node(c->t, i, c->home, c->ends, err);
}

int stats_read(const struct topo *t, struct stats_if *ends, struct err *err)
{
	struct stats_ctx c = { .t = t, .ends = ends };
	struct par p = { .n = t->nnodes, .fn = read_one, .ctx = &c,
			 .err = err };
	int rc;

	memset(ends, 0, 2 * (size_t)t->nlinks * sizeof(*ends));
	c.home = netns_open_self();
	if (c.home < 0)
		return err_set(err, c.home, "cannot open lunet's namespace: %s",
			       strerror(-c.home));
	rc = par_run(&p, par_workers(p.n));
	close(c.home);
	return rc;
}

int stats_read_node(const struct topo *t, uint32_t node,
		    struct stats_if *ends, struct err *err)
{
	int home, rc;

	home = netns_open_self();
	if (home < 0)
		return err_set(err, home, "cannot open lunet's namespace: %s",
			       strerror(-home));
	rc = read_node(t, node, home, ends, err);
	close(home);
	return rc;
}
