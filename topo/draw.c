/* A topology as DOT text for Graphviz: tiers, rings or meshes, every node
 * or a summary by group (topo/draw.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/draw.h"
#include "topo/topo.h"

/* How each kind looks: a shape and a fill. */
static const struct {
	const char *shape, *fill;
} looks[] = {
	[TOPO_HOST] = { "box", "#c5e0b4" },
	[TOPO_SWITCH] = { "box3d", "#9dc3e6" },
	[TOPO_ROUTER] = { "ellipse", "#f4b183" },
};

void draw_rate(char *buf, size_t len, double bps)
{
	static const char *units[] = { "b/s", "kb/s", "Mb/s", "Gb/s",
				       "Tb/s" };
	size_t u = 0;

	while (bps >= 1000 && u + 1 < sizeof(units) / sizeof(*units)) {
		bps /= 1000;
		u++;
	}
	snprintf(buf, len, bps < 10 && u ? "%.1f %s" : "%.0f %s", bps,
		 units[u]);
}

/* ---- Tiers and layouts ------------------------------------------------ */

/* Breadth first from every host at once: tier[] is the distance to the
 * nearest host.  Nodes no host reaches get 1. */
static int bfs_tiers(const struct topo *t, uint32_t *tier)
{
	uint32_t *queue, head = 0, tail = 0, n, k, m;
	const struct topo_node *nd;

	queue = malloc((t->nnodes ? t->nnodes : 1) * sizeof(*queue));
	if (!queue)
		return -ENOMEM;
	for (n = 0; n < t->nnodes; n++) {
		tier[n] = t->nodes[n].kind == TOPO_HOST ? 0 : UINT32_MAX;
		if (!tier[n])
			queue[tail++] = n;
	}
	while (head < tail) {
		n = queue[head++];
		nd = &t->nodes[n];
		for (k = 0; k < nd->nports; k++) {
			m = t->ports[topo_peer_port(t, nd->ports[k])].node;
			if (tier[m] != UINT32_MAX)
				continue;
			tier[m] = tier[n] + 1;
			queue[tail++] = m;
		}
	}
	for (n = 0; n < t->nnodes; n++)
		if (tier[n] == UINT32_MAX)
			tier[n] = tail ? 1 : 0;
	free(queue);
	return 0;
}

/* Whether the nodes that are not hosts form one cycle: each has two
 * links to others of them, and all of them are reached walking it. */
static bool core_is_ring(const struct topo *t)
{
	uint32_t n, k, m, deg, count = 0, first = TOPO_NONE, prev, cur;
	uint32_t walked = 0;
	const struct topo_node *nd;

	for (n = 0; n < t->nnodes; n++) {
		nd = &t->nodes[n];
		if (nd->kind == TOPO_HOST)
			continue;
		count++;
		for (k = deg = 0; k < nd->nports; k++) {
			m = t->ports[topo_peer_port(t, nd->ports[k])].node;
			deg += t->nodes[m].kind != TOPO_HOST;
		}
		if (deg != 2)
			return false;
		if (first == TOPO_NONE)
			first = n;
	}
	if (count < 3)
		return false;
	prev = TOPO_NONE;
	cur = first;
	do {
		nd = &t->nodes[cur];
		for (k = 0; k < nd->nports; k++) {
			m = t->ports[topo_peer_port(t, nd->ports[k])].node;
			if (t->nodes[m].kind != TOPO_HOST && m != prev)
				break;
		}
		prev = cur;
		cur = m;
		walked++;
	} while (cur != first && walked <= count);
	return walked == count;
}

/* The cell of node n in a torus: its name's i and j, both from 1. */
static bool cell_of(const struct topo_node *nd, uint32_t *i, uint32_t *j)
{
	unsigned a, b;
	int end = 0;

	if (nd->kind == TOPO_HOST || (nd->name[0] != 'r' && nd->name[0] != 's'))
		return false;
	if (sscanf(nd->name + 1, "%u_%u%n", &a, &b, &end) != 2 ||
	    nd->name[1 + end] || !a || !b)
		return false;
	*i = a;
	*j = b;
	return true;
}

/* Whether t's non-host nodes are the cells of an x by y torus, each
 * linked to its four neighbours (wrapped around); *x and *y its size. */
static bool is_torus(const struct topo *t, uint32_t *x, uint32_t *y)
{
	uint32_t n, k, m, i, j, a, b, count = 0, deg;
	const struct topo_node *nd;

	*x = *y = 0;
	for (n = 0; n < t->nnodes; n++) {
		nd = &t->nodes[n];
		if (nd->kind == TOPO_HOST)
			continue;
		if (!cell_of(nd, &i, &j))
			return false;
		*x = i > *x ? i : *x;
		*y = j > *y ? j : *y;
		count++;
	}
	if (*x < 3 || *y < 3 || count != *x * *y)
		return false;
	for (n = 0; n < t->nnodes; n++) {
		nd = &t->nodes[n];
		if (nd->kind == TOPO_HOST)
			continue;
		cell_of(nd, &i, &j);
		for (k = deg = 0; k < nd->nports; k++) {
			m = t->ports[topo_peer_port(t, nd->ports[k])].node;
			if (t->nodes[m].kind == TOPO_HOST)
				continue;
			cell_of(&t->nodes[m], &a, &b);
			/* A neighbour is one step away in i or in j. */
			if (!((a == i && (b % *y + 1 == j || j % *y + 1 == b)) ||
			      (b == j && (a % *x + 1 == i || i % *x + 1 == a))))
				return false;
			deg++;
		}
		if (deg != 4)
			return false;
	}
	return true;
}

int draw_tiers(const struct topo *t, uint32_t *tier)
{
	uint32_t l, flat = 0, x, y;
	int rc = bfs_tiers(t, tier);

	if (rc)
		return rc;
	for (l = 0; l < t->nlinks; l++)
		flat += tier[topo_link_node(t, l, 0)] ==
			tier[topo_link_node(t, l, 1)];
	if (!flat)
		return DRAW_TIERS;
	if (core_is_ring(t))
		return DRAW_RING;
	if (is_torus(t, &x, &y))
		return DRAW_TORUS;
	/* A few links inside a tier (two cores joined, a campus's
	 * distribution pairs) still leave a tiered network. */
	return flat * 10 <= t->nlinks ? DRAW_TIERS : DRAW_MESH;
}

bool draw_is_summary(const struct topo *t, const struct draw_opts *o)
{
	return !o->full && t->nnodes > DRAW_FULL_MAX;
}

/* ---- Writing ------------------------------------------------------------ */

static void graph_head(FILE *f, const struct topo *t, int layout)
{
	fprintf(f, "graph \"%s\" {\n", t->name ? t->name : "lunet");
	switch (layout) {
	case DRAW_TIERS:
		fputs("\tgraph [layout=dot rankdir=BT ranksep=1.0 "
		      "nodesep=0.12 splines=line];\n", f);
		break;
	case DRAW_RING:
		fputs("\tgraph [layout=circo mindist=0.6];\n", f);
		break;
	case DRAW_TORUS:
		fputs("\tgraph [layout=neato splines=line];\n", f);
		break;
	default:
		fputs("\tgraph [layout=neato overlap=false sep=\"+8\" "
		      "splines=line];\n", f);
	}
	fputs("\tgraph [outputorder=edgesfirst fontname=\"Helvetica\" "
	      "bgcolor=white];\n"
	      "\tnode [style=filled fontname=\"Helvetica\" fontsize=10 "
	      "height=0.3 margin=\"0.06,0.03\"];\n"
	      "\tedge [color=\"#606060\" fontname=\"Helvetica\" fontsize=8];\n",
	      f);
}

/* Pen width for a rate: 1 when idle, up to 6 at 10 Gb/s. */
static double pen_of(double bps)
{
	double w = bps > 1e3 ? 1 + log10(bps / 1e3) * 5 / 7 : 1;

	return w > 6 ? 6 : w;
}

static void one_node(FILE *f, const struct topo *t, uint32_t n)
{
	const struct topo_node *nd = &t->nodes[n];

	fprintf(f, "\t\"%s\" [id=\"node-%s\" class=\"%s\" shape=%s "
		"fillcolor=\"%s\"%s];\n", nd->name, nd->name,
		topo_kind_name(nd->kind), looks[nd->kind].shape,
		looks[nd->kind].fill,
		nd->kind == TOPO_HOST ?
			" fontsize=8 width=0.1 height=0.2 margin=\"0.03,0.02\"" :
			"");
}

/* Link l, its lower tier end first so that dot ranks it below; in a
 * spring layout a host's link is short, so that hosts stay by their
 * node and leave the rest its shape. */
static void one_link(FILE *f, const struct topo *t, uint32_t l,
		     const uint32_t *tier, int layout,
		     const struct draw_opts *o)
{
	const struct topo_port *p[2] = { topo_link_port(t, l, 0),
					 topo_link_port(t, l, 1) };
	bool down = o->down && o->down[l];
	int lo = tier[p[0]->node] > tier[p[1]->node];
	char rate[32];

	fprintf(f, "\t\"%s\" -- \"%s\" [id=\"link-%u\" class=\"link %s\"",
		t->nodes[p[lo]->node].name, t->nodes[p[!lo]->node].name, l,
		down ? "down" : "up");
	if (o->ifnames)
		fprintf(f, " taillabel=\"%s\" headlabel=\"%s\"",
			p[lo]->ifname, p[!lo]->ifname);
	if (layout == DRAW_MESH && (t->nodes[p[0]->node].kind == TOPO_HOST ||
				    t->nodes[p[1]->node].kind == TOPO_HOST))
		fputs(" len=0.4", f);
	if (down)
		fputs(" color=\"#d62728\" style=dashed penwidth=2", f);
	else if (o->bps && o->bps[l] > 0)
		fprintf(f, " penwidth=%.1f color=\"#1f77b4\"",
			pen_of(o->bps[l]));
	if (o->bps && !down && o->bps[l] > 0) {
		draw_rate(rate, sizeof(rate), o->bps[l]);
		fprintf(f, " label=\"%s\"", rate);
	}
	fputs("];\n", f);
}

/* One "rank=same" subgraph per tier: the ranks of a tiered drawing. */
static void ranks(FILE *f, const uint32_t *rank_of, uint32_t n,
		  const char *const *names, const char *prefix)
{
	uint32_t r, i, top = 0;
	bool any;

	for (i = 0; i < n; i++)
		if (rank_of[i] > top)
			top = rank_of[i];
	for (r = 0; r <= top; r++) {
		any = false;
		for (i = 0; i < n; i++) {
			if (rank_of[i] != r)
				continue;
			if (!any)
				fprintf(f, "\t{ rank=same;");
			fprintf(f, " \"%s%s\";", prefix, names[i]);
			any = true;
		}
		if (any)
			fputs(" }\n", f);
	}
}

/* Where each node of a torus goes (neato keeps a position that ends in
 * '!'): row i on a ring of its own, the rows one inside the other, cell j
 * at about the j-th angle; a cell's hosts just outside it. */
static void torus_place(FILE *f, const struct topo *t)
{
	uint32_t x, y, n, k, m, i, j;
	double r0, r, a;

	is_torus(t, &x, &y);
	/* The inner ring wide enough for its cells, an inch apart. */
	r0 = fmax(1.2, y * 0.9 / (2 * M_PI));
	for (n = 0; n < t->nnodes; n++) {
		const struct topo_node *nd = &t->nodes[n];

		if (!cell_of(nd, &i, &j))
			continue;
		r = r0 + (i - 1) * 1.1;
		/* Each ring turned a little more than the one inside it, so
		 * that the links that wrap from the outer ring to the inner
		 * one do not lie on those that step outwards. */
		a = 2 * M_PI * (j - 1) / y + (i - 1) * M_PI / (y * x);
		fprintf(f, "\t\"%s\" [pos=\"%.3f,%.3f!\"];\n", nd->name,
			r * cos(a), r * sin(a));
		for (k = 0; k < nd->nports; k++) {
			m = t->ports[topo_peer_port(t, nd->ports[k])].node;
			if (t->nodes[m].kind != TOPO_HOST)
				continue;
			fprintf(f, "\t\"%s\" [pos=\"%.3f,%.3f!\"];\n",
				t->nodes[m].name, (r + 0.2) * cos(a + 0.5 / r),
				(r + 0.2) * sin(a + 0.5 / r));
		}
	}
}

static int draw_full(FILE *f, const struct topo *t, const uint32_t *tier,
		     int layout, const struct draw_opts *o)
{
	const char **names = malloc((t->nnodes + 1) * sizeof(*names));
	uint32_t n, l;

	if (!names)
		return -ENOMEM;
	for (n = 0; n < t->nnodes; n++) {
		one_node(f, t, n);
		names[n] = t->nodes[n].name;
	}
	if (layout == DRAW_TORUS)
		torus_place(f, t);
	for (l = 0; l < t->nlinks; l++)
		one_link(f, t, l, tier, layout, o);
	if (layout == DRAW_TIERS)
		ranks(f, tier, t->nnodes, names, "");
	free(names);
	return 0;
}

/* ---- The summary -------------------------------------------------------- */

struct group {
	char name[TOPO_PLACE_NAME_MAX + 16];
	uint32_t kinds[3]; /* nodes of each kind */
	uint32_t rank;     /* the highest tier of its nodes */
};

struct glink {
	uint32_t a, b; /* groups, a < b */
	uint32_t links, down;
	double bps;
};

/* Groups and the edges between them are found through open-addressing
 * tables of index + 1 (0: empty), so that a summary of 100,000 nodes in
 * 50,000 groups costs no more than one pass. */
struct summary {
	struct group *g;    /* at most one per node */
	uint32_t ng;
	uint32_t *group_of; /* per node */
	uint32_t *gslots, gmask;
	struct glink *gl;   /* at most one per link */
	uint32_t ngl;
	uint32_t *lslots, lmask;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static uint32_t hash_pair(uint32_t a, uint32_t b)
{
	uint64_t x = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32);
}

/* A table for n entries: a power of two at least twice n. */
static uint32_t *slots_new(uint32_t n, uint32_t *mask)
{
	uint32_t size = 16;

	while (size < 2 * (uint64_t)n)
		size *= 2;
	*mask = size - 1;
	return calloc(size, sizeof(uint32_t));
}

static uint32_t group_find(struct summary *s, const char *name)
{
	uint32_t i = hash_str(name) & s->gmask;

	for (; s->gslots[i]; i = (i + 1) & s->gmask)
		if (!strcmp(s->g[s->gslots[i] - 1].name, name))
			return s->gslots[i] - 1;
	snprintf(s->g[s->ng].name, sizeof(s->g[s->ng].name), "%s", name);
	s->gslots[i] = ++s->ng;
	return s->ng - 1;
}

/* Groups every node: its placement group (unless by_tier), or its
 * tier. */
static void group_nodes(struct summary *s, const struct topo *t,
			const uint32_t *tier, bool by_tier)
{
	char name[sizeof(s->g->name)];
	uint32_t n, i;

	for (n = 0; n < t->nnodes; n++) {
		if (t->nodes[n].group && !by_tier)
			snprintf(name, sizeof(name), "%s", t->nodes[n].group);
		else
			snprintf(name, sizeof(name), "tier%u", tier[n]);
		i = group_find(s, name);
		s->group_of[n] = i;
		s->g[i].kinds[t->nodes[n].kind]++;
		if (tier[n] > s->g[i].rank)
			s->g[i].rank = tier[n];
	}
}

/* The edges between groups, each link counted on its pair's. */
static void group_links(struct summary *s, const struct topo *t,
			const struct draw_opts *o)
{
	uint32_t l, a, b, i, x;
	struct glink *g;

	for (l = 0; l < t->nlinks; l++) {
		a = s->group_of[topo_link_node(t, l, 0)];
		b = s->group_of[topo_link_node(t, l, 1)];
		if (a == b)
			continue;
		if (a > b) {
			x = a;
			a = b;
			b = x;
		}
		for (i = hash_pair(a, b) & s->lmask; s->lslots[i];
		     i = (i + 1) & s->lmask) {
			g = &s->gl[s->lslots[i] - 1];
			if (g->a == a && g->b == b)
				break;
		}
		if (!s->lslots[i]) {
			s->gl[s->ngl] = (struct glink){ .a = a, .b = b };
			s->lslots[i] = ++s->ngl;
		}
		g = &s->gl[s->lslots[i] - 1];
		g->links++;
		g->down += o->down && o->down[l];
		g->bps += o->bps ? o->bps[l] : 0;
	}
}

static void summary_write(FILE *f, const struct summary *s, int layout,
			  const struct draw_opts *o)
{
	static const char *kind_names[] = { "host", "switch", "router" };
	const struct glink *gl;
	const struct group *g;
	uint32_t i, k, lo;
	char rate[32];

	for (i = 0; i < s->ng; i++) {
		g = &s->g[i];
		fprintf(f, "\t\"g:%s\" [id=\"group-%s\" class=\"group\" "
			"shape=box style=\"filled,rounded\" fillcolor=\"%s\" "
			"label=\"%s", g->name, g->name,
			g->kinds[TOPO_ROUTER] ? looks[TOPO_ROUTER].fill :
			g->kinds[TOPO_SWITCH] ? looks[TOPO_SWITCH].fill :
						looks[TOPO_HOST].fill,
			g->name);
		for (k = 0; k < 3; k++)
			if (g->kinds[k])
				fprintf(f, "\\n%u %s%s", g->kinds[k],
					kind_names[k],
					g->kinds[k] == 1 ? "" :
					k == TOPO_SWITCH ? "es" : "s");
		fputs("\"];\n", f);
	}
	for (i = 0; i < s->ngl; i++) {
		gl = &s->gl[i];
		lo = s->g[gl->a].rank > s->g[gl->b].rank;
		fprintf(f, "\t\"g:%s\" -- \"g:%s\" [id=\"glink-%u\" "
			"class=\"glink %s\" label=\"%u link%s", lo ?
			s->g[gl->b].name : s->g[gl->a].name, lo ?
			s->g[gl->a].name : s->g[gl->b].name, i,
			gl->down == gl->links ? "down" : "up", gl->links,
			gl->links == 1 ? "" : "s");
		if (gl->down)
			fprintf(f, ", %u down", gl->down);
		if (o->bps && gl->bps > 0) {
			draw_rate(rate, sizeof(rate), gl->bps);
			fprintf(f, ", %s", rate);
		}
		fputc('"', f);
		if (gl->down == gl->links)
			fputs(" color=\"#d62728\" style=dashed", f);
		else if (gl->down)
			fputs(" color=\"#ff7f0e\"", f);
		fprintf(f, " penwidth=%.1f];\n",
			1 + log10((double)gl->links) * 1.5);
	}
	(void)layout;
}

static int draw_summary(FILE *f, const struct topo *t, const uint32_t *tier,
			int layout, const struct draw_opts *o)
{
	struct summary s = { 0 };
	const char **names = NULL;
	uint32_t *rank_of = NULL, i;
	int rc = -ENOMEM;

	s.g = calloc(t->nnodes, sizeof(*s.g));
	s.group_of = calloc(t->nnodes, sizeof(*s.group_of));
	s.gslots = slots_new(t->nnodes, &s.gmask);
	s.gl = calloc(t->nlinks + 1, sizeof(*s.gl));
	s.lslots = slots_new(t->nlinks, &s.lmask);
	if (!s.g || !s.group_of || !s.gslots || !s.gl || !s.lslots)
		goto out;
	group_nodes(&s, t, tier, false);
	if (s.ng > DRAW_FULL_MAX) {
		/* Groups too small to summarise (a torus's cells): tiers. */
		memset(s.g, 0, s.ng * sizeof(*s.g));
		memset(s.gslots, 0, ((size_t)s.gmask + 1) * sizeof(*s.gslots));
		s.ng = 0;
		group_nodes(&s, t, tier, true);
	}
	group_links(&s, t, o);
	summary_write(f, &s, layout, o);
	if (layout == DRAW_TIERS) {
		names = malloc(s.ng * sizeof(*names));
		rank_of = malloc(s.ng * sizeof(*rank_of));
		if (!names || !rank_of)
			goto out;
		for (i = 0; i < s.ng; i++) {
			names[i] = s.g[i].name;
			rank_of[i] = s.g[i].rank;
		}
		ranks(f, rank_of, s.ng, names, "g:");
	}
	rc = 0;
out:
	free(names);
	free(rank_of);
	free(s.g);
	free(s.group_of);
	free(s.gslots);
	free(s.gl);
	free(s.lslots);
	return rc;
}

int draw_dot(FILE *f, const struct topo *t, const struct draw_opts *o)
{
	uint32_t *tier = malloc((t->nnodes ? t->nnodes : 1) * sizeof(*tier));
	int layout, rc;

	if (!tier)
		return -ENOMEM;
	layout = draw_tiers(t, tier);
	if (layout < 0) {
		free(tier);
		return layout;
	}
	graph_head(f, t, layout);
	if (draw_is_summary(t, o))
		rc = draw_summary(f, t, tier, layout, o);
	else
		rc = draw_full(f, t, tier, layout, o);
	fputs("}\n", f);
	free(tier);
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
