/*
 * What "lunet graph", the console's graph and "lunet web" share
 * (tools/graph.c): a topology drawn by topo/draw.c and rendered by
 * Graphviz's dot program, and the live state of a running emulation read
 * from outside the process that owns it.
 *
 * Graphviz runs as a program, not a library: libgvc 2.42 reads freed
 * memory when a second context is made (AddressSanitizer finds it in the
 * first few lines), and a separate process keeps its faults out of the
 * process that holds an emulation.
 */
#ifndef LUNET_GRAPH_H
#define LUNET_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "topo/draw.h"

struct topo;

enum graph_format {
	GRAPH_DOT,
	GRAPH_SVG,
	GRAPH_PNG,
};

/* The format a file name's suffix names (.dot .gv .svg .png).  Returns 0
 * or -EINVAL. */
int graph_format_of(const char *path, enum graph_format *fmt);
/* "svg", "png", "dot". */
int graph_format_parse(const char *s, enum graph_format *fmt);

/* Draws t in format fmt into *out (malloc'd, *len bytes, NUL-terminated;
 * the caller frees).  Returns 0, or -errno with the reason in why. */
int graph_render(const struct topo *t, const struct draw_opts *o,
		 enum graph_format fmt, char **out, size_t *len, char *why,
		 size_t whylen);

/* Draws t into the file path ("-": standard output). */
int graph_write(const struct topo *t, const struct draw_opts *o,
		enum graph_format fmt, const char *path, char *why,
		size_t whylen);

/* The state of running emulation name (topology t, from its record):
 * down[l] from its owner's console ("links", through the control
 * socket), and, with bps non-NULL, each link's rate both ways over
 * seconds of counters read here.  An owner that serves no socket leaves
 * down[] zero.  Returns 0, or -errno with why. */
int graph_live(const char *name, const struct topo *t, uint8_t *down,
	       double *bps, double seconds, char *why, size_t whylen);

/* down[] from the text of the console's "links": the last word of line
 * l.  Returns 0, or -EPROTO when it has not t->nlinks lines. */
int graph_links_parse(const char *text, uint32_t nlinks, uint8_t *down);

#endif
