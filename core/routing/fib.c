/*
 * fib: a router's kernel FIB, read with one RTM_GETROUTE dump from a
 * netlink socket opened inside its namespace (no process per check), and
 * held against what topo/expect.c says it should hold once converged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "core/routing/routing.h"
#include "core/sys/netns.h"
#include "topo/topo.h"

struct fib {
	struct rtnl_route *v;
	size_t n, cap;
};

static int collect(const struct nlmsghdr *nlh, void *data)
{
	struct fib *f = data;
	struct rtnl_route r, *grown;

	if (rtnl_route_parse(nlh, &r) || r.table != RT_TABLE_MAIN ||
	    r.type != RTN_UNICAST)
		return MNL_CB_OK;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		grown = realloc(f->v, f->cap * sizeof(*f->v));
		if (!grown)
			return -ENOMEM;
		f->v = grown;
	}
	f->v[f->n++] = r;
	return MNL_CB_OK;
}

/* Dumps router n's main table into f. */
static int fib_read(const struct topo *t, uint32_t n, struct fib *f)
{
	char path[NETNS_PATHSIZ], buf[64];
	struct nlmsghdr *req;
	struct nl *nl = NULL;
	int home, rc, ret;

	netns_path(path, sizeof(path), t->name, t->nodes[n].name);
	home = netns_open_self();
	if (home < 0)
		return home;
	rc = netns_enter(path);
	if (!rc) {
		nl = nl_open();
		if (!nl)
			rc = -errno;
		/* Without our namespace back nothing else is safe. */
		ret = netns_return(home);
		if (ret)
			rc = ret;
	}
	close(home);
	if (!rc) {
		req = rtnl_route_dump(buf, sizeof(buf));
		rc = req ? nl_dump(nl, req, collect, f) : -ENOSPC;
	}
	nl_close(nl);
	return rc;
}

static int route_cmp(const void *a, const void *b)
{
	const struct rtnl_route *x = a, *y = b;

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

static int miss_add(struct routing_missing **miss, size_t *nmiss,
		    size_t *cap, struct routing_missing m)
{
	struct routing_missing *grown;

	if (*nmiss == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		grown = realloc(*miss, *cap * sizeof(**miss));
		if (!grown)
			return -ENOMEM;
		*miss = grown;
	}
	(*miss)[(*nmiss)++] = m;
	return 0;
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct ip_prefix *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

static int expect_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct topo_expect *)a)->dst,
			  &((const struct topo_expect *)b)->dst);
}

/* The routes of f that a daemon put there, and that forward, for a
 * prefix announced somewhere that n should not hold (e, ne: what it
 * should). */
static int unexpected(const struct fib *f, uint32_t n,
		      const struct topo_expect_set *set,
		      const struct topo_expect *e, uint32_t ne,
		      struct routing_missing **miss, size_t *nmiss,
		      size_t *cap)
{
	struct topo_expect key = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < f->n; i++) {
		const struct rtnl_route *r = &f->v[i];

		/* Connected subnets are the kernel's; a route whose paths
		 * are all down forwards nothing. */
		if (r->protocol == RTPROT_KERNEL || r->nexthops <= r->dead)
			continue;
		key.dst = (struct ip_prefix){ r->dst, r->plen };
		if (!set->nknown ||
		    !bsearch(&key.dst, set->known, set->nknown,
			     sizeof(*set->known), prefix_cmp))
			continue;
		if (ne && bsearch(&key, e, ne, sizeof(*e), expect_cmp))
			continue;
		rc = miss_add(miss, nmiss, cap, (struct routing_missing){
			.node = n, .dst = key.dst,
			.have = r->nexthops - r->dead, .want = 0,
		});
		if (rc)
			return rc;
	}
	return 0;
}

int routing_fib_check(const struct topo *t, uint32_t n,
		      const struct topo_expect_set *set, bool ecmp,
		      struct routing_missing **miss, size_t *nmiss,
		      size_t *cap)
{
	struct rtnl_route key = { 0 }, *hit;
	const struct topo_expect *e;
	struct fib f = { 0 };
	uint32_t i, ne, have;
	int rc;

	e = topo_expect_of(set, n, &ne);
	rc = fib_read(t, n, &f);
	if (rc)
		goto out;
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), route_cmp);
	for (i = 0; i < ne && !rc; i++) {
		key.dst = e[i].dst.ip;
		key.plen = e[i].dst.plen;
		hit = f.n ? bsearch(&key, f.v, f.n, sizeof(*f.v), route_cmp) :
			    NULL;
		/* The paths that forward: a route whose link went down keeps
		 * its dead path until the daemon replaces it. */
		have = hit ? hit->nexthops - hit->dead : 0;
		if (have && (!ecmp || have == e[i].width))
			continue;
		rc = miss_add(miss, nmiss, cap, (struct routing_missing){
			.node = n, .dst = e[i].dst, .have = have,
			.want = e[i].width,
		});
	}
	if (!rc)
		rc = unexpected(&f, n, set, e, ne, miss, nmiss, cap);
	if (!rc)
		rc = (int)f.n;
out:
	free(f.v);
	return rc;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case RTPROT_KERNEL: return "kernel";
	case RTPROT_BOOT: return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_BGP: return "bgp";
	case RTPROT_OSPF: return "ospf";
	case RTPROT_BIRD: return "bird";
	case RTPROT_ZEBRA: return "zebra";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

/* A single path's gateway as ip(8) prints it: an IPv4 one (FRR 8.4 puts
 * an IPv6 next hop as 169.254.0.1 onlink, with a permanent neighbour
 * entry for the peer's MAC), or an IPv6 one (RTA_VIA, RFC 5549). */
static void print_gateway(FILE *o, const struct rtnl_route *r)
{
	static const uint8_t none[16];
	char gw[INET6_ADDRSTRLEN];

	if (r->gw)
		fprintf(o, " via %s", ip_format(&(struct ip_prefix){ r->gw,
								     32 },
						false, gw));
	else if (memcmp(r->gw6, none, sizeof(none)) &&
		 inet_ntop(AF_INET6, r->gw6, gw, sizeof(gw)))
		fprintf(o, " via inet6 %s", gw);
	if ((r->gw || memcmp(r->gw6, none, sizeof(none))) && r->onlink)
		fprintf(o, " onlink");
}

int routing_fib_format(const struct topo *t, uint32_t n, char **out)
{
	const struct topo_node *node = &t->nodes[n];
	char dst[IP_STRLEN], pn[8];
	struct fib f = { 0 };
	size_t len, i;
	FILE *o;
	int rc;

	rc = fib_read(t, n, &f);
	if (rc) {
		free(f.v);
		return rc;
	}
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), route_cmp);
	o = open_memstream(out, &len);
	if (!o) {
		free(f.v);
		return -errno;
	}
	for (i = 0; i < f.n; i++) {
		const struct rtnl_route *r = &f.v[i];
		int port = topo_node_port_at(t, n, r->oif);

		fprintf(o, "%-18s", ip_format(&(struct ip_prefix){ r->dst,
								   r->plen },
					      true, dst));
		if (r->nexthops > 1)
			fprintf(o, " %u paths", r->nexthops);
		if (r->dead)
			fprintf(o, "%s%u down", r->nexthops > 1 ? ", " : " ",
				r->dead);
		else
			print_gateway(o, r);
		if (r->nexthops <= 1 && port >= 0 &&
		    (uint32_t)port < node->nports)
			fprintf(o, " dev %s",
				t->ports[node->ports[port]].ifname);
		else if (r->nexthops <= 1 && r->oif == TOPO_IFINDEX_LO)
			fprintf(o, " dev lo");
		fprintf(o, " proto %s\n", proto_name(r->protocol, pn,
						      sizeof(pn)));
	}
	free(f.v);
	return fclose(o) ? -ENOMEM : 0;
}
