/*
 * par: runs one step per node (or per batch of links) on up to
 * WORKERS_MAX threads.  Why, and what a struct par holds, is told in
 * core/sys/par.h.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/sys/intr.h"
#include "core/sys/par.h"

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
		if (k->w == 0 && p->progress && !(done & p->mask) &&
		    done < p->n)
			p->progress(p->arg, p->tag, (size_t)done * p->per,
				    p->total);
	}
	return NULL;
}

unsigned par_workers(uint32_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < WORKERS_MIN_NODES || cpus < 2)
		return 1;
	return cpus > WORKERS_MAX ? WORKERS_MAX : (unsigned)cpus;
}

int par_run(struct par *p, unsigned nworkers)
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
		p->rc = intr_check(p->err);
	if (!p->rc && p->progress)
		p->progress(p->arg, p->tag, p->total, p->total);
	return p->rc;
}
