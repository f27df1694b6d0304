/* The console's "stats [A B]": the counters of every link, or of the link
 * between A and B, as "lunet stats" prints them. */
#include <stdlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "core/observe/stats.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"

/* The counters of every end of the link between argv[1] and argv[2]
 * (two nodes read) into ends; *l is the link.  Returns 0 or 1 after
 * saying why. */
static int read_pair(struct console *c, char **argv, struct stats_if *ends,
		     uint32_t *l)
{
	const struct topo *t = c->n->topo;
	struct err err;
	uint32_t a, b;

	a = console_node(c, "stats", argv[1]);
	if (a == TOPO_NONE)
		return 1;
	b = console_node(c, "stats", argv[2]);
	if (b == TOPO_NONE)
		return 1;
	*l = topo_link_find(t, a, b);
	if (*l == TOPO_NONE)
		return console_fail(c, "stats", "no link between %s and %s",
				    argv[1], argv[2]);
	err_clear(&err);
	if (emu_stats(c->n->emu, a, ends, &err) ||
	    emu_stats(c->n->emu, b, ends, &err))
		return console_fail(c, "stats", "%s", err.msg);
	return 0;
}

int console_stats(struct console *c, int argc, char **argv,
		  const char *rest, struct console_run *run)
{
	const struct topo *t = c->n->topo;
	struct stats_if *ends;
	struct err err;
	uint32_t l;
	int rc = 0;

	if (!c->n->emu)
		return console_fail(c, "stats", "network '%s' is not running",
				    t->name);
	if (argc == 2)
		return console_fail(c, "stats", "give both ends of a link, "
				    "or none for every link");
	ends = calloc(2 * (size_t)(t->nlinks ? t->nlinks : 1), sizeof(*ends));
	if (!ends)
		return console_fail(c, "stats", "out of memory");
	err_clear(&err);
	if (argc == 3) {
		rc = read_pair(c, argv, ends, &l);
		if (!rc)
			stats_table(c->out, t, ends, &l, 1);
	} else if (emu_stats(c->n->emu, TOPO_NONE, ends, &err)) {
		rc = console_fail(c, "stats", "%s", err.msg);
	} else {
		stats_table(c->out, t, ends, NULL, t->nlinks);
	}
	free(ends);
	return rc;
}
