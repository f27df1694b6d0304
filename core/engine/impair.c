/*
 * impair: the engine's side of link impairments (see core/impair/impair.h for
 * the paths and core/impair/relay.h for the delay line).
 *
 * Per link end, kept in struct emu_impair: the settings, whether the end
 * carries lunet's BPF program (clsact on its egress), a tbf root qdisc,
 * and a relay port.  Settings live in one BPF array map per emulation,
 * indexed by end (2 * link + side); each end's program has its index
 * built in, so changing settings at run time is one map write, and only
 * the first setting of an end, or a change of path, touches netlink.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/netlink/bpf.h"
#include "core/engine/engine_int.h"
#include "core/sys/feature.h"
#include "core/impair/impair.h"
#include "core/impair/impair_prog.h"
#include "core/sys/netns.h"
#include "core/impair/relay.h"
#include "core/netlink/rtnl.h"
#include "core/sys/sysctl.h"
#include "core/netlink/tc.h"
#include "topo/topo.h"

/* A relay port: X in the node (ifindex RELAY_X0 + the port's index there,
 * named relayN), Y in the relay namespace (RELAY_Y0 + end). */
#define RELAY_X0 0x100000
#define RELAY_Y0 16

enum { END_BPF = 1, END_TBF = 2, END_RELAY = 4 };

struct emu_impair {
	int map;
	uint32_t nends;
	unsigned char *has;       /* per end: END_* */
	struct impair_spec *spec; /* per end */
	struct relay *relay;
	/* Per link: the slot of its ends (ends 2 * slot and 2 * slot + 1),
	 * TOPO_NONE for a link added since the map was made.  A link keeps
	 * its slot when links before it are removed, because each end's
	 * program has its end's number built in. */
	uint32_t *slot;
	uint32_t nlinks;
};

/* ---- paths ------------------------------------------------------------- */

const char *impair_path(enum impair_param p, const char **missing)
{
	enum feature need[3] = { FEAT_CLSACT, FEAT_TC_BPF, FEAT_VETH };
	int i, n = 2;

	*missing = NULL;
	switch (p) {
	case IMP_RATE:
		if (feature_has(FEAT_TBF) <= 0) {
			*missing = "the tbf qdisc (CONFIG_NET_SCH_TBF)";
			return NULL;
		}
		return "tbf qdisc on the sending end";
	case IMP_DELAY:
	case IMP_JITTER:
	case IMP_REORDER:
	case IMP_LIMIT:
		n = 3;
		break;
	default:
		break;
	}
	for (i = 0; i < n; i++)
		if (feature_has(need[i]) <= 0) {
			*missing = i == 0 ? "the clsact qdisc "
					    "(CONFIG_NET_SCH_INGRESS)" :
				   i == 1 ? "BPF tc classifiers "
					    "(CONFIG_NET_CLS_BPF, bpf())" :
					    "veth (CONFIG_VETH)";
			return NULL;
		}
	if (n == 3)
		return "lunet's relay (tc bpf hands packets to it), seeded";
	if (p == IMP_SEED)
		return "the draws of the BPF program and the relay";
	return "tc bpf program on the sending end (clsact), seeded";
}

int impair_spec_supported(const struct impair_spec *s, struct err *err)
{
	const bool used[IMP_NPARAMS] = {
		[IMP_DELAY] = s->delay_ns != 0,
		[IMP_JITTER] = s->jitter_ns != 0,
		[IMP_LOSS] = s->loss > 0,
		[IMP_CORRUPT] = s->corrupt > 0,
		[IMP_DUP] = s->dup > 0,
		[IMP_REORDER] = s->reorder > 0,
		[IMP_RATE] = s->rate != 0,
	};
	const char *missing;
	int p;

	for (p = 0; p < IMP_NPARAMS; p++)
		if (used[p] && !impair_path(p, &missing))
			return err_set(err, -EOPNOTSUPP,
				       "%s: this kernel lacks %s, which lunet "
				       "needs for it (see 'lunet doctor')",
				       impair_param_name(p), missing);
	return 0;
}

/* ---- state --------------------------------------------------------------- */

static struct emu_impair *imp_get(struct emu *e, int *rc)
{
	struct emu_impair *m = e->imp;
	uint32_t i;

	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	if (!m) {
		*rc = -ENOMEM;
		return NULL;
	}
	m->nends = 2 * e->topo->nlinks;
	m->has = calloc(m->nends ? m->nends : 1, 1);
	m->spec = calloc(m->nends ? m->nends : 1, sizeof(*m->spec));
	m->nlinks = e->topo->nlinks;
	m->slot = malloc((m->nlinks + 1) * sizeof(*m->slot));
	m->map = bpf_array_new("lunet_impair", sizeof(struct impair_cfg),
			       m->nends);
	if (!m->has || !m->spec || !m->slot || m->map < 0) {
		*rc = m->map < 0 ? m->map : -ENOMEM;
		if (m->map >= 0)
			close(m->map);
		free(m->has);
		free(m->spec);
		free(m->slot);
		free(m);
		return NULL;
	}
	for (i = 0; i < m->nlinks; i++)
		m->slot[i] = i;
	e->imp = m;
	return m;
}

void emu_impair_free(struct emu *e)
{
	struct emu_impair *m = e->imp;

	if (!m)
		return;
	relay_free(m->relay);
	close(m->map);
	free(m->has);
	free(m->spec);
	free(m->slot);
	free(m);
	e->imp = NULL;
}

/* The end of link's side, or -1 for a link the map has no slot for. */
static int64_t end_id(const struct emu_impair *m, uint32_t link, int side)
{
	if (link >= m->nlinks || m->slot[link] == TOPO_NONE)
		return -1;
	return 2 * (int64_t)m->slot[link] + side;
}

int emu_impair_follow(struct emu *e, const uint32_t *map, uint32_t nold)
{
	struct emu_impair *m = e->imp;
	uint32_t *slot, i, n = e->topo->nlinks;
	int side;

	if (!m)
		return 0;
	slot = malloc((n + 1) * sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		slot[i] = TOPO_NONE;
	for (i = 0; i < m->nlinks; i++) {
		if (!map) {
			slot[i] = m->slot[i];
			continue;
		}
		if (i < nold && map[i] != TOPO_NONE) {
			slot[map[i]] = m->slot[i];
			continue;
		}
		/* Gone: its ends relay nothing any more. */
		for (side = 0; side < 2 && m->slot[i] != TOPO_NONE; side++) {
			uint32_t id = 2 * m->slot[i] + (uint32_t)side;

			if (m->has[id] & END_RELAY)
				relay_set(m->relay, id, NULL);
			m->has[id] = 0;
			memset(&m->spec[id], 0, sizeof(m->spec[id]));
		}
	}
	free(m->slot);
	m->slot = slot;
	m->nlinks = n;
	return 0;
}

void emu_impair_forked(struct emu *e)
{
	if (e->imp && e->imp->relay) {
		relay_forked(e->imp->relay);
		relay_start(e->imp->relay);
	}
}

int emu_relay_nspath(const char *emu, char *buf, size_t len)
{
	/* '+' is in no node name: the name cannot be a node's */
	return netns_path(buf, len, emu, "+relay");
}

/* The relay namespace (IPv6 off: nothing of its own crosses the relay
 * ports) and the relay, on first use. */
static int relay_ensure(struct emu *e, struct emu_impair *m, struct err *err)
{
	char path[NETNS_PATHSIZ];
	int rc;

	if (m->relay)
		return 0;
	emu_relay_nspath(e->topo->name, path, sizeof(path));
	rc = netns_create(path, e->home);
	if (rc && rc != -EEXIST)
		return err_set(err, rc, "relay namespace %s: %s", path,
			       strerror(-rc));
	rc = netns_enter(path);
	if (!rc && access("/proc/sys/net/ipv6", F_OK) == 0) {
		sysctl_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
		sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6",
			     "1");
	}
	if (netns_return(e->home))
		return err_set(err, -EBADF, "cannot return to our namespace");
	if (rc)
		return err_set(err, rc, "relay namespace: %s", strerror(-rc));
	m->relay = relay_new(path, m->nends, RELAY_Y0, &rc);
	if (!m->relay)
		return err_set(err, rc, "relay: %s", strerror(-rc));
	rc = relay_start(m->relay);
	if (rc)
		return err_set(err, rc, "relay thread: %s", strerror(-rc));
	return 0;
}

/* ---- one end ------------------------------------------------------------- */

struct end {
	uint32_t link, side, id, node, k; /* k: the port's index in node */
	int ifindex;                      /* A, the end itself */
	const char *what;                 /* "link a:eth0-b:eth1" */
};

static int send_in(struct emu *e, uint32_t node, struct nl_batch *b,
		   const struct end *x, struct err *err)
{
	struct nl_fail f;
	struct nl *nl;
	int rc;

	if (!nl_batch_count(b))
		return 0;
	nl = emu_open_in_node(e, node, &rc);
	if (!nl)
		return err_set(err, rc, "%s: cannot enter node %s: %s", x->what,
			       e->topo->nodes[node].name, strerror(-rc));
	rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	nl_batch_reset(b);
	if (rc)
		return err_set(err, rc, "%s: %s%s%s", x->what, strerror(-rc),
			       f.msg[0] ? ": " : "", f.msg);
	return 0;
}

/* Makes end x's relay port: X in the node, Y in the relay namespace, Y
 * up; and pushes onto b (for the node) X up and X's ingress program, which
 * sends what comes back out of the end.  *prog is that program, to close
 * once b is sent. */
static int relay_port_add(struct emu *e, struct nl_batch *b,
			  const struct end *x, int *prog, struct err *err)
{
	char xname[16], yname[16], npath[NETNS_PATHSIZ], rpath[NETNS_PATHSIZ];
	int nfd, rfd, rc, xi = RELAY_X0 + (int)x->k;
	struct rtnl_veth_end v[2];
	char log[1024];
	struct nl_fail f;
	struct nl *nl;

	snprintf(xname, sizeof(xname), "relay%u", x->k);
	snprintf(yname, sizeof(yname), "r%u", x->id);
	emu_nspath(e, x->node, npath, sizeof(npath));
	emu_relay_nspath(e->topo->name, rpath, sizeof(rpath));
	nfd = netns_open(npath);
	rfd = netns_open(rpath);
	memset(v, 0, sizeof(v));
	v[0] = (struct rtnl_veth_end){ .ifname = xname, .netns_fd = nfd,
				       .ifindex = xi };
	v[1] = (struct rtnl_veth_end){ .ifname = yname, .netns_fd = rfd,
				       .ifindex = RELAY_Y0 + (int)x->id };
	rc = nfd < 0 ? nfd : rfd < 0 ? rfd : 0;
	if (!rc)
		rc = PUSH(b, rtnl_veth_new(TAIL(b), v, 0), 0);
	if (!rc)
		rc = send_in(e, x->node, b, x, err);
	else
		err_set(err, rc, "%s: relay port: %s", x->what, strerror(-rc));
	if (nfd >= 0)
		close(nfd);
	if (rfd >= 0)
		close(rfd);
	if (rc)
		return rc;
	/* Y up, from inside the relay namespace */
	rc = netns_enter(rpath);
	nl = rc ? NULL : nl_open();
	if (netns_return(e->home))
		return err_set(err, -EBADF, "cannot return to our namespace");
	if (!nl)
		return err_set(err, rc ? rc : -errno, "%s: relay namespace: %s",
			       x->what, strerror(rc ? -rc : errno));
	rc = PUSH(b, rtnl_link_set(TAIL(b), RELAY_Y0 + (int)x->id, true, -1),
		  0);
	if (!rc)
		rc = nl_batch_send(nl, b, &f);
	nl_close(nl);
	nl_batch_reset(b);
	if (rc)
		return err_set(err, rc, "%s: relay port up: %s", x->what,
			       strerror(-rc));
	/* X up, IPv6 off, and its way back out of the end */
	*prog = impair_prog_return(x->ifindex, log, sizeof(log));
	if (*prog < 0)
		return err_set(err, *prog, "%s: BPF program refused: %s",
			       x->what, log[0] ? log : strerror(-*prog));
	rc = PUSH(b, rtnl_link_set_noipv6(TAIL(b), xi, true), 0);
	if (!rc)
		rc = PUSH(b, tc_clsact_new(TAIL(b), xi), 0);
	if (!rc)
		rc = PUSH(b, tc_bpf_new(TAIL(b), xi, false, *prog,
					"lunet_relay_ret"), 0);
	return rc ? err_set(err, rc, "%s: %s", x->what, strerror(-rc)) : 0;
}

static uint64_t threshold(double p)
{
	return p >= 1 ? (1ull << 32) : (uint64_t)(p * 4294967296.0);
}

static uint32_t tbf_burst(uint64_t rate)
{
	uint64_t bytes = rate / 8, burst = bytes / 100; /* 10 ms */

	if (burst < 4000)
		burst = 4000;
	if (burst > (64u << 20))
		burst = 64u << 20;
	return (uint32_t)burst;
}

static uint32_t tbf_limit(uint64_t rate, uint32_t burst)
{
	uint64_t lim = rate / 8 / 20 + burst; /* 50 ms of queue */

	return lim > (256u << 20) ? 256u << 20 : (uint32_t)lim;
}

/* Pushes onto b what the end's qdiscs need for s; *prog is a program to
 * close once b is sent. */
static int end_qdiscs(struct emu_impair *m, struct nl_batch *b,
		      const struct end *x, const struct impair_spec *s,
		      int *prog, struct err *err)
{
	unsigned char has = m->has[x->id];
	uint32_t burst = tbf_burst(s->rate);
	char log[2048];
	int rc = 0;

	if (impair_needs_bpf(s) && !(has & END_BPF)) {
		*prog = impair_prog_egress(m->map, x->id, log, sizeof(log));
		if (*prog < 0)
			return err_set(err, *prog, "%s: BPF program refused: %s",
				       x->what, log[0] ? log : strerror(-*prog));
		rc = PUSH(b, tc_clsact_new(TAIL(b), x->ifindex), 0);
		if (!rc)
			rc = PUSH(b, tc_bpf_new(TAIL(b), x->ifindex, true, *prog,
						"lunet_impair"), 0);
	} else if (!impair_needs_bpf(s) && (has & END_BPF)) {
		rc = PUSH(b, tc_qdisc_del(TAIL(b), x->ifindex, false), 0);
	}
	if (!rc && !impair_needs_relay(s) && (has & END_RELAY))
		rc = PUSH(b, rtnl_link_del(TAIL(b), RELAY_X0 + (int)x->k), 0);
	if (!rc && s->rate)
		rc = PUSH(b, tc_tbf_new(TAIL(b), x->ifindex, s->rate / 8, burst,
					tbf_limit(s->rate, burst)), 0);
	else if (!rc && (has & END_TBF))
		rc = PUSH(b, tc_qdisc_del(TAIL(b), x->ifindex, true), 0);
	return rc ? err_set(err, rc, "%s: %s", x->what, strerror(-rc)) : 0;
}

/*
 * One end: a new relay port first (its veth and Y take their own round
 * trips), then the rest in one batch for the node.  The map says "to the
 * relay" only once X is ready, and stops saying it before X goes.
 */
static int end_apply(struct emu *e, struct emu_impair *m, struct nl_batch *b,
		     const struct end *x, const struct impair_spec *s,
		     struct err *err)
{
	bool relay = impair_needs_relay(s);
	bool new_port = relay && !(m->has[x->id] & END_RELAY);
	int rc = 0, prog[2] = { -1, -1 };
	struct impair_cfg cfg;
	struct relay_cfg rcfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = s->seed;
	cfg.loss = threshold(s->loss);
	cfg.corrupt = threshold(s->corrupt);
	cfg.dup = threshold(s->dup);
	cfg.relay = relay ? (uint32_t)(RELAY_X0 + x->k) : 0;
	if (relay) {
		rc = relay_ensure(e, m, err);
		if (!rc && new_port)
			rc = relay_port_add(e, b, x, &prog[0], err);
		if (rc)
			goto out;
		rcfg = (struct relay_cfg){ .delay_ns = s->delay_ns,
					   .jitter_ns = s->jitter_ns,
					   .reorder = threshold(s->reorder),
					   .seed = s->seed ^ 0x5eed,
					   .limit = s->limit };
		relay_set(m->relay, x->id, &rcfg);
	} else if (m->has[x->id] & END_RELAY) {
		relay_set(m->relay, x->id, NULL);
	}
	if (!new_port)
		rc = bpf_map_set(m->map, x->id, &cfg);
	if (!rc)
		rc = end_qdiscs(m, b, x, s, &prog[1], err);
	else
		err_set(err, rc, "%s: BPF map: %s", x->what, strerror(-rc));
	if (!rc)
		rc = send_in(e, x->node, b, x, err);
	if (!rc && new_port && (rc = bpf_map_set(m->map, x->id, &cfg)))
		err_set(err, rc, "%s: BPF map: %s", x->what, strerror(-rc));
	if (!rc)
		m->has[x->id] = (unsigned char)((impair_needs_bpf(s) ? END_BPF : 0) |
						(relay ? END_RELAY : 0) |
						(s->rate ? END_TBF : 0));
	else if (new_port)
		/* X is there, whatever failed after it */
		m->has[x->id] |= END_RELAY;
out:
	nl_batch_reset(b);
	if (prog[0] >= 0)
		close(prog[0]);
	if (prog[1] >= 0)
		close(prog[1]);
	return rc;
}

static void end_of(const struct topo *t, uint32_t link, uint32_t side,
		   struct end *x, char *what, size_t len)
{
	const struct topo_link *l = &t->links[link];
	const struct topo_port *a = &t->ports[l->port[side]];
	const struct topo_port *z = &t->ports[l->port[!side]];

	x->link = link;
	x->side = side;
	x->node = a->node;
	x->k = a->index;
	x->ifindex = TOPO_IFINDEX_PORT0 + (int)a->index;
	snprintf(what, len, "link %s:%s-%s:%s", t->nodes[a->node].name,
		 a->ifname, t->nodes[z->node].name, z->ifname);
	x->what = what;
}

int emu_impair(struct emu *e, uint32_t link, int from,
	       const struct impair_spec *spec, struct err *err)
{
	struct impair_spec s = *spec;
	struct emu_impair *m;
	struct nl_batch *b;
	char what[200];
	struct end x;
	uint32_t side;

	int rc = 0;

	if (link >= e->topo->nlinks)
		return err_set(err, -EINVAL, "no link %u", link);
	rc = impair_spec_check(&s, err);
	if (!rc)
		rc = impair_spec_supported(&s, err);
	if (rc)
		return rc;
	if (!s.seeded && !impair_spec_empty(&s)) {
		/* drawn, and shown, so that the run can be replayed */
		if (getrandom(&s.seed, sizeof(s.seed), 0) != sizeof(s.seed))
			s.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
		s.seed &= (1ull << 53) - 1; /* a Lua integer, a double */
		s.seeded = true;
	}
	/* Across machines each end is its machine's to impair, with the
	 * seed drawn here, once for both. */
	if (e->cluster)
		return emu_remote_impair(e, link, from, &s, err);
	if (impair_spec_empty(&s) && !e->imp)
		return 0;
	m = imp_get(e, &rc);
	if (!m)
		return err_set(err, rc, "impairments: %s", strerror(-rc));
	if (end_id(m, link, 0) < 0)
		return err_set(err, -EOPNOTSUPP,
			       "%s: added after the network's first "
			       "impairment; impairing it is not supported yet",
			       topo_link_describe(e->topo, link, what,
						  sizeof(what)));
	b = nl_batch_new(4096);
	if (!b)
		return err_set(err, -ENOMEM, "out of memory");
	for (side = 0; side < 2 && !rc; side++) {
		if (from >= 0 && (uint32_t)from != side)
			continue;
		end_of(e->topo, link, side, &x, what, sizeof(what));
		x.id = (uint32_t)end_id(m, link, (int)side);
		rc = end_apply(e, m, b, &x, &s, err);
		if (!rc)
			m->spec[x.id] = s;
	}
	nl_batch_free(b);
	return rc;
}

int emu_impair_get(struct emu *e, uint32_t link, int side,
		   struct impair_spec *s, struct impair_counts *c)
{
	if (e->cluster)
		return emu_remote_impair_get(e, link, side, s, c);
	struct impair_cfg cfg;
	struct relay_stats rs;
	int64_t id;

	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	if (link >= e->topo->nlinks || side < 0 || side > 1)
		return -EINVAL;
	if (!e->imp || (id = end_id(e->imp, link, side)) < 0)
		return 0;
	*s = e->imp->spec[id];
	if ((e->imp->has[id] & END_BPF) &&
	    !bpf_map_get(e->imp->map, id, &cfg)) {
		c->seen = cfg.count + cfg.count_arp;
		c->lost = cfg.lost;
		c->corrupted = cfg.corrupted;
		c->duplicated = cfg.duplicated;
	}
	if (e->imp->has[id] & END_RELAY) {
		relay_get(e->imp->relay, id, &rs);
		c->delayed = rs.forwarded;
		c->held = rs.held;
		c->reordered = rs.reordered;
		c->overflow = rs.dropped;
	}
	return 0;
}
