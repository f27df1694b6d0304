/*
 * What the files of "lunet web" share (tools/cmd_web.c serves HTTP with
 * libmicrohttpd, tools/web_state.c watches the emulation); private to
 * them.
 *
 * The server runs beside the emulation, not in the process that owns it:
 * the owner's console does what the page asks (set a link down or up,
 * impair it) through the control socket, exactly as "lunet console
 * --attach" would, and the state the page shows is the console's "links"
 * and the kernel's counters, read here.
 */
#ifndef LUNET_WEB_INT_H
#define LUNET_WEB_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct topo;
struct stats_if;

/* Past this many nodes, the live view is the summary by group. */
#define WEB_FULL_MAX 5000

struct web_state {
	const char *name;  /* the emulation */
	bool ifnames;      /* the drawing labels link ends */
	/* The topology from its record (owned) and its drawing, both
	 * swapped for new ones when the record changes (a node or a link
	 * added or removed while it runs): readers hold lock or kernel. */
	struct topo *t;
	char *svg;         /* from its <svg> on */
	size_t svg_len;
	uint64_t gen;      /* bumped with each new topology */
	struct timespec mtime; /* the record's, when it was read */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t seq;      /* bumped on every change of what follows */
	uint8_t *down;     /* per link */
	double *bps;       /* per link, both ways */
	bool gone;         /* the emulation ended */
	bool stopping;
	pthread_t thread;  /* the poller */
	bool running;
	/* The poller's own: the last counters and when they were read. */
	struct stats_if *ends;
	double ends_t;
	/* Reading the kernel (counters, FIBs) one thread at a time. */
	pthread_mutex_t kernel;
};

/* Reads the record of emulation name and starts the poller: the links'
 * state every 100 ms (slower past 5,000 links), their rates every tenth
 * time.  Returns 0 or 1 after saying why; web_state_stop() either way
 * (s zeroed before). */
int web_state_start(struct web_state *s, const char *name, bool ifnames);
void web_state_stop(struct web_state *s);

/* Waits until s->seq is not seen or a second passed; returns the seq.
 * With the lock held by the caller. */
uint64_t web_state_wait(struct web_state *s, uint64_t seen);

/* JSON documents into f, with the lock held (web_node_json() takes the
 * kernel's itself).  The state: {"seq", "gen", "gone", "links": [{"s":
 * "up"|"down", "bps"}]}, under the lock.  The topology: {"name",
 * "nodes": [{"name", "kind"}], "links": [{"a", "b", "a_if", "b_if"}]}.
 * A node: its interfaces (address, peer, counters) and its FIB. */
void web_state_json(struct web_state *s, FILE *f);
void web_topo_json(const struct web_state *s, FILE *f);
int web_node_json(struct web_state *s, const char *node, FILE *f);

/* A JSON string. */
void web_json_str(FILE *f, const char *str);

#endif
