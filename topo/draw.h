/*
 * draw: a topology as a Graphviz graph in the DOT language, with the
 * layout that fits its kind.  Graphviz lays it out and renders it
 * (tools/graph.c runs its dot program); nothing here does I/O but the
 * writes to the caller's FILE.
 *
 * Layouts: a topology whose links join different tiers (a host is tier
 * 0, any other node one more than its nearest host: edge, then
 * aggregation, then core) is drawn by dot in ranks, one rank per tier,
 * hosts at the bottom; one whose non-host nodes form a single cycle is
 * drawn by circo as a ring; a torus (the routers or switches named
 * r<i>_<j> or s<i>_<j> of an X by Y grid, 3 by 3 or more, each linked to
 * its four neighbours, as lunet.topo.torus{} makes it) as X rings of Y
 * nodes one inside the other, each node's host just outside it; one with
 * at most a tenth of its links inside a tier in ranks again; anything
 * else (lines, meshes) by neato.  A topology of more than DRAW_FULL_MAX nodes is drawn as a
 * summary unless full is asked: one box per placement group (a pod, a
 * rack, topo_node_set_group) and per tier of the nodes in none (per tier
 * alone when that still makes more than DRAW_FULL_MAX boxes), one edge
 * per pair of boxes with its number of links.
 *
 * The SVG Graphviz makes from it keeps the ids and classes given here,
 * which is how a page finds what it draws: a node is the element
 * id="node-NAME" of class "node KIND" (host, switch, router), link l is
 * id="link-L" (its index) of class "edge link" and "up" or "down"; in a
 * summary a box is id="group-NAME" (class "node group"), the links
 * between two boxes id="glink-I".
 */
#ifndef LUNET_DRAW_H
#define LUNET_DRAW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct topo;

#define DRAW_FULL_MAX 300

enum draw_layout {
	DRAW_TIERS, /* dot, in ranks */
	DRAW_RING,  /* circo */
	DRAW_MESH,  /* neato */
	DRAW_TORUS, /* neato, every node placed: rings inside rings */
};

struct draw_opts {
	bool ifnames;        /* label each link end with its interface */
	bool full;           /* every node, however many */
	const uint8_t *down; /* per link, nonzero: down; NULL: all up */
	const double *bps;   /* per link, bit/s both ways; NULL: no rates */
};

/* Fills tier[0..t->nnodes) (hosts 0, others their distance to the
 * nearest host; with no host anywhere, 0 for all) and returns the layout
 * that fits t.  Returns -ENOMEM or the layout (>= 0). */
int draw_tiers(const struct topo *t, uint32_t *tier);

/* Whether draw_dot() would draw t as a summary with these options. */
bool draw_is_summary(const struct topo *t, const struct draw_opts *o);

/* Writes t as one DOT graph to f.  Returns 0, -ENOMEM, or -EIO when f
 * failed. */
int draw_dot(FILE *f, const struct topo *t, const struct draw_opts *o);

/* A rate as people read it: "0 b/s", "950 kb/s", "1.2 Gb/s". */
void draw_rate(char *buf, size_t len, double bps);

#endif
