/*
 * stream: steady probe streams, to measure an outage while it happens.
 *
 * A stream sends one probe per flow every 1/rate seconds for a duration,
 * from sockets that lunet opens inside the source nodes (and, for UDP,
 * an echo socket inside each destination node), all on one libev loop:
 * many flows, no process per flow.  ICMP flows use raw sockets and the
 * destination kernel's echo replies; UDP flows send datagrams that
 * lunet's own echo socket in the destination sends back.  Each probe
 * carries its sequence number and send time, so every reply is matched
 * to the probe it answers and its round-trip time is exact.
 *
 * The result of a flow says how much was lost and for how long: the
 * longest outage is the longest stretch of consecutive lost probes,
 * measured from the first of them to the next probe that was answered (or
 * to the end of the stream).
 */
#ifndef LUNET_STREAM_H
#define LUNET_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct stream;

enum stream_proto {
	STREAM_ICMP,
	STREAM_UDP,
};

struct stream_opts {
	enum stream_proto proto;
	double rate;     /* probes per second per flow, > 0 */
	double duration; /* seconds of sending, > 0 */
	double timeout;  /* a reply later than this is lost (0: 1 s) */
};

struct stream_result {
	uint64_t sent;     /* probes sent (or refused: no route) */
	uint64_t received; /* answered within the timeout */
	uint64_t late;     /* answered after the timeout (counted lost) */
	uint64_t errors;   /* sends the kernel refused */
	uint64_t skipped;  /* slots not sent: the loop was held up */
	double loss;       /* (sent - received) / sent; 0 when none sent */
	double rtt_min, rtt_avg, rtt_max; /* seconds; 0 without replies */
	double outage;     /* the longest outage, seconds */
	uint64_t outages;  /* how many separate outages */
};

/* A new stream on loop.  Returns 0 or -EINVAL (bad options), -E2BIG (more
 * than STREAM_MAX_PROBES per flow), -ENOMEM. */
#define STREAM_MAX_PROBES 10000000
int stream_new(struct ev_loop *loop, const struct stream_opts *opts,
	       struct stream **out);

/* Adds a flow from the node whose namespace is src_ns to dst_ip (host byte
 * order); dst_ns, the destination's namespace, is needed for UDP.  Opens
 * the flow's sockets.  Returns the flow's index or -errno. */
int stream_add(struct stream *s, const char *src_ns, const char *dst_ns,
	       uint32_t dst_ip);

/* Starts sending.  done(arg) is called once, from a watcher, when every
 * probe has been answered or has timed out. */
void stream_start(struct stream *s, void (*done)(void *arg), void *arg);

/* Stops at once: no more probes, no callback.  Results cover what was
 * sent, probes still unanswered counting as lost. */
void stream_stop(struct stream *s);

/* The result of flow i so far. */
void stream_result(const struct stream *s, size_t flow,
		   struct stream_result *r);

/* What a flow saw over time: its probes folded into bins of equal
 * numbers of slots, in send order. */
struct stream_bin {
	uint32_t sent;     /* probes sent in the bin */
	uint32_t received; /* of them, answered in time */
	double rtt;        /* their mean round-trip time, seconds; 0: none */
};

/* Fills up to max bins of flow i with its probes so far, per slots each
 * (per = rate * bin seconds, at least 1).  Returns how many bins were
 * filled. */
size_t stream_series(const struct stream *s, size_t flow, size_t per,
		     struct stream_bin *bins, size_t max);

/* The binning itself, of used slots (send times in ns, 0: not sent;
 * answered; round-trip times in ns), per slots a bin: pure, for tests. */
size_t stream_bins(const uint64_t *sent, const uint8_t *ok,
		   const uint64_t *rtt, size_t used, size_t per,
		   struct stream_bin *bins, size_t max);

/* Stops s and frees it with its sockets. */
void stream_free(struct stream *s);

/* The longest run of unanswered probes, from the send time of its first
 * to that of the next answered probe (or end): sent[i] is the send time
 * of slot i (0: never sent, skipped), ok[i] whether it was answered.
 * *count gets how many runs there were.  Exposed for the unit tests. */
double stream_outage(const uint64_t *sent, const uint8_t *ok, size_t n,
		     uint64_t end, uint64_t *count);

#endif
