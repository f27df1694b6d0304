/*
 * par: a small worker pool that runs one step per node (or per batch of
 * links) on a few threads: the phases of a build, teardown, and reading
 * counters.  It knows nothing of emulations: progress goes through a
 * callback and interruption through core/sys/intr.h.
 *
 * Phases whose steps are one per node run on every CPU (up to
 * WORKERS_MAX threads taking the next node from a shared counter).  The
 * kernel does much of a build under one lock (rtnl), but creating and
 * entering namespaces, mounting, opening sockets and waiting for RCU grace
 * periods overlap.  Namespaces belong to threads (unshare() and setns()
 * act on the calling thread), so each worker moves on its own.  Small
 * topologies stay on one thread, so that their errors come in node order.
 */
#ifndef LUNET_PAR_H
#define LUNET_PAR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"

#define WORKERS_MAX 4
#define WORKERS_MIN_NODES 256

struct par {
	uint32_t n;
	/* One step; w is the worker's number, for per-worker resources. */
	int (*fn)(void *ctx, uint32_t i, unsigned w, struct err *err);
	void *ctx;
	/* Called now and then from the calling thread with the steps done
	 * (times per) and total; NULL for none.  tag is the caller's own
	 * (the engine's phase). */
	void (*progress)(void *arg, int tag, size_t done, size_t total);
	void *arg;
	int tag;
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

/* How many workers a phase of n steps gets: 1 below WORKERS_MIN_NODES
 * or on one CPU, else one per CPU up to WORKERS_MAX. */
unsigned par_workers(uint32_t n);

/* Runs p->fn for every i in [0, p->n) on nworkers threads, the caller's
 * among them, and stops at the first failure or signal (intr_signal, but
 * for p->finish).  Returns 0 or that failure's -errno (its sentence in
 * p->err). */
int par_run(struct par *p, unsigned nworkers);


#endif
