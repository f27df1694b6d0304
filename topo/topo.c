/*
 * topo: building the graph (nodes, links, ports) and looking things up.
 *
 * Every add either succeeds completely or leaves the topo as it was: all
 * memory a step needs is reserved before anything is changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

#define HASH_MIN 16
#define MTU_MIN 68 /* the IPv4 minimum (RFC 791) */
#define MTU_MAX 65535

static const char *const kind_names[] = {
	[TOPO_HOST] = "host",
	[TOPO_SWITCH] = "switch",
	[TOPO_ROUTER] = "router",
};

const char *topo_kind_name(enum topo_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "?";
	return kind_names[kind];
}

int topo_kind_parse(const char *s, enum topo_kind *kind)
{
	unsigned i;

	for (i = 0; s && i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*kind = (enum topo_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct topo *topo_new(const char *name)
{
	struct topo *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->name = strdup(name ? name : "");
	if (!t->name) {
		free(t);
		return NULL;
	}
	return t;
}

void topo_free(struct topo *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->nnodes; i++) {
		free(t->nodes[i].name);
		free(t->nodes[i].where.file);
		free(t->nodes[i].ports);
		topo_routing_free(t->nodes[i].routing);
		free(t->nodes[i].group);
		free(t->nodes[i].machine);
	}
	for (i = 0; i < t->nlinks; i++)
		free(t->links[i].where.file);
	for (i = 0; i < t->nsegments; i++)
		free(t->segments[i].ports);
	free(t->segments);
	free(t->routes);
	free(t->nexthops);
	free(t->nodes);
	free(t->links);
	free(t->ports);
	free(t->hash);
	free(t->name);
	free(t);
}

/* Makes room for n more elements of size sz in *arr (cap *cap). */
static int reserve(void **arr, uint32_t *cap, uint32_t len, uint32_t n,
		   size_t sz)
{
	uint64_t want = (uint64_t)len + n;
	uint64_t ncap = *cap ? *cap : 8;
	void *p;

	if (want <= *cap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	if (ncap > UINT32_MAX)
		return -ENOMEM;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = (uint32_t)ncap;
	return 0;
}

/* FNV-1a: short names, no adversary, and it spreads "h1".."h9999" well. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static void hash_insert(uint32_t *hash, uint32_t size, const char *name,
			uint32_t n)
{
	uint32_t i = name_hash(name) & (size - 1);

	while (hash[i] != TOPO_NONE)
		i = (i + 1) & (size - 1);
	hash[i] = n;
}

/* Keeps the table at most half full so that probes stay short. */
static int hash_reserve(struct topo *t, uint32_t nnodes)
{
	uint32_t size = t->hash_size ? t->hash_size : HASH_MIN;
	uint32_t *hash, i;

	if (t->hash && (uint64_t)nnodes * 2 <= t->hash_size)
		return 0;
	while ((uint64_t)nnodes * 2 > size) {
		if (size > UINT32_MAX / 2)
			return -ENOMEM;
		size *= 2;
	}
	hash = malloc(size * sizeof(*hash));
	if (!hash)
		return -ENOMEM;
	memset(hash, 0xff, size * sizeof(*hash));
	for (i = 0; i < t->nnodes; i++)
		hash_insert(hash, size, t->nodes[i].name, i);
	free(t->hash);
	t->hash = hash;
	t->hash_size = size;
	return 0;
}

uint32_t topo_node_find(const struct topo *t, const char *name)
{
	uint32_t i, n;

	if (!name || !t->hash)
		return TOPO_NONE;
	i = name_hash(name) & (t->hash_size - 1);
	while ((n = t->hash[i]) != TOPO_NONE) {
		if (strcmp(t->nodes[n].name, name) == 0)
			return n;
		i = (i + 1) & (t->hash_size - 1);
	}
	return TOPO_NONE;
}

static int where_copy(struct topo_where *dst, const struct topo_where *src)
{
	dst->file = NULL;
	dst->line = src ? src->line : 0;
	if (src && src->file) {
		dst->file = strdup(src->file);
		if (!dst->file)
			return -ENOMEM;
	}
	return 0;
}

/* " (demo.lua:3)", or "" when the file is unknown. */
/* Addresses a user may put on an interface: no "this network" (0/8),
 * loopback (127/8), multicast or reserved (224/3) address, and not the
 * network or broadcast address of a subnet that has them. */
static const char *addr_problem(const struct ip_prefix *p)
{
	uint32_t host = p->ip & ~ip_mask(p->plen);
	uint8_t first = p->ip >> 24;

	if (p->plen == 0)
		return "has a prefix length of 0";
	if (first == 0 || first == 127 || first >= 224)
		return "is not a unicast address";
	if (p->plen <= 30 && host == 0)
		return "is the network address of its subnet";
	if (p->plen <= 30 && host == ~ip_mask(p->plen))
		return "is the broadcast address of its subnet";
	return NULL;
}

static int parse_addr(const char *s, uint8_t def_plen, struct ip_prefix *p,
		      const char **why)
{
	if (ip_parse(s, def_plen, p) < 0) {
		*why = "is not an IPv4 address (a.b.c.d or a.b.c.d/len)";
		return -EINVAL;
	}
	*why = addr_problem(p);
	return *why ? -EINVAL : 0;
}

static int check_node_opts(const char *name, enum topo_kind kind,
			   const struct topo_node_opts *o, struct topo_node *n,
			   struct err *err)
{
	const char *kn = topo_kind_name(kind), *why;
	char w[TOPO_DESCSIZ];

	topo_where(&o->where, w, sizeof(w));
	if (o->stp && kind != TOPO_SWITCH)
		return err_set(err, -EINVAL,
			       "node %s%s: stp is for switches, and %s is a %s",
			       name, w, name, kn);
	n->stp = o->stp;
	if (o->ip && kind != TOPO_HOST)
		return err_set(err, -EINVAL,
			       "node %s%s: ip is for hosts, and %s is a %s%s",
			       name, w, name, kn,
			       kind == TOPO_ROUTER ? "; give addresses on its "
						     "links instead" : "");
	if (o->lo && kind != TOPO_ROUTER)
		return err_set(err, -EINVAL,
			       "node %s%s: lo is for routers, and %s is a %s",
			       name, w, name, kn);
	if (o->ip) {
		if (parse_addr(o->ip, 24, &n->ip, &why) < 0)
			return err_set(err, -EINVAL, "node %s%s: ip '%s' %s",
				       name, w, o->ip, why);
		n->ip_set = true;
	}
	if (o->lo) {
		if (parse_addr(o->lo, 32, &n->lo, &why) < 0)
			return err_set(err, -EINVAL, "node %s%s: lo '%s' %s",
				       name, w, o->lo, why);
		if (n->lo.plen != 32)
			return err_set(err, -EINVAL,
				       "node %s%s: lo '%s' must be a /32",
				       name, w, o->lo);
		n->lo_set = true;
	}
	return 0;
}

int topo_node_add(struct topo *t, const char *name, enum topo_kind kind,
		  const struct topo_node_opts *opts, struct err *err)
{
	static const struct topo_node_opts none;
	struct topo_node n = { .kind = kind };
	uint32_t dup;
	char w[TOPO_DESCSIZ];
	int ret;

	if (!opts)
		opts = &none;
	ret = topo_check_node_name(name, err);
	if (ret < 0)
		return ret;
	if ((unsigned)kind > TOPO_ROUTER)
		return err_set(err, -EINVAL, "node %s: unknown kind %d", name,
			       (int)kind);
	dup = topo_node_find(t, name);
	if (dup != TOPO_NONE) {
		const struct topo_where *fw = &t->nodes[dup].where;

		if (fw->file)
			snprintf(w, sizeof(w), " (first at %s:%d)", fw->file,
				 fw->line);
		else
			w[0] = '\0';
		return err_set(err, -EEXIST, "node '%s' is defined twice%s",
			       name, w);
	}
	ret = check_node_opts(name, kind, opts, &n, err);
	if (ret < 0)
		return ret;
	if (t->nnodes >= INT32_MAX)
		return err_set(err, -E2BIG, "node %s: too many nodes", name);
	if (reserve((void **)&t->nodes, &t->cap_nodes, t->nnodes, 1,
		    sizeof(*t->nodes)) < 0 ||
	    hash_reserve(t, t->nnodes + 1) < 0)
		goto err_nomem;
	n.name = strdup(name);
	if (!n.name || where_copy(&n.where, &opts->where) < 0)
		goto err_free;
	hash_insert(t->hash, t->hash_size, n.name, t->nnodes);
	t->nodes[t->nnodes] = n;
	t->planned = false;
	return (int)t->nnodes++;

err_free:
	free(n.name);
err_nomem:
	return err_set(err, -ENOMEM, "node %s: out of memory", name);
}

/* The port-to-be of one link end, checked against its node. */
static int port_prepare(const struct topo *t, uint32_t node,
			const struct topo_link_opts *o, int end,
			struct topo_port *p, const char *lname,
			struct err *err)
{
	const struct topo_node *n = &t->nodes[node];
	struct err why_name;
	const char *why;
	uint32_t i;

	p->node = node;
	p->index = n->next_port;
	p->segment = TOPO_NONE;
	if (o->ifname[end]) {
		if (topo_check_ifname(o->ifname[end], n->kind, &why_name) < 0)
			return err_set(err, -EINVAL, "%s: %s", lname,
				       why_name.msg);
		snprintf(p->ifname, sizeof(p->ifname), "%s", o->ifname[end]);
		p->ifname_set = true;
	} else {
		snprintf(p->ifname, sizeof(p->ifname), "eth%u", p->index);
	}
	for (i = 0; i < n->nports; i++)
		if (strcmp(t->ports[n->ports[i]].ifname, p->ifname) == 0)
			return err_set(err, -EEXIST,
				       "%s: node %s already has an interface "
				       "named '%s'",
				       lname, n->name, p->ifname);
	if (o->addr[end]) {
		if (n->kind == TOPO_SWITCH)
			return err_set(err, -EINVAL,
				       "%s: %s is a switch; its ports take no "
				       "address",
				       lname, n->name);
		if (parse_addr(o->addr[end], 24, &p->addr, &why) < 0)
			return err_set(err, -EINVAL, "%s: address '%s' %s",
				       lname, o->addr[end], why);
		p->addr_set = true;
	}
	/* A host's ip option is the address of its first interface. */
	if (n->kind == TOPO_HOST && n->ip_set && n->nports == 0) {
		if (p->addr_set && (p->addr.ip != n->ip.ip ||
				    p->addr.plen != n->ip.plen))
			return err_set(err, -EINVAL,
				       "%s: address '%s' differs from the ip "
				       "option of %s, which is for its first "
				       "interface",
				       lname, o->addr[end], n->name);
		p->addr = n->ip;
		p->addr_set = true;
	}
	if (o->mac[end]) {
		if (mac_parse(o->mac[end], p->mac) < 0)
			return err_set(err, -EINVAL,
				       "%s: MAC '%s' is not of the form "
				       "02:00:00:00:00:01",
				       lname, o->mac[end]);
		if (p->mac[0] & 1)
			return err_set(err, -EINVAL,
				       "%s: MAC '%s' is a multicast address",
				       lname, o->mac[end]);
		if (!(p->mac[0] | p->mac[1] | p->mac[2] | p->mac[3] |
		      p->mac[4] | p->mac[5]))
			return err_set(err, -EINVAL, "%s: MAC '%s' is zero",
				       lname, o->mac[end]);
		p->mac_set = true;
	}
	return 0;
}

static int node_port_reserve(struct topo_node *n)
{
	return reserve((void **)&n->ports, &n->cap_ports, n->nports, 1,
		       sizeof(*n->ports));
}

int topo_link_add(struct topo *t, uint32_t a, uint32_t b,
		  const struct topo_link_opts *opts, struct err *err)
{
	static const struct topo_link_opts none;
	struct topo_port p[2] = { { 0 } };
	struct topo_link k = { 0 };
	char lname[TOPO_DESCSIZ];
	uint32_t ends[2] = { a, b };
	int i, ret;

	if (!opts)
		opts = &none;
	if (a >= t->nnodes || b >= t->nnodes)
		return err_set(err, -ENOENT,
			       "link: node index %u does not exist",
			       a >= t->nnodes ? a : b);
	topo_ends_describe(t, a, b, &opts->where, lname, sizeof(lname));
	if (a == b)
		return err_set(err, -EINVAL,
			       "%s: a node cannot be linked to itself", lname);
	if (opts->mtu && (opts->mtu < MTU_MIN || opts->mtu > MTU_MAX))
		return err_set(err, -EINVAL,
			       "%s: MTU %u is out of range (%d to %d)", lname,
			       opts->mtu, MTU_MIN, MTU_MAX);
	if (t->nlinks >= INT32_MAX)
		return err_set(err, -E2BIG, "%s: too many links", lname);
	for (i = 0; i < 2; i++) {
		ret = port_prepare(t, ends[i], opts, i, &p[i], lname, err);
		if (ret < 0)
			return ret;
	}
	if (reserve((void **)&t->links, &t->cap_links, t->nlinks, 1,
		    sizeof(*t->links)) < 0 ||
	    reserve((void **)&t->ports, &t->cap_ports, t->nports, 2,
		    sizeof(*t->ports)) < 0 ||
	    node_port_reserve(&t->nodes[a]) < 0 ||
	    node_port_reserve(&t->nodes[b]) < 0 ||
	    where_copy(&k.where, &opts->where) < 0)
		return err_set(err, -ENOMEM, "%s: out of memory", lname);
	k.mtu = opts->mtu;
	for (i = 0; i < 2; i++) {
		struct topo_node *n = &t->nodes[ends[i]];

		p[i].link = t->nlinks;
		k.port[i] = t->nports;
		n->ports[n->nports++] = t->nports;
		n->next_port++;
		t->ports[t->nports++] = p[i];
	}
	t->links[t->nlinks] = k;
	t->planned = false;
	return (int)t->nlinks++;
}

uint32_t topo_link_find(const struct topo *t, uint32_t a, uint32_t b)
{
	const struct topo_node *n;
	uint32_t i, p;

	if (a >= t->nnodes || b >= t->nnodes)
		return TOPO_NONE;
	n = &t->nodes[a];
	for (i = 0; i < n->nports; i++) {
		p = topo_peer_port(t, n->ports[i]);
		if (t->ports[p].node == b)
			return t->ports[n->ports[i]].link;
	}
	return TOPO_NONE;
}

uint32_t topo_peer_port(const struct topo *t, uint32_t p)
{
	const struct topo_link *k = &t->links[t->ports[p].link];

	return k->port[0] == p ? k->port[1] : k->port[0];
}

int topo_node_port_at(const struct topo *t, uint32_t node, int ifindex)
{
	const struct topo_node *n = &t->nodes[node];
	uint32_t k;

	if (ifindex < TOPO_IFINDEX_PORT0)
		return -1;
	/* Positions and indexes agree until a link is removed. */
	k = (uint32_t)(ifindex - TOPO_IFINDEX_PORT0);
	if (k < n->nports && t->ports[n->ports[k]].index == k)
		return (int)k;
	for (k = 0; k < n->nports; k++)
		if (topo_port_ifindex(t, n->ports[k]) == ifindex)
			return (int)k;
	return -1;
}

uint32_t topo_node_ip(const struct topo *t, uint32_t n)
{
	const struct topo_node *node = &t->nodes[n];
	uint32_t i;

	if (node->kind == TOPO_ROUTER)
		return node->lo.ip;
	if (node->kind != TOPO_HOST)
		return 0;
	for (i = 0; i < node->nports; i++)
		if (t->ports[node->ports[i]].addr.ip)
			return t->ports[node->ports[i]].addr.ip;
	return 0;
}

/* Group and machine names go into messages and, later, into the names of
 * machines' records, so they keep to a safe alphabet.  n is valid. */
static int set_place_name(struct topo *t, uint32_t n, char **field,
			  const char *what, const char *value,
			  struct err *err)
{
	char w[TOPO_DESCSIZ];
	size_t len;
	char *copy;

	if (!value) {
		free(*field);
		*field = NULL;
		return 0;
	}
	len = strlen(value);
	if (len == 0 || len > TOPO_PLACE_NAME_MAX ||
	    strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789_.:-") != len)
		return err_set(err, -EINVAL,
			       "node %s%s: %s '%s' must be 1 to %d of "
			       "A-Z a-z 0-9 _ . : -",
			       t->nodes[n].name,
			       topo_where(&t->nodes[n].where, w, sizeof(w)),
			       what, value, TOPO_PLACE_NAME_MAX);
	copy = strdup(value);
	if (!copy)
		return err_set(err, -ENOMEM, "node %s: out of memory",
			       t->nodes[n].name);
	free(*field);
	*field = copy;
	return 0;
}

int topo_node_set_group(struct topo *t, uint32_t n, const char *group,
			struct err *err)
{
	if (n >= t->nnodes)
		return err_set(err, -EINVAL, "group: node index %u does not "
			       "exist", n);
	return set_place_name(t, n, &t->nodes[n].group, "group", group, err);
}

int topo_node_set_machine(struct topo *t, uint32_t n, const char *machine,
			  struct err *err)
{
	if (n >= t->nnodes)
		return err_set(err, -EINVAL, "machine: node index %u does not "
			       "exist", n);
	return set_place_name(t, n, &t->nodes[n].machine, "machine", machine,
			      err);
}

/* ---- changes to a topology that may be running --------------------------- */

void topo_map_free(struct topo_map *m)
{
	free(m->node);
	free(m->link);
	free(m->port);
	*m = (struct topo_map){ 0 };
}

static void node_free(struct topo_node *n)
{
	free(n->name);
	free(n->where.file);
	free(n->ports);
	topo_routing_free(n->routing);
	free(n->group);
	free(n->machine);
}

static int rehash(struct topo *t)
{
	free(t->hash);
	t->hash = NULL;
	t->hash_size = 0;
	return hash_reserve(t, t->nnodes ? t->nnodes : 1);
}

void topo_truncate(struct topo *t, uint32_t nnodes, uint32_t nlinks)
{
	uint32_t i, k, nports;
	struct topo_node *n;

	if (nnodes >= t->nnodes && nlinks >= t->nlinks)
		return;
	nports = nlinks < t->nlinks ? t->links[nlinks].port[0] : t->nports;
	for (i = nlinks; i < t->nlinks; i++)
		free(t->links[i].where.file);
	t->nlinks = nlinks;
	t->nports = nports;
	for (i = nnodes; i < t->nnodes; i++)
		node_free(&t->nodes[i]);
	t->nnodes = nnodes;
	/* Links are added in order, so a node's newer ports are last. */
	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		for (k = n->nports; k > 0 && n->ports[k - 1] >= nports; k--)
			n->next_port--;
		n->nports = k;
	}
	rehash(t);
	t->planned = false;
}

static uint32_t *map_new(uint32_t n)
{
	uint32_t *m = malloc((n + 1) * sizeof(*m));

	if (m)
		memset(m, 0xff, (n + 1) * sizeof(*m));
	return m;
}

/* Fills m: what stays, and where it goes. */
static int map_build(const struct topo *t, const bool *node_gone,
		     const bool *link_gone, struct topo_map *m)
{
	uint32_t i, nn = 0, nl = 0, np = 0;
	bool gone;

	m->node = map_new(t->nnodes);
	m->link = map_new(t->nlinks);
	m->port = map_new(t->nports);
	if (!m->node || !m->link || !m->port)
		return -ENOMEM;
	m->nnodes = t->nnodes;
	m->nlinks = t->nlinks;
	for (i = 0; i < t->nnodes; i++)
		if (!node_gone || !node_gone[i])
			m->node[i] = nn++;
	for (i = 0; i < t->nlinks; i++) {
		gone = (link_gone && link_gone[i]) ||
		       m->node[topo_link_node(t, i, 0)] == TOPO_NONE ||
		       m->node[topo_link_node(t, i, 1)] == TOPO_NONE;
		if (gone)
			continue;
		m->link[i] = nl++;
		m->port[t->links[i].port[0]] = np++;
		m->port[t->links[i].port[1]] = np++;
	}
	return 0;
}

int topo_remove(struct topo *t, const bool *node_gone, const bool *link_gone,
		struct topo_map *m)
{
	uint32_t i, k, j;
	struct topo_node *n;
	int ret;

	*m = (struct topo_map){ 0 };
	ret = map_build(t, node_gone, link_gone, m);
	if (ret < 0) {
		topo_map_free(m);
		return ret;
	}
	for (i = 0; i < t->nlinks; i++) {
		if (m->link[i] == TOPO_NONE) {
			free(t->links[i].where.file);
			continue;
		}
		t->links[m->link[i]] = t->links[i];
	}
	/* Ports keep the order of their links, so moving down is safe. */
	for (i = 0; i < t->nports; i++) {
		if (m->port[i] == TOPO_NONE)
			continue;
		t->ports[m->port[i]] = t->ports[i];
	}
	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		if (m->node[i] == TOPO_NONE) {
			node_free(n);
			continue;
		}
		for (k = 0, j = 0; k < n->nports; k++)
			if (m->port[n->ports[k]] != TOPO_NONE)
				n->ports[j++] = m->port[n->ports[k]];
		n->nports = j;
		t->nodes[m->node[i]] = *n;
	}
	for (t->nlinks = 0, i = 0; i < m->nlinks; i++)
		t->nlinks += m->link[i] != TOPO_NONE;
	for (t->nnodes = 0, i = 0; i < m->nnodes; i++)
		t->nnodes += m->node[i] != TOPO_NONE;
	t->nports = 2 * t->nlinks;
	for (i = 0; i < t->nlinks; i++)
		for (k = 0; k < 2; k++) {
			t->links[i].port[k] = m->port[t->links[i].port[k]];
			t->ports[t->links[i].port[k]].link = i;
		}
	for (i = 0; i < t->nports; i++)
		t->ports[i].node = m->node[t->ports[i].node];
	t->planned = false;
	return rehash(t) < 0 ? -ENOMEM : 0;
}
