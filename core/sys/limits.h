/*
 * limits: whether a topology fits this machine, asked before anything is
 * built, so that a build too big fails at once with the limit to raise
 * rather than after minutes with a bare errno.
 *
 * What a build consumes: one network namespace and one bind mount per
 * node (user.max_net_namespaces, fs.mount-max), kernel memory per
 * namespace and per veth pair, and for a while two descriptors per link
 * of a batch (RLIMIT_NOFILE, fs.file-max).  No process is made per node,
 * so kernel.pid_max only matters to what scripts spawn; the bridge port
 * limit is checked with the model (topo_validate()).
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

/* Checks t against the machine's limits, with fds descriptors needed at
 * once by the build.  Raises the soft RLIMIT_NOFILE to the hard one when
 * that is enough.  Returns 0 or -errno (-EMFILE, -ENFILE, -ENOSPC,
 * -ENOMEM, -EUSERS) with a sentence in err naming the limit, what the
 * topology needs and how to raise it. */
int limits_check(const struct topo *t, uint32_t fds, struct err *err);

/* The kernel memory a build of t needs, by the estimates above. */
uint64_t limits_memory(const struct topo *t);

#endif
