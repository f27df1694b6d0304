/*
 * diff: what changed between the model of a running network and the
 * model of its edited file, by the names of nodes and links (topo/diff.c),
 * for "lunet apply".  Pure: no system calls.
 *
 * Nodes are matched by name; a node whose kind or options (stp, ip, lo)
 * changed is removed and added again.  Links are matched by the names of
 * their ends (either order), parallel links between the same two nodes
 * in the order they were made; a link whose options (interface names,
 * addresses, MACs, MTU) changed, or one of whose ends is made again, is
 * removed and added again.  Impairments are not the model's: the
 * bindings compare them for the links that stay.
 */
#ifndef LUNET_TOPO_DIFF_H
#define LUNET_TOPO_DIFF_H

#include <stdint.h>

#include "topo/topo.h"

struct topo_diff {
	/* Indexes into the old topology: what goes. */
	uint32_t *node_gone, *link_gone;
	uint32_t nnode_gone, nlink_gone;
	/* Indexes into the new one: what comes. */
	uint32_t *node_new, *link_new;
	uint32_t nnode_new, nlink_new;
	/* Links that stay: link_kept[i] of the new topology is
	 * link_was[i] of the old. */
	uint32_t *link_kept, *link_was;
	uint32_t nlink_kept;
};

/* Compares old and new (neither needs a plan).  Returns 0 or -ENOMEM;
 * free d with topo_diff_free() either way. */
int topo_diff(const struct topo *old, const struct topo *new,
	      struct topo_diff *d);
void topo_diff_free(struct topo_diff *d);

#endif
