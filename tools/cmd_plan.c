/* "lunet plan": which machine each node of a topology would run on, and
 * the links between machines (VXLAN tunnels), without building anything:
 * the file runs (or --topo generates) and its network is only placed. */
#include <getopt.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"
#include "topo/machines.h"
#include "topo/place.h"
#include "topo/topo.h"

#define DEFAULT_MACHINES "local:2"

struct plan_args {
	const char *machines;
	const char *topo;
	const char *file;
	bool nodes, time, no_groups;
	double tolerance; /* 0: the default */
};

/* "10", "10%" or "0.5%": a percentage above 0. */
static double tolerance_parse(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || (*end && strcmp(end, "%")) || !(v > 0) || v > 10000)
		cli_bad_args("plan", "--tolerance '%s': a percentage above 0, "
			     "like 10 or 2.5%%", s);
	return v / 100;
}

static void args_parse(int argc, char **argv, struct plan_args *a)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "machines", required_argument, NULL, 'm' },
		{ "topo", required_argument, NULL, 't' },
		{ "nodes", no_argument, NULL, 'v' },
		{ "tolerance", required_argument, NULL, 'T' },
		{ "no-groups", no_argument, NULL, 'G' },
		{ "time", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "plan", "hm:t:v", longopts)) !=
	       -1) {
		switch (c) {
		case 'h':
			cli_help_exit("plan");
			break;
		case 'm':
			a->machines = optarg;
			break;
		case 't':
			a->topo = optarg;
			break;
		case 'v':
			a->nodes = true;
			break;
		case 'T':
			a->tolerance = tolerance_parse(optarg);
			break;
		case 'G':
			a->no_groups = true;
			break;
		case 'S':
			a->time = true;
			break;
		}
	}
	if (argc - optind > 1)
		cli_bad_args("plan", "unexpected argument '%s'",
			     argv[optind + 1]);
	a->file = optind < argc ? argv[optind] : NULL;
	if (a->file && a->topo)
		cli_bad_args("plan", "give a TOPOLOGY file or --topo, not both");
}

static void print_plan(const struct topo *t, const struct topo_machines *ms,
		       const uint32_t *machine_of,
		       const struct topo_place_stats *s, bool nodes)
{
	uint32_t i;

	printf("%-16s %8s %8s %7s\n", "MACHINE", "NODES", "LOAD", "%LOAD");
	for (i = 0; i < s->nmachines; i++)
		printf("%-16s %8u %8llu %6.1f%%\n", ms->v[i].name, s->nodes[i],
		       (unsigned long long)s->load[i],
		       s->total ? 100.0 * (double)s->load[i] /
					  (double)s->total :
				  0.0);
	printf("cut: %u of %u links, each a VXLAN tunnel\n", s->cut,
	       t->nlinks);
	for (i = 0; i < s->npairs; i++)
		printf("  %s - %s: %u\n", ms->v[s->pairs[i].a].name,
		       ms->v[s->pairs[i].b].name, s->pairs[i].links);
	if (!s->balanced)
		printf("warning: %s\n", s->warning);
	if (!nodes)
		return;
	printf("NODE             MACHINE\n");
	for (i = 0; i < t->nnodes; i++)
		printf("%-16s %s\n", t->nodes[i].name,
		       ms->v[machine_of[i]].name);
}

/* Places the network's topology on the machines and prints it. */
static int place_print(const struct topo *t, const struct topo_machines *ms,
		       const struct plan_args *a)
{
	struct topo_place_opts o = { .nmachines = ms->n,
				     .tolerance = a->tolerance,
				     .no_groups = a->no_groups };
	struct topo_place_stats s;
	const char **names;
	uint32_t *machine_of, i;
	struct err err;
	double t0;
	int rc = 0;

	names = calloc(ms->n, sizeof(*names));
	machine_of = calloc(t->nnodes + 1, sizeof(*machine_of));
	if (!names || !machine_of) {
		rc = cli_fail("out of memory");
		goto out;
	}
	for (i = 0; i < ms->n; i++)
		names[i] = ms->v[i].name;
	o.names = names;
	err_clear(&err);
	t0 = cli_now();
	if (topo_place(t, &o, machine_of, &s, &err)) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	printf("%s on %u machines: %u nodes, %u links\n", t->name, ms->n,
	       t->nnodes, t->nlinks);
	if (a->time)
		printf("placed in %.3f s (%u units)\n", cli_now() - t0, s.units);
	print_plan(t, ms, machine_of, &s, a->nodes);
	topo_place_stats_free(&s);
out:
	free(names);
	free(machine_of);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args a = { .machines = DEFAULT_MACHINES };
	struct topo_machines ms;
	struct lnet *n;
	struct err err;
	lua_State *L;
	int rc;

	args_parse(argc, argv, &a);
	err_clear(&err);
	if (topo_machines_parse(a.machines, &ms, &err))
		return cli_fail("%s", err.msg);
	if (ms.n == 0) {
		rc = cli_fail("machines '%s': give the number of pods "
			      "(k8s:%s/%s:N); lunet plan does not ask the "
			      "cluster", a.machines, ms.k8s_namespace,
			      ms.k8s_set);
		topo_machines_free(&ms);
		return rc;
	}
	L = script_new(&err);
	if (!L) {
		topo_machines_free(&ms);
		return cli_fail("%s", err.msg);
	}
	/* Nothing is built: a file that starts its network is refused. */
	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, LNET_DRY);
	if (a.topo ? script_dotopo(L, a.topo, &err) :
		     script_dofile(L, a.file, &err)) {
		rc = cli_fail("%s", err.msg);
	} else if (!(n = luaL_testudata(L, -1, LNET_MT))) {
		rc = cli_fail("%s: returned a %s, not a network (end the file "
			      "with 'return net')",
			      a.file ? a.file : "default",
			      luaL_typename(L, -1));
	} else {
		rc = place_print(n->topo, &ms, &a);
	}
	script_close(L);
	topo_machines_free(&ms);
	return rc;
}
