/*
 * engine: the life of an emulation: start (checks, claim, build, and
 * removal of what a failed build made), stop, detach, adopt, release and
 * destroy, and the state record they keep.  The build phases are in
 * build.c, the wait for spanning tree in stp.c, run-time link changes in
 * linkset.c, the worker threads in par.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cluster/coord.h"
#include "core/engine/engine.h"
#include "core/engine/engine_int.h"
#include "core/netlink/rtnl.h"
#include "core/sys/feature.h"
#include "core/sys/intr.h"
#include "core/sys/limits.h"
#include "core/engine/neigh.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"
#include "core/control/state.h"
#include "core/routing/routing.h"
#include "topo/topo.h"

struct topo *emu_topo(const struct emu *e)
{
	return e->topo;
}

/* What builds started without a progress callback of their own use. */
static struct emu_opts default_opts;

void emu_progress_default(const struct emu_opts *opts)
{
	default_opts = *opts;
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
int emu_remove_namespaces(const struct topo *t, const unsigned char *made,
			  bool relay)
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
	par_run(&p, par_workers(p.n));
	/* The relay ports' namespace, if impairments made it. */
	if (relay && !emu_relay_nspath(t->name, path, sizeof(path))) {
		r = netns_delete(path);
		if (r && r != -ENOENT && !rc)
			rc = r;
	}
	if (!rc)
		rc = atomic_load(&c.rc);
	free(inodes);
	return rc;
}

bool emu_node_local(const struct emu *e, uint32_t n)
{
	return n < e->topo->nnodes && emu_local(e, n);
}

bool emu_link_cut(const struct emu *e, uint32_t l)
{
	const struct topo *t = e->topo;

	return e->part.nmachines && l < t->nlinks &&
	       e->part.machine_of[topo_link_node(t, l, 0)] !=
		       e->part.machine_of[topo_link_node(t, l, 1)];
}

/* Keeps a copy of the part opts name, checked against the topology. */
static int part_copy(struct emu *e, const struct emu_part *p,
		     struct err *err)
{
	const struct topo *t = e->topo;
	uint32_t *m, *u, i;

	if (!p->nmachines || p->self >= p->nmachines)
		return err_set(err, -EINVAL, "machine %u of %u: no such "
			       "machine", p->self + 1, p->nmachines);
	for (i = 0; i < t->nnodes; i++)
		if (p->machine_of[i] >= p->nmachines)
			return err_set(err, -EINVAL, "node %s: placed on "
				       "machine %u of %u", t->nodes[i].name,
				       p->machine_of[i] + 1, p->nmachines);
	if ((uint64_t)p->vni_base + t->nlinks > (1u << 24))
		return err_set(err, -ERANGE, "VNIs %u to %u do not fit in "
			       "24 bits", p->vni_base,
			       p->vni_base + t->nlinks);
	m = malloc((t->nnodes + 1) * sizeof(*m));
	u = malloc(p->nmachines * sizeof(*u));
	if (!m || !u) {
		free(m);
		free(u);
		return err_set(err, -ENOMEM, "out of memory");
	}
	memcpy(m, p->machine_of, t->nnodes * sizeof(*m));
	memcpy(u, p->underlay, p->nmachines * sizeof(*u));
	e->part = *p;
	e->part.machine_of = m;
	e->part.underlay = u;
	return 0;
}

static void emu_free(struct emu *e)
{
	if (e->part.nmachines) {
		free((void *)e->part.machine_of);
		free((void *)e->part.underlay);
	}
	emu_impair_free(e);
	if (e->home >= 0)
		close(e->home);
	free(e->made);
	free(e->down);
	free(e->routed);
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
	return routing_check_installed(t, err);
}

/* One machine's part is checked against that machine's limits: its
 * nodes, its links, its routers' daemons. */
static int check_part_limits(const struct emu *e, struct err *err)
{
	unsigned char *mine = malloc(e->topo->nnodes + 1);
	uint32_t i;
	int rc;

	if (!mine)
		return err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < e->topo->nnodes; i++)
		mine[i] = emu_local(e, i);
	rc = limits_check_part(e->topo, mine, WORKERS_MAX * 2 * LINK_BATCH,
			       err);
	free(mine);
	return rc;
}

/* A part with links to other machines needs VXLAN. */
static int check_vxlan(const struct emu *e, struct err *err)
{
	const struct topo *t = e->topo;
	uint32_t l;

	for (l = 0; l < t->nlinks; l++)
		if (emu_link_cut(e, l) &&
		    (emu_local(e, topo_link_node(t, l, 0)) ||
		     emu_local(e, topo_link_node(t, l, 1))))
			break;
	if (l == t->nlinks || feature_has(FEAT_VXLAN) != 0)
		return 0;
	return err_set(err, -EOPNOTSUPP,
		       "this kernel lacks VXLAN support (%s), which links "
		       "between machines need (link %s-%s)",
		       feature_config(FEAT_VXLAN),
		       t->nodes[topo_link_node(t, l, 0)].name,
		       t->nodes[topo_link_node(t, l, 1)].name);
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

int emu_record(struct emu *e, enum state_status status, struct err *err)
{
	int rc;

	e->info.status = status;
	rc = state_write(e->topo, &e->info);
	if (rc)
		return err_set(err, rc, "cannot write the state of '%s': %s",
			       e->topo->name, strerror(-rc));
	return 0;
}

int emu_record_now(struct emu *e, struct err *err)
{
	return emu_record(e, e->info.status, err);
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
	if (!e->opts.progress) {
		e->opts.progress = default_opts.progress;
		e->opts.arg = default_opts.arg;
	}
	e->opts.part = NULL;
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
	if (emu_machines_set() && !(opts && opts->part)) {
		rc = emu_remote_start(e, err);
		if (rc) {
			emu_free(e);
			return rc;
		}
		*out = e;
		return 0;
	}
	rc = opts && opts->part ? part_copy(e, opts->part, err) : 0;
	if (!rc)
		if (!rc)
		rc = check_features(t, err);
	if (!rc && e->part.nmachines)
		rc = check_vxlan(e, err);
	if (!rc && e->part.nmachines)
		rc = check_part_limits(e, err);
	else if (!rc)
		rc = limits_check(t, WORKERS_MAX * 2 * LINK_BATCH, err);
	if (!rc)
		rc = claim(t, err);
	if (rc) {
		emu_free(e);
		return rc;
	}
	rc = emu_record(e, STATE_BUILDING, err);
	if (!rc)
		rc = neigh_reserve(t, err);
	if (!rc)
		rc = emu_build(e, err);
	if (!rc)
		rc = emu_record(e, STATE_RUNNING, err);
	if (rc) {
		emu_remove_namespaces(t, e->made, true);
		state_remove(t->name);
		neigh_release(NULL);
		emu_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* Across machines: the VXLAN devices of the links that leave this
 * machine deleted before their namespaces go.  The kernel destroys a
 * namespace later, in a worker of its own, and until then a device's UDP
 * socket holds its port: the next emulation on this machine would find
 * its VNIs taken. */
static void unbind_vxlan(struct emu *e)
{
	const struct topo *t = e->topo;
	uint32_t l, node;
	int side;

	for (l = 0; l < t->nlinks; l++) {
		if (!emu_link_cut(e, l))
			continue;
		side = emu_local(e, topo_link_node(t, l, 0)) ? 0 : 1;
		node = topo_link_node(t, l, side);
		if (emu_local(e, node) && e->made[node])
			emu_node_link_del(e, node, topo_port_ifindex(t,
						t->links[l].port[side]));
	}
}

int emu_stop(struct emu *e, struct err *err)
{
	int rc;

	emu_progress(e, EMU_PHASE_TEARDOWN, 0, e->topo->nnodes);
	if (e->cluster) {
		rc = emu_remote_stop(e, err);
		emu_progress(e, EMU_PHASE_TEARDOWN, e->topo->nnodes,
			     e->topo->nnodes);
		emu_free(e);
		return rc;
	}
	emu_record(e, STATE_STOPPING, NULL);
	if (e->part.nmachines)
		unbind_vxlan(e);
	rc = emu_remove_namespaces(e->topo, NULL, true);
	if (rc)
		err_set(err, rc, "teardown of '%s': %s", e->topo->name,
			strerror(-rc));
	state_remove(e->topo->name);
	neigh_release(NULL);
	emu_progress(e, EMU_PHASE_TEARDOWN, e->topo->nnodes, e->topo->nnodes);
	emu_free(e);
	return rc;
}

int emu_detach(struct emu *e)
{
	int rc;

	if (e->cluster) {
		rc = cluster_detach(e->cluster, NULL);
		e->cluster = NULL;
		emu_free(e);
		return rc;
	}
	e->info.owner = 0;
	e->info.owner_start = 0;
	rc = emu_record(e, STATE_UP, NULL);
	emu_free(e);
	return rc;
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
	if (cluster_recorded(name)) {
		topo_free(t);
		rc = cluster_destroy(name, err);
		neigh_release(NULL);
		return rc;
	}
	info.status = STATE_STOPPING;
	info.owner = getpid();
	info.owner_start = proc_starttime(info.owner);
	state_write(t, &info);
	rc = emu_remove_namespaces(t, NULL, true);
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
	if (e->cluster) {
		cluster_adopt(e->cluster);
		return 0;
	}
	emu_impair_forked(e);
	e->info.owner = getpid();
	e->info.owner_start = proc_starttime(e->info.owner);
	return emu_record(e, STATE_UP, NULL);
}

void emu_release(struct emu *e)
{
	if (e->cluster)
		cluster_release(e->cluster);
	e->cluster = NULL;
	emu_free(e);
}
