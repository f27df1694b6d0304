/*
 * neigh: the neighbour (ARP/ND) tables are shared by every namespace and
 * hold 1024 entries by default, far fewer than a large emulation needs
 * (every host on a segment may learn every other).  Each emulation
 * records how many entries it may need; the thresholds are set to the
 * machine's original values plus the sum over running emulations, and
 * restored when the last emulation ends.
 */
#ifndef LUNET_NEIGH_H
#define LUNET_NEIGH_H

#include <stdint.h>

#include "topo/err.h"

struct topo;

/* The entries topology t may need (every L3 port learning the others on
 * its segment). */
uint64_t neigh_estimate(const struct topo *t);

/* Records t's need (in its state directory) and raises the thresholds.
 * Returns 0 or -errno with err set. */
int neigh_reserve(const struct topo *t, struct err *err);

/* Recomputes the thresholds from the emulations still recorded; restores
 * the originals when none is left.  Returns 0 or -errno. */
int neigh_release(struct err *err);

#endif
