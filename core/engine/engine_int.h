/*
 * What the files of the engine share: engine.c (the life of an emulation),
 * par.c (the worker threads of a phase), build.c (the build phases),
 * stp.c (the wait for spanning tree) and linkset.c (links set up or down
 * while it runs).  Private to them; the rest of lunet uses core/engine/engine.h.
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
};

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

/* par.c */
unsigned par_workers(uint32_t n);
int par_run(struct par *p, unsigned nworkers);

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

/* engine.c */
void emu_progress(struct emu *e, enum emu_phase phase, size_t done,
		  size_t total);
int emu_check_intr(struct err *err);
int emu_record(struct emu *e, enum state_status status, struct err *err);

/* build.c: the phases, in order, up to the state "running". */
int emu_build(struct emu *e, struct err *err);
struct nl *emu_open_in_node(struct emu *e, uint32_t node, int *rc);
int emu_add_routes(struct nl_batch *b, const struct topo *t, uint32_t node,
		   const unsigned char *down, bool replace);
int emu_node_fail(struct err *err, const struct topo *t, uint32_t node,
		  const struct nl_fail *f);

/* RTM_NEWLINK setting ifindex up or down with IPv6 address generation
 * off (build.c). */
struct nlmsghdr *emu_msg_noipv6(void *buf, size_t len, int ifindex, bool up);

/* impair.c */
void emu_impair_free(struct emu *e);
/* In a forked child that takes e over: the relay's thread again. */
void emu_impair_forked(struct emu *e);
/* "/run/netns/lunet-<emu>-+relay", the namespace of the relay ports. */
int emu_relay_nspath(const char *emu, char *buf, size_t len);

/* stp.c */
int emu_wait_stp(struct emu *e, struct err *err);

#endif
