/*
 * probe: lunet's own reachability prober.
 *
 * Sends ICMP echo requests from raw sockets opened inside the source
 * nodes' namespaces (one socket per source node, opened by setns() into
 * the namespace and back) and waits for the replies on one libev loop, many
 * probes in flight at once, so that a pingall over thousands of pairs
 * costs no process per pair.
 */
#ifndef LUNET_PROBE_H
#define LUNET_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;

struct probe_pair {
	uint32_t src;      /* index into the srcs array given to probe_run() */
	uint32_t dst_ip;   /* host byte order */
	/* results */
	int ok;            /* 1: a reply came back */
	double rtt;        /* seconds, of the first reply */
	int tries;         /* echo requests sent */
};

struct probe_opts {
	double timeout;    /* seconds to wait for a reply per try (1.0) */
	int tries;         /* requests per pair before giving up (3) */
	size_t inflight;   /* most requests outstanding at once (256) */
};

/* Probes every pair.  srcs[i] is the path of the namespace of source i
 * (for example "/run/netns/lunet-demo-h1").  Runs loop until all pairs
 * are answered or have used their tries; other watchers on the loop keep
 * running meanwhile.  Returns the number of pairs that got a reply, or
 * -errno when a socket could not be opened (nothing is left open). */
int probe_run(struct ev_loop *loop, const char *const *srcs, size_t nsrcs,
	      struct probe_pair *pairs, size_t npairs,
	      const struct probe_opts *opts);

#endif
