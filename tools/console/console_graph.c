/* The console's "graph [-o FILE] [--ifnames] [--full]": the drawing of
 * the network with its links' state, as "lunet graph" makes it
 * (tools/graph.h). */
#include <stdlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "lua/lunet.h"
#include "tools/console/console_int.h"
#include "tools/graph.h"
#include "topo/topo.h"

int console_graph(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	const struct topo *t = c->n->topo;
	struct draw_opts o = { 0 };
	enum graph_format fmt;
	char path[512], why[1024];
	const char *out = NULL;
	uint8_t *down = NULL;
	uint32_t l;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ifnames"))
			o.ifnames = true;
		else if (!strcmp(argv[i], "--full"))
			o.full = true;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else
			return console_fail(c, "graph", "unexpected '%s' (graph "
					    "[-o FILE] [--ifnames] [--full])",
					    argv[i]);
	}
	if (!out) {
		snprintf(path, sizeof(path), "/tmp/lunet-%s.svg", t->name);
		out = path;
	}
	if (graph_format_of(out, &fmt))
		return console_fail(c, "graph", "%s: say which format with a "
				    "suffix: .svg, .png or .dot", out);
	if (c->n->emu) {
		down = calloc(t->nlinks + 1, 1);
		if (!down)
			return console_fail(c, "graph", "out of memory");
		for (l = 0; l < t->nlinks; l++)
			down[l] = !emu_link_is_up(c->n->emu, l);
		o.down = down;
	}
	rc = graph_write(t, &o, fmt, out, why, sizeof(why));
	free(down);
	if (rc)
		return console_fail(c, "graph", "%s", why);
	fprintf(c->out, "%s: %u nodes, %u links%s\n", out, t->nnodes,
		t->nlinks, draw_is_summary(t, &o) ?
		" (a summary by group; --full draws every node)" : "");
	return 0;
}
