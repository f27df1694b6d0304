/*
 * What the files of the engine share: engine.c (the life of an
 * emulation), build.c (the build phases), node.c (one node's namespace,
 * socket and routes), stp.c (the wait for spanning tree), linkset.c (links
 * set up or down while it runs) and impair.c (link impairments applied).
 * Private to them: the rest of lunet uses core/engine/engine.h, and no
 * file outside core/engine/ includes this one (tests/tree-check).
 */
#ifndef LUNET_ENGINE_INT_H
#define LUNET_ENGINE_INT_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine/engine.h"
#include "core/netlink/nl.h"
#include "core/control/state.h"
#include "core/sys/par.h"
#include "topo/err.h"

struct topo;

/* Links per netlink batch: bounded so that the namespace descriptors the
 * batch needs (two per link) stay far below the fd limit. */
#define LINK_BATCH 256
#define MSG_MAX 512

struct emu {
	struct topo *topo;
	int home;            /* our own network namespace */
	unsigned char *made; /* per node: we created its namespace */
	unsigned char *down; /* per link: set down by emu_links_set() */
	bool ipv6;           /* the kernel has IPv6 (turned off in nodes) */
	struct emu_opts opts;
	struct state_info info;
	struct emu_impair *imp; /* link impairments; NULL until the first */
	uint32_t *routed;       /* the routers that run daemons, nrouted */
	uint32_t nrouted;
	struct cluster *cluster; /* the nodes are on other machines: their
				  * workers (remote.c); NULL otherwise */
	struct emu_part part;   /* nmachines 0: the whole emulation is here;
				 * else machine_of and underlay are owned
				 * copies */
};

/* Node n is built here. */
static inline bool emu_local(const struct emu *e, uint32_t n)
{
	if (e->cluster)
		return false;
	return !e->part.nmachines || e->part.machine_of[n] == e->part.self;
}

static inline int emu_push(struct nl_batch *b, struct nlmsghdr *nlh,
			   uint32_t tag)
{
	return nlh ? nl_batch_push(b, nlh, tag) : -errno;
}

#define PUSH(b, call, tag)                                                   \
	({                                                                   \
		int __rc = nl_batch_reserve(b, MSG_MAX);                     \
		if (!__rc)                                                   \
			__rc = emu_push(b, call, tag);                       \
		__rc;                                                        \
	})
#define TAIL(b) nl_batch_tail(b), nl_batch_room(b)

/* Tells the emulation's progress callback, if any, how far phase is. */
static inline void emu_progress(struct emu *e, enum emu_phase phase,
				size_t done, size_t total)
{
	if (e->opts.progress)
		e->opts.progress(e->opts.arg, phase, done, total);
}

/* A par's progress callback (arg: the emulation, tag: its phase), and
 * the initialisers that set it. */
static inline void emu_par_progress(void *arg, int tag, size_t done,
				    size_t total)
{
	emu_progress(arg, (enum emu_phase)tag, done, total);
}
#define EMU_PAR_PROGRESS(e, phase)                                          \
	.progress = emu_par_progress, .arg = (e), .tag = (phase)
/* engine.c */
int emu_record(struct emu *e, enum state_status status, struct err *err);

/* build.c: the phases, in order, of an emulation engine.c has claimed and
 * recorded as building. */
int emu_build(struct emu *e, struct err *err);

/* build.c's steps, for a change to a running emulation (change.c):
 * node's namespace made; node's namespace opened (a descriptor, or
 * -errno); link l's veth pair pushed to b (fds: its ends' namespaces);
 * b sent and what the kernel refused named; node configured as the build
 * does it, or only its ports from position first on. */
int emu_make_namespace(struct emu *e, uint32_t node, struct err *err);
int emu_open_ns(struct emu *e, uint32_t node);
int emu_add_veth(struct emu *e, struct nl_batch *b, uint32_t l, int fds[2]);
int emu_send_links(struct emu *e, struct nl *nl, struct nl_batch *b,
		   struct err *err);
int emu_configure_node(struct emu *e, struct nl_batch *b, uint32_t node,
		       struct err *err);
int emu_configure_ports(struct emu *e, struct nl_batch *b, uint32_t node,
			uint32_t first, struct err *err);

/* engine.c: kills what runs in the namespaces of the nodes marked in
 * mask (NULL: all) and removes them; with relay, the relay ports'
 * namespace too.  Returns 0 or the first -errno. */
int emu_remove_namespaces(const struct topo *t, const unsigned char *mask,
			  bool relay);

/* node.c.  Tags of the requests of a node's batch, to name what the
 * kernel refused: a port's index, or one of these.  UINT32_MAX is the
 * transport's own. */
#define TAG_BRIDGE 0x40000000u
#define TAG_LO 0x40000001u
#define TAG_ROUTE 0x80000000u

/* Opens a netlink socket inside node's namespace and comes back to ours;
 * with setup, writes the node's own settings while there (routers
 * forward).  NULL with *rc = -errno on failure. */
struct nl *emu_enter_node(struct emu *e, uint32_t node, bool setup, int *rc);
struct nl *emu_open_in_node(struct emu *e, uint32_t node, int *rc);

/* Adds node's routes to b, leaving out next hops over links that are
 * down (the kernel refuses them).  With replace, existing routes are
 * overwritten rather than refused. */
int emu_add_routes(struct nl_batch *b, const struct topo *t, uint32_t node,
		   const unsigned char *down, bool replace);

/* Sends b from inside node; what the kernel refused, named
 * (emu_node_fail()).  Returns 0 or -errno with err set. */
int emu_node_send(struct emu *e, uint32_t node, struct nl_batch *b,
		  struct err *err);

/* Deletes interface ifindex in node (a veth takes its peer with it);
 * gone already is no failure.  Returns 0 or -errno. */
int emu_node_link_del(struct emu *e, uint32_t node, int ifindex);

/* The sentence for request f of node's batch that the kernel refused
 * ("node r1: route 3: Network is unreachable (extack text)"). */
int emu_node_fail(struct err *err, const struct topo *t, uint32_t node,
		  const struct nl_fail *f);
/* "WHAT: strerror (extack text)" for a refused request. */
int emu_fail_msg(struct err *err, const char *what, const struct nl_fail *f);

/* impair.c */
void emu_impair_free(struct emu *e);
/* The impairments' slots follow a change of the links (map: old link ->
 * new, TOPO_NONE for gone, nold of them); a gone link's ends are
 * cleared.  Links added since the first impairment have none: they
 * cannot be impaired.  Returns 0 or -ENOMEM. */
int emu_impair_follow(struct emu *e, const uint32_t *map, uint32_t nold);
/* In a forked child that takes e over: the relay's thread again. */
void emu_impair_forked(struct emu *e);
/* "/run/netns/lunet-<emu>-+relay", the namespace of the relay ports. */
int emu_relay_nspath(const char *emu, char *buf, size_t len);

/* remote.c: the emulation built, stopped and changed through the
 * workers of other machines. */
int emu_remote_start(struct emu *e, struct err *err);
int emu_remote_stop(struct emu *e, struct err *err);
int emu_remote_links_set(struct emu *e, const uint32_t *links, size_t n,
			 bool up, struct err *err);
struct impair_spec;
struct impair_counts;
int emu_remote_impair(struct emu *e, uint32_t link, int from,
		      const struct impair_spec *s, struct err *err);
int emu_remote_impair_get(struct emu *e, uint32_t link, int side,
			  struct impair_spec *s, struct impair_counts *c);


/* stp.c */
int emu_wait_stp(struct emu *e, struct err *err);

#endif
