/* The console's "impair" command (and so "lunet impair", which sends it
 * to the process that owns the emulation). */
#include <string.h>

#include "core/engine/engine.h"
#include "core/impair/impair.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"

static void show_dir(struct console *c, uint32_t l, int side)
{
	const struct topo *t = c->n->topo;
	const struct topo_port *a = topo_link_port(t, l, side);
	const struct topo_port *b = topo_link_port(t, l, !side);
	struct impair_counts n;
	struct impair_spec s;
	char text[200];

	limpair_get(c->n, l, side, &s, &n);
	if (impair_spec_empty(&s))
		return;
	impair_spec_format(&s, text, sizeof(text));
	fprintf(c->out, "%s:%s -> %s:%s  %s", t->nodes[a->node].name,
		a->ifname, t->nodes[b->node].name, b->ifname, text);
	if (c->n->emu)
		fprintf(c->out,
			"  (seen %llu, lost %llu, corrupted %llu, duplicated "
			"%llu, delayed %llu, reordered %llu, overflow %llu)",
			(unsigned long long)n.seen, (unsigned long long)n.lost,
			(unsigned long long)n.corrupted,
			(unsigned long long)n.duplicated,
			(unsigned long long)n.delayed,
			(unsigned long long)n.reordered,
			(unsigned long long)n.overflow);
	fputc('\n', c->out);
}

static int list(struct console *c, uint32_t only)
{
	uint32_t l;

	for (l = 0; l < c->n->topo->nlinks; l++)
		if (only == TOPO_NONE || only == l) {
			show_dir(c, l, 0);
			show_dir(c, l, 1);
		}
	return 0;
}

int console_impair(struct console *c, int argc, char **argv,
		   const char *rest, struct console_run *run)
{
	const struct topo *t = c->n->topo;
	struct impair_spec s;
	const char *from;
	uint32_t a, b, l, f;
	struct err err;
	int side = -1;

	if (argc == 1)
		return list(c, TOPO_NONE);
	if (argc == 2)
		return console_fail(c, "impair", "usage: impair A B [SETTINGS]");
	a = console_node(c, "impair", argv[1]);
	b = a == TOPO_NONE ? TOPO_NONE : console_node(c, "impair", argv[2]);
	if (b == TOPO_NONE)
		return 1;
	l = topo_link_find(t, a, b);
	if (l == TOPO_NONE)
		return console_fail(c, "impair", "no link between %s and %s",
				    argv[1], argv[2]);
	if (argc == 3)
		return list(c, l);
	memset(&s, 0, sizeof(s));
	err_clear(&err);
	if (impair_args_parse(argc - 3, argv + 3, &s, &from, &err))
		return console_fail(c, "impair", "%s", err.msg);
	if (from) {
		f = console_node(c, "impair", from);
		if (f == TOPO_NONE)
			return 1;
		if (f != a && f != b)
			return console_fail(c, "impair",
					    "--from %s: not an end of the link "
					    "%s-%s",
					    from, argv[1], argv[2]);
		side = topo_link_node(t, l, 0) == f ? 0 : 1;
	}
	if (limpair_set(c->L, c->n, l, side, &s, &err))
		return console_fail(c, "impair", "%s", err.msg);
	return list(c, l);
}
