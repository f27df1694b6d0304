/*
 * place: which machine each node of a topology runs on, when one topology
 * spans several machines.  A link whose ends are on one machine stays a
 * veth pair; a link between two machines (a cut link) becomes a VXLAN
 * tunnel, so placement keeps the cut small and the machines evenly loaded.
 * A switch is one node, so its bridge is never split; a host on another
 * machine than its switch reaches the bridge through a tunnel.
 *
 * Pure: no system calls, the same topology always gives the same
 * placement.
 */
#ifndef LUNET_TOPO_PLACE_H
#define LUNET_TOPO_PLACE_H

#include <stdbool.h>
#include <stdint.h>

#include "topo/err.h"

struct topo;

/*
 * What a node weighs, roughly in units of the kernel memory of a network
 * namespace with a few interfaces (a few hundred KB).  Memory, not CPU,
 * is what runs out first when an emulation grows; a routing daemon
 * dwarfs the namespace it runs in: FRR's zebra, bgpd (or ospfd) and
 * staticd take some 25 to 30 MB per router, BIRD's one process some
 * 8 to 10 MB.  The figures are ratios to balance by, not a budget.
 */
#define TOPO_PLACE_W_NODE 1  /* a host, a switch, a router of static routes */
#define TOPO_PLACE_W_BIRD 4  /* a router running BIRD */
#define TOPO_PLACE_W_FRR 10  /* a router running FRR */

#define TOPO_PLACE_TOLERANCE 0.10 /* the default: 10% over a machine's share */
#define TOPO_PLACE_MACHINES_MAX 1024

struct topo_place_opts {
	uint32_t nmachines;     /* 1 to TOPO_PLACE_MACHINES_MAX */
	/* The machines' names, which nodes' machine fields (net:place())
	 * name; NULL: "m1" to "mN". */
	const char *const *names;
	/* Relative capacities (> 0) of the machines: a machine of 2 takes
	 * twice the share of a machine of 1.  NULL: all equal. */
	const double *capacity;
	/* How far above its share a machine may go: 0.10 is 10%.  0 means
	 * TOPO_PLACE_TOLERANCE; a very small value asks for an exact
	 * balance. */
	double tolerance;
	/* Place node by node, ignoring the generators' groups (the nodes a
	 * user placed stay where they are). */
	bool no_groups;
};

/* The links between two machines: as many VXLAN tunnels. */
struct topo_place_pair {
	uint32_t a, b; /* machines, a < b */
	uint32_t links;
};

/* What a placement came to; owned arrays, freed by
 * topo_place_stats_free(). */
struct topo_place_stats {
	uint32_t nmachines;
	uint64_t *load;   /* per machine: the weight of its nodes */
	uint32_t *nodes;  /* per machine: how many nodes */
	double *share;    /* per machine: its share of the total weight */
	double *bound;    /* per machine: the most it should carry */
	uint64_t total;   /* the weight of every node */
	uint32_t units;   /* what was placed: groups, and nodes outside one */
	uint32_t cut;     /* links between two machines */
	struct topo_place_pair *pairs; /* the pairs with links, by a then b */
	uint32_t npairs;
	/* Whether every machine is within its bound.  When not, warning
	 * says which machine is over and why: groups kept whole or nodes
	 * placed by hand that cannot be spread more evenly. */
	bool balanced;
	char warning[512];
};

/* The weight of node n (TOPO_PLACE_W_*). */
uint32_t topo_place_weight(const struct topo *t, uint32_t n);

/*
 * Places every node of t on one of opts->nmachines machines: writes the
 * machine of node i into machine_of[i] (t->nnodes of them) and, when
 * stats is not NULL, fills it (free it with topo_place_stats_free()).
 *
 * Nodes of one group stay together; a node with a machine stays on it,
 * and so does its group.  The rest is placed to cut few links, with no
 * machine above (1 + tolerance) x its share (and never below its share
 * rounded up).  When whole groups or nodes placed by hand make that
 * impossible, the placement is still made, as even as lunet found, with
 * stats->balanced false and the reason in stats->warning.
 *
 * Returns 0, or -EINVAL with err naming the cause: a machine name that
 * is not among the machines (naming the node), one group placed on two
 * machines, a group heavier than any machine may carry (naming the
 * group), bad options; -ENOMEM.
 */
int topo_place(const struct topo *t, const struct topo_place_opts *opts,
	       uint32_t *machine_of, struct topo_place_stats *stats,
	       struct err *err);

void topo_place_stats_free(struct topo_place_stats *s);

#endif
