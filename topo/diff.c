/*
 * diff: the difference between two models by names (topo/diff.h).
 * Links are keyed by the names of their ends, the smaller first, and the
 * how-manieth link between those two nodes; both lists are sorted by
 * key and walked side by side.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "topo/diff.h"

struct lkey {
	const char *a, *b; /* end names, a <= b */
	uint32_t nth;      /* among the links between a and b, in order */
	uint32_t link;
	const struct topo *t;
};

static bool ip_same(const struct ip_prefix *x, const struct ip_prefix *y)
{
	return x->ip == y->ip && x->plen == y->plen;
}

/* The user's options of node i of a and node j of b agree. */
static bool node_same(const struct topo *a, uint32_t i, const struct topo *b,
		      uint32_t j)
{
	const struct topo_node *x = &a->nodes[i], *y = &b->nodes[j];

	return x->kind == y->kind && x->stp == y->stp &&
	       x->ip_set == y->ip_set && (!x->ip_set || ip_same(&x->ip, &y->ip)) &&
	       x->lo_set == y->lo_set && (!x->lo_set || ip_same(&x->lo, &y->lo));
}

static bool port_same(const struct topo_port *x, const struct topo_port *y)
{
	return x->ifname_set == y->ifname_set &&
	       (!x->ifname_set || !strcmp(x->ifname, y->ifname)) &&
	       x->addr_set == y->addr_set &&
	       (!x->addr_set || ip_same(&x->addr, &y->addr)) &&
	       x->mac_set == y->mac_set &&
	       (!x->mac_set || !memcmp(x->mac, y->mac, 6));
}

static int lkey_cmp(const void *p, const void *q)
{
	const struct lkey *x = p, *y = q;
	int c = strcmp(x->a, y->a);

	if (!c)
		c = strcmp(x->b, y->b);
	if (!c)
		c = (x->nth > y->nth) - (x->nth < y->nth);
	return c;
}

/* Every link of t keyed, sorted; NULL when out of memory. */
static struct lkey *keys_make(const struct topo *t)
{
	struct lkey *k = calloc(t->nlinks + 1, sizeof(*k));
	uint32_t i, j;

	if (!k)
		return NULL;
	for (i = 0; i < t->nlinks; i++) {
		const char *a = t->nodes[topo_link_node(t, i, 0)].name;
		const char *b = t->nodes[topo_link_node(t, i, 1)].name;

		k[i] = (struct lkey){ .a = strcmp(a, b) <= 0 ? a : b,
				      .b = strcmp(a, b) <= 0 ? b : a,
				      .link = i, .t = t };
	}
	qsort(k, t->nlinks, sizeof(*k), lkey_cmp); /* nth 0: by ends */
	/* Equal ends sort together; number them in link order, which a
	 * stable pass over each run gives once it is sorted by link. */
	for (i = 0; i < t->nlinks; i = j) {
		uint32_t x, y;

		for (j = i + 1; j < t->nlinks && !strcmp(k[j].a, k[i].a) &&
				!strcmp(k[j].b, k[i].b);
		     j++)
			;
		for (x = i; x < j; x++)
			for (y = x + 1; y < j; y++)
				if (k[y].link < k[x].link) {
					struct lkey z = k[x];

					k[x] = k[y];
					k[y] = z;
				}
		for (x = i; x < j; x++)
			k[x].nth = x - i;
	}
	return k;
}

/* Whether link x of the old topology is link y of the new one: same
 * options, the ends in the same roles, neither end made again. */
static bool link_same(const struct topo *o, uint32_t x, const struct topo *n,
		      uint32_t y, const bool *remade)
{
	const struct topo_link *lx = &o->links[x], *ly = &n->links[y];
	int s, f;

	if (lx->mtu != ly->mtu)
		return false;
	/* f: the end of y that is end 0 of x. */
	f = strcmp(o->nodes[topo_link_node(o, x, 0)].name,
		   n->nodes[topo_link_node(n, y, 0)].name) ? 1 : 0;
	for (s = 0; s < 2; s++) {
		if (remade[topo_link_node(o, x, s)])
			return false;
		if (!port_same(topo_link_port(o, x, s),
			       topo_link_port(n, y, s ^ f)))
			return false;
	}
	return true;
}

static int grow(uint32_t **v, uint32_t n)
{
	uint32_t *p = realloc(*v, (n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	*v = p;
	return 0;
}

#define PUSH(arr, cnt, val)                                                 \
	do {                                                                \
		if (grow(&(arr), (cnt)))                                    \
			goto nomem;                                         \
		(arr)[(cnt)++] = (val);                                     \
	} while (0)

int topo_diff(const struct topo *old, const struct topo *new,
	      struct topo_diff *d)
{
	struct lkey *ko = NULL, *kn = NULL;
	bool *remade = calloc(old->nnodes + 1, sizeof(*remade));
	uint32_t i, j, m;
	int c;

	memset(d, 0, sizeof(*d));
	if (!remade)
		return -ENOMEM;
	for (i = 0; i < old->nnodes; i++) {
		m = topo_node_find(new, old->nodes[i].name);
		if (m != TOPO_NONE && node_same(old, i, new, m))
			continue;
		remade[i] = true;
		PUSH(d->node_gone, d->nnode_gone, i);
	}
	for (i = 0; i < new->nnodes; i++) {
		m = topo_node_find(old, new->nodes[i].name);
		if (m == TOPO_NONE || remade[m])
			PUSH(d->node_new, d->nnode_new, i);
	}
	ko = keys_make(old);
	kn = keys_make(new);
	if (!ko || !kn)
		goto nomem;
	for (i = 0, j = 0; i < old->nlinks || j < new->nlinks;) {
		c = i == old->nlinks ? 1 : j == new->nlinks ? -1 :
		    lkey_cmp(&ko[i], &kn[j]);
		if (c == 0 && link_same(old, ko[i].link, new, kn[j].link,
					remade)) {
			if (grow(&d->link_was, d->nlink_kept))
				goto nomem;
			d->link_was[d->nlink_kept] = ko[i].link;
			PUSH(d->link_kept, d->nlink_kept, kn[j].link);
			i++, j++;
			continue;
		}
		if (c <= 0) {
			/* A link of a node made again goes with the node. */
			if (!remade[topo_link_node(old, ko[i].link, 0)] &&
			    !remade[topo_link_node(old, ko[i].link, 1)])
				PUSH(d->link_gone, d->nlink_gone, ko[i].link);
			i++;
		}
		if (c >= 0)
			PUSH(d->link_new, d->nlink_new, kn[j++].link);
	}
	free(ko);
	free(kn);
	free(remade);
	return 0;
nomem:
	free(ko);
	free(kn);
	free(remade);
	return -ENOMEM;
}

void topo_diff_free(struct topo_diff *d)
{
	free(d->node_gone);
	free(d->link_gone);
	free(d->node_new);
	free(d->link_new);
	free(d->link_kept);
	free(d->link_was);
	memset(d, 0, sizeof(*d));
}
