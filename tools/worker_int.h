/*
 * What the worker's files share (tools/cmd_worker.c: the channel, the
 * build, links, pings, FIBs, faults; tools/worker_obs.c: impairments,
 * probes, counters, captures); private to them.
 */
#ifndef LUNET_WORKER_INT_H
#define LUNET_WORKER_INT_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cluster/proto.h"
#include "topo/err.h"

struct capture;
struct stream;
struct fault_proc;

struct wprobe {
	unsigned id;
	struct stream *s;
	size_t n;
	bool done;
	struct wprobe *next;
};

struct wcapture {
	unsigned id;
	struct capture *c;
	char **files; /* per target: its file here */
	size_t n;
	struct wcapture *next;
};

struct worker {
	struct proto p;
	struct ev_loop *loop;
	struct wcapture *captures;
	unsigned next_capture;
	ev_io in;    /* the coordinator's requests */
	int rc;      /* why the loop ended */
	struct wprobe *probes; /* probe streams running or done */
	unsigned next_probe;
	struct topo *t;
	struct emu *e;
	/* per node: the processes a failure froze, to thaw on recovery */
	struct fault_proc **frozen;
	int *nfrozen;
};

/* The reply "error" with err's sentence (or rc's). */
int worker_reply_err(struct worker *w, const struct err *err, int rc);

/* worker_obs.c: each handles one request and sends its reply. */
int do_impair(struct worker *w, const char *verb, const char *msg);
int do_probe(struct worker *w, const char *verb, const char *msg);
int do_stats(struct worker *w, const char *msg);
int do_capture(struct worker *w, const char *verb, const char *msg,
	       size_t len);
/* What probes and captures hold, freed (before the part is torn down:
 * their sockets would keep its namespaces). */
void probes_free(struct worker *w);
void captures_free(struct worker *w);

#endif
