/*
 * relay: lunet's delay line for links, on kernels without netem (and with
 * it: netem cannot seed its draws).
 *
 * Each delayed link end A (a veth in a node) gets a relay port: a veth
 * pair X (in A's node) - Y (in the emulation's relay namespace).  A's
 * egress BPF program sends the packet out of X; it arrives on Y, where
 * one packet socket (for every Y of the emulation) reads it.  The relay
 * holds it for its delay (plus jitter; or none, for the packets drawn to
 * be reordered) and writes it back out of Y; it arrives on X, whose
 * ingress program sends it out of A, past A's BPF program.  A capture on A
 * sees the packet once, when it leaves, delayed.
 *
 * Packets keep their offload state across the relay (the socket reads and
 * writes a virtio_net_hdr in front of each), so a 64 KB TCP segment
 * crosses it as one packet, as it crosses a veth.
 *
 * One thread runs the relay.  Settings change under a lock; the thread
 * takes it once per batch.
 */
#ifndef LUNET_RELAY_H
#define LUNET_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct relay;

struct relay_cfg {
	uint64_t delay_ns, jitter_ns;
	uint64_t reorder; /* a packet skips the delay when its draw < this
			   * (of 2^32) */
	uint64_t seed;
	uint32_t limit;   /* packets held at most; 0: 1000 */
};

struct relay_stats {
	uint64_t held;      /* packets in the line now */
	uint64_t forwarded; /* packets written back */
	uint64_t dropped;   /* packets refused: the line was full */
	uint64_t reordered; /* packets sent ahead of the line */
};

/* A relay serving ports 0 .. nports - 1, whose Y ends have interface
 * indexes ifbase + port, its socket opened in the namespace at nspath (the
 * thread is not running yet).  Returns NULL with *rc set. */
struct relay *relay_new(const char *nspath, uint32_t nports, int ifbase,
			int *rc);

/* Starts or stops its thread. */
int relay_start(struct relay *r);
void relay_stop(struct relay *r);

/* In the child of a fork(): the thread did not follow; forgets it and the
 * packets it held, and makes the lock usable.  relay_start() again. */
void relay_forked(struct relay *r);

/* Stops and frees r (the kernel's side, the namespace and the ports, is
 * not the relay's to remove). */
void relay_free(struct relay *r);

/* Sets port p's delay; cfg NULL: stop relaying it (what it holds is
 * dropped).  Resets its counters and its draws. */
int relay_set(struct relay *r, uint32_t p, const struct relay_cfg *cfg);
void relay_get(struct relay *r, uint32_t p, struct relay_stats *st);

#endif
