/*
 * limits: whether a topology fits this machine, asked before anything is
 * built, so that a build too big fails at once with the limit to raise
 * rather than after minutes with a bare errno.
 *
 * What a build consumes: one network namespace and one bind mount per
 * node (user.max_net_namespaces, fs.mount-max), kernel memory per
 * namespace and per veth pair, and for a while two descriptors per link
 * of a batch (RLIMIT_NOFILE, fs.file-max).  No process is made per node;
 * the bridge port limit is checked with the model (topo_validate()).
 *
 * Routers that run daemons add, per router, the daemons' memory (which
 * grows with the prefixes their RIBs and FIB hold), their threads (each a
 * pid: kernel.pid_max and kernel.threads-max count them machine-wide) and
 * their open files (fs.file-max; FRR's daemons also keep at most
 * LIMITS_FRR_FDS each, so a router with more sessions than that cannot be
 * FRR's).  Neither FRR nor BIRD holds an inotify instance, and the
 * neighbour entries of their sessions are those core/engine/neigh.c
 * already counts (one per router port on a link), so neither limit moves.
 *
 * LUNET_LIMITS="MemAvailable=512M,kernel.pid_max=1000" makes the checks
 * take those values for the machine's, to try the refusals without
 * lowering a real limit.
 */
#ifndef LUNET_LIMITS_H
#define LUNET_LIMITS_H

#include <stdint.h>

#include "topo/err.h"

struct topo;

/* Kernel memory one namespace and one veth pair take, measured on Linux
 * 6.x (see docs/performance.md), rounded up. */
#define LIMITS_NETNS_BYTES (256u << 10)
#define LIMITS_VETH_BYTES (64u << 10)

/* A routed router, measured with fat-trees by tools/bench-routing on
 * Debian 12's FRR 8.4 and BIRD 2.0.12 (docs/performance.md), rounded up.
 * Memory: the PSS of its daemons (smaps_rollup) as a base and a cost per
 * prefix of the topology (FRR BGP at k = 8 and 16: zebra 5.5 + bgpd 12.6
 * MiB for 208 prefixes, 7.2 + 19.7 MiB for 1,344: 18 MiB and 8 KiB a
 * prefix, each with paths over many sessions; a speaker's prefixes, one
 * path each, 2.2 KiB (docs/routing.md: zebra 15 and bgpd 22 MiB for
 * 10,000); OSPF at k = 4 and 8: 8.9 and 10.7 MiB for 36 and 208 prefixes;
 * staticd 3.2 and bfdd 2.4 MiB; BIRD at k = 8 and 16: 1.0 and 1.9 MiB for
 * 208 and 1,344 prefixes, 0.8 KiB a prefix with 4 to 8 paths each (60
 * bytes a path learnt, measured apart), taken as 1.5 KiB for the wider
 * ECMP of larger fabrics).  Each daemon runs in a mount namespace of its own
 * (core/sys/proc.c remounts /sys for the node there), which copies every
 * mount of lunet's: one per node under /run/netns, 384 bytes of mnt_cache
 * each (/proc/slabinfo). */
#define LIMITS_FRR_BGP_BYTES (18u << 20)
#define LIMITS_FRR_OSPF_BYTES (9u << 20)
#define LIMITS_FRR_EXTRA_BYTES (4u << 20)
#define LIMITS_FRR_PREFIX_BYTES (8u << 10)
#define LIMITS_FRR_SPEAKER_PREFIX_BYTES (5u << 9)
#define LIMITS_BIRD_BYTES (1u << 20)
#define LIMITS_BIRD_PREFIX_BYTES (3u << 9)
#define LIMITS_MOUNT_BYTES 512u
/* Threads (/proc/PID/task): zebra 6 with bgpd (one zebra_apic thread per
 * client, and bgpd opens two) and bgpd 4; zebra 5 and ospfd 1; staticd
 * and bfdd 1 each and a zebra_apic; BIRD 2 is one thread. */
#define LIMITS_FRR_BGP_THREADS 10u
#define LIMITS_FRR_OSPF_THREADS 6u
#define LIMITS_FRR_EXTRA_THREADS 2u
#define LIMITS_BIRD_THREADS 1u
/* Open files (/proc/PID/fd) besides one socket per session: zebra 38
 * and bgpd 20, zebra 33 and ospfd 15, about 20 for staticd or bfdd,
 * BIRD 10. */
#define LIMITS_FRR_BGP_FILES 58u
#define LIMITS_FRR_OSPF_FILES 48u
#define LIMITS_FRR_EXTRA_FILES 20u
#define LIMITS_BIRD_FILES 10u
/* The descriptors an FRR daemon keeps at most, its --limit-fds (FRR sizes
 * its tables by the limit, and the 20,000 lunet may have cost memory in
 * every daemon); core/routing/daemon.c starts them so. */
#define LIMITS_FRR_FDS 1024u

/* What a topology's routing daemons take, by the figures above. */
struct limits_daemons {
	uint32_t routers, daemons, threads;
	uint64_t memory, files;
	uint32_t prefixes;     /* announced, the speakers' among them: each
				* router may hold them all */
	uint32_t max_sessions; /* the most of one FRR router ... */
	uint32_t busiest;      /* ... that router, or TOPO_NONE */
};

/* Checks t against the machine's limits, with fds descriptors needed at
 * once by the build.  Raises the soft RLIMIT_NOFILE to the hard one when
 * that is enough.  Returns 0 or -errno (-EMFILE, -ENFILE, -ENOSPC,
 * -ENOMEM, -EUSERS, -EAGAIN) with a sentence in err naming the limit,
 * what the topology needs and how to raise it. */
int limits_check(const struct topo *t, uint32_t fds, struct err *err);

/* limits_check() of one machine's part of t: the nodes marked in mine
 * (per node) and the links that touch them; their daemons still count
 * every prefix of the whole fabric, which each router may learn. */
int limits_check_part(const struct topo *t, const unsigned char *mine,
		      uint32_t fds, struct err *err);

/* The kernel memory a build of t needs, by the estimates above. */
uint64_t limits_memory(const struct topo *t);

/* What the routing daemons of t take; t must be planned.  Pure. */
void limits_daemons(const struct topo *t, struct limits_daemons *out);

#endif
