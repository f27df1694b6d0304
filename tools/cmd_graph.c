/* "lunet graph": a drawing of a topology file, a generated topology or a
 * running emulation (with its links' state and rates), in SVG, PNG or
 * DOT (tools/graph.h). */
#include <errno.h>
#include <getopt.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/control/state.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"
#include "tools/graph.h"
#include "topo/topo.h"

struct graph_args {
	const char *what; /* FILE or NAME */
	const char *topo; /* --topo SPEC */
	const char *out;  /* -o FILE; NULL: stdout */
	const char *format;
	bool rates;
	struct draw_opts o;
};

static void args_parse(int argc, char **argv, struct graph_args *a)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'T' },
		{ "topo", required_argument, NULL, 't' },
		{ "ifnames", no_argument, NULL, 'i' },
		{ "full", no_argument, NULL, 'f' },
		{ "no-rates", no_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->rates = true;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "graph", "ho:T:t:iq", longopts)) !=
	       -1) {
		switch (c) {
		case 'h':
			cli_help_exit("graph");
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'T':
			a->format = optarg;
			break;
		case 't':
			a->topo = optarg;
			break;
		case 'i':
			a->o.ifnames = true;
			break;
		case 'f':
			a->o.full = true;
			break;
		case 'R':
			a->rates = false;
			break;
		case 'q':
			cli_quiet = true;
			break;
		}
	}
	if (optind < argc)
		a->what = argv[optind++];
	if (optind < argc)
		cli_bad_args("graph", "unexpected argument '%s'", argv[optind]);
	if (a->what && a->topo)
		cli_bad_args("graph", "give a FILE, a NAME or --topo, not two");
	if (!a->what && !a->topo)
		cli_usage_exit("graph");
}

/* The output's format: --format, else the suffix of -o, else DOT. */
static int pick_format(const struct graph_args *a, enum graph_format *fmt)
{
	*fmt = GRAPH_DOT;
	if (a->format) {
		if (graph_format_parse(a->format, fmt))
			return cli_fail("--format: no format '%s' (svg, png, "
					"dot)", a->format);
		return 0;
	}
	if (a->out && strcmp(a->out, "-") && graph_format_of(a->out, fmt))
		return cli_fail("%s: say which format with a suffix (.svg, "
				".png, .dot) or --format", a->out);
	return 0;
}

static int draw(const struct topo *t, const struct graph_args *a,
		enum graph_format fmt)
{
	char why[1024];

	if (graph_write(t, &a->o, fmt, a->out ? a->out : "-", why,
			sizeof(why)))
		return cli_fail("graph: %s", why);
	if (a->out && strcmp(a->out, "-"))
		cli_say("%s: %u nodes, %u links%s\n", a->out, t->nnodes,
			t->nlinks, draw_is_summary(t, &a->o) ?
			" (a summary by group; --full draws every node)" : "");
	return 0;
}

/* A running emulation, from its record, with its links' state. */
static int draw_running(const char *name, struct graph_args *a,
			enum graph_format fmt)
{
	struct state_info info;
	uint8_t *down = NULL;
	double *bps = NULL;
	struct topo *t;
	struct err err;
	char why[512];
	int rc;

	if (cli_need_root())
		return 1;
	err_clear(&err);
	if (state_read(name, &t, &info, &err))
		return cli_fail("%s", err.msg);
	down = calloc(t->nlinks + 1, 1);
	bps = a->rates ? calloc(t->nlinks + 1, sizeof(*bps)) : NULL;
	if (!down || (a->rates && !bps)) {
		rc = cli_fail("out of memory");
		goto out;
	}
	if (graph_live(name, t, down, bps, 0.5, why, sizeof(why))) {
		rc = cli_fail("%s: %s", name, why);
		goto out;
	}
	a->o.down = down;
	a->o.bps = bps;
	rc = draw(t, a, fmt);
out:
	free(down);
	free(bps);
	topo_free(t);
	return rc;
}

/* A file or a generated topology, run without building anything. */
static int draw_file(struct graph_args *a, enum graph_format fmt)
{
	struct lnet *n;
	struct err err;
	lua_State *L;
	int rc;

	err_clear(&err);
	L = script_new(&err);
	if (!L)
		return cli_fail("%s", err.msg);
	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, LNET_DRY);
	if (a->topo ? script_dotopo(L, a->topo, &err) :
		      script_dofile(L, a->what, &err))
		rc = cli_fail("%s", err.msg);
	else if (!(n = luaL_testudata(L, -1, LNET_MT)))
		rc = cli_fail("%s: returned a %s, not a network (end the file "
			      "with 'return net')", a->what ? a->what : a->topo,
			      luaL_typename(L, -1));
	else
		rc = draw(n->topo, a, fmt);
	script_close(L);
	return rc;
}

int cmd_graph(int argc, char **argv)
{
	struct graph_args a = { 0 };
	struct state_info info;
	enum graph_format fmt;
	struct stat st;

	args_parse(argc, argv, &a);
	if (pick_format(&a, &fmt))
		return 1;
	if (a.topo || stat(a.what, &st) == 0)
		return draw_file(&a, fmt);
	if (state_read_info(a.what, &info) == 0)
		return draw_running(a.what, &a, fmt);
	return cli_fail("no file or running emulation named '%s'", a.what);
}
