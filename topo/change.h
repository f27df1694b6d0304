/*
 * change: the model's side of changing a running network (topo/change.c):
 * its routes kept aside as they were, to be compared with those planned
 * for the changed graph.  The graph edits themselves (topo_truncate(),
 * topo_remove()) and topo_keep_plan() are in topo/topo.h.
 */
#ifndef LUNET_TOPO_CHANGE_H
#define LUNET_TOPO_CHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "topo/topo.h"

/* One route as the kernel sees it: by destination, and next hops by
 * gateway and interface index (which survive the renumbering of nodes,
 * links and ports that a removal makes). */
struct topo_snap_nh {
	uint32_t gw;
	int ifindex;
};

struct topo_snap_route {
	uint32_t dst;
	uint8_t plen;
	uint32_t nh_first, nh_count;
};

/* Every node's routes: node i's are r[first[i], + count[i]), sorted by
 * destination, each one's next hops sorted. */
struct topo_route_snap {
	uint32_t nnodes;
	uint32_t *first, *count;
	struct topo_snap_route *r;
	struct topo_snap_nh *nh;
};

/* Takes the routes of planned t.  Returns 0 or -ENOMEM. */
int topo_snap_take(const struct topo *t, struct topo_route_snap *s);
void topo_snap_free(struct topo_route_snap *s);

/* Whether node o of old and node n of now have different routes. */
bool topo_snap_changed(const struct topo_route_snap *old, uint32_t o,
		       const struct topo_route_snap *now, uint32_t n);

/* Whether node n of s has a route to dst/plen. */
bool topo_snap_has(const struct topo_route_snap *s, uint32_t n,
		   uint32_t dst, uint8_t plen);

#endif
