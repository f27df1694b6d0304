/*
 * serial: the model written as text (the format is in topo/serial.h;
 * topo/serial_read.c reads it back).
 *
 * Numbers and strings are written by hand rather than with printf: a
 * fat-tree of k = 32 is some 35,000 lines.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/serial.h"
#include "topo/topo.h"

static const char *const scope_names[] = {
	[TOPO_ROUTES_AUTO] = "auto",
	[TOPO_ROUTES_ALL] = "all",
	[TOPO_ROUTES_EDGE] = "edge",
};

/* The bytes a string keeps as they are: the printable ones but the three
 * the format itself uses. */
static bool plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '%' && c != ',' && c != '=';
}

/* The text being written; after a failed allocation every put does
 * nothing and rc says so. */
struct out {
	char *buf;
	size_t len, cap;
	int rc;
};

static bool room(struct out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 4096;
	char *p;

	if (o->rc)
		return false;
	if (o->len + n < o->cap)
		return true;
	while (cap <= o->len + n)
		cap *= 2;
	p = realloc(o->buf, cap);
	if (!p) {
		o->rc = -ENOMEM;
		return false;
	}
	o->buf = p;
	o->cap = cap;
	return true;
}

static void put(struct out *o, const char *s, size_t n)
{
	if (!room(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

static void put_enc(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	/* At worst every byte takes three. */
	if (!room(o, 3 * n))
		return;
	for (; *p; p++) {
		if (plain(*p)) {
			o->buf[o->len++] = (char)*p;
			continue;
		}
		o->buf[o->len++] = '%';
		o->buf[o->len++] = hex[*p >> 4];
		o->buf[o->len++] = hex[*p & 15];
	}
}

static void put_u32(struct out *o, uint32_t v)
{
	char d[10];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	if (!room(o, (size_t)n))
		return;
	while (n)
		o->buf[o->len++] = d[--n];
}

static void put_prefix(struct out *o, const struct ip_prefix *p, bool plen)
{
	char ip[IP_STRLEN];

	puts_(o, ip_format(p, plen, ip));
}

static void put_mac(struct out *o, const uint8_t mac[6])
{
	char s[18];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	puts_(o, s);
}

/* " key=" */
static void put_key(struct out *o, const char *key)
{
	putc_(o, ' ');
	puts_(o, key);
	putc_(o, '=');
}

static void put_where(struct out *o, const struct topo_where *w)
{
	if (!w->file && !w->line)
		return;
	put_key(o, "where");
	if (w->file)
		put_enc(o, w->file);
	putc_(o, ':');
	put_u32(o, w->line > 0 ? (uint32_t)w->line : 0);
}

static void write_routing(struct out *o, const struct topo_routing *r,
			  const char *name)
{
	uint32_t i;

	puts_(o, "routing ");
	put_enc(o, name);
	put_key(o, "proto");
	puts_(o, topo_proto_name(r->proto));
	put_key(o, "daemon");
	puts_(o, topo_daemon_name(r->daemon));
	/* The planned ASN and router id are the plan's to give again. */
	if (r->asn_set) {
		put_key(o, "asn");
		put_u32(o, r->asn);
	}
	if (r->router_id_set) {
		put_key(o, "router_id");
		put_prefix(o, &(struct ip_prefix){ r->router_id, 32 }, false);
	}
	if (r->config) {
		put_key(o, "config");
		put_enc(o, r->config);
		put_key(o, "config_text");
		put_enc(o, r->config_text);
	}
	if (r->extra) {
		put_key(o, "extra");
		put_enc(o, r->extra);
	}
	if (r->bfd)
		puts_(o, " bfd");
	if (r->unnumbered)
		puts_(o, " unnumbered");
	if (r->max_prefix) {
		put_key(o, "max_prefix");
		put_u32(o, r->max_prefix);
	}
	if (r->speaker) {
		/* Generated prefixes by their count: where they start is
		 * planned, in node order. */
		puts_(o, " speaker");
		put_key(o, "prefixes");
		if (!r->prefixes)
			put_u32(o, r->nprefixes);
		for (i = 0; r->prefixes && i < r->nprefixes; i++) {
			if (i)
				putc_(o, ',');
			put_prefix(o, &r->prefixes[i], true);
		}
	}
	putc_(o, '\n');
}

static void write_node(struct out *o, const struct topo_node *n)
{
	puts_(o, "node ");
	put_enc(o, n->name);
	putc_(o, ' ');
	puts_(o, topo_kind_name(n->kind));
	put_where(o, &n->where);
	if (n->stp)
		puts_(o, " stp");
	if (n->ip_set) {
		put_key(o, "ip");
		put_prefix(o, &n->ip, true);
	}
	if (n->lo_set) {
		put_key(o, "lo");
		put_prefix(o, &n->lo, true);
	}
	/* New fields of a node (the placement hints group= and machine=)
	 * go here, each "if (n->group) { put_key(o, "group");
	 * put_enc(o, n->group); }", and into node_field() of
	 * topo/serial_read.c. */
	putc_(o, '\n');
	if (n->routing)
		write_routing(o, n->routing, n->name);
}

/* What a port may have been given by the user. */
enum given { GIVEN_IFNAME, GIVEN_ADDR, GIVEN_MAC };
static const char *const given_keys[] = { "ifname", "addr", "mac" };

static bool is_given(const struct topo_port *p, enum given g)
{
	return g == GIVEN_IFNAME ? p->ifname_set :
	       g == GIVEN_ADDR ? p->addr_set : p->mac_set;
}

/* " key=A,B" of a link's two ports, when either is the user's. */
static void put_ends(struct out *o, const struct topo *t, uint32_t l,
		     enum given g)
{
	const struct topo_port *p[2] = { topo_link_port(t, l, 0),
					 topo_link_port(t, l, 1) };
	int i;

	if (!is_given(p[0], g) && !is_given(p[1], g))
		return;
	put_key(o, given_keys[g]);
	for (i = 0; i < 2; i++) {
		if (i)
			putc_(o, ',');
		if (!is_given(p[i], g))
			continue;
		if (g == GIVEN_IFNAME)
			put_enc(o, p[i]->ifname);
		else if (g == GIVEN_ADDR)
			put_prefix(o, &p[i]->addr, true);
		else
			put_mac(o, p[i]->mac);
	}
}

static void write_link(struct out *o, const struct topo *t, uint32_t l)
{
	const struct topo_link *k = &t->links[l];

	puts_(o, "link ");
	put_enc(o, t->nodes[topo_link_node(t, l, 0)].name);
	putc_(o, ' ');
	put_enc(o, t->nodes[topo_link_node(t, l, 1)].name);
	put_where(o, &k->where);
	if (k->mtu) {
		put_key(o, "mtu");
		put_u32(o, k->mtu);
	}
	put_ends(o, t, l, GIVEN_IFNAME);
	put_ends(o, t, l, GIVEN_ADDR);
	put_ends(o, t, l, GIVEN_MAC);
	putc_(o, '\n');
}

/* A router's config is carried as text: the machine that reads the
 * model has not got the file, and one of the same name there would be
 * someone else's. */
static int check_configs(const struct topo *t, struct err *err)
{
	const struct topo_routing *r;
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (r && r->config && !r->config_text)
			return err_set(err, -EINVAL, "router %s: config %s was "
				       "not read before the model was "
				       "written, and the machine that reads "
				       "the model cannot read it",
				       t->nodes[i].name, r->config);
	}
	return 0;
}

int topo_write(const struct topo *t, char **buf, size_t *len,
	       struct err *err)
{
	struct out o = { 0 };
	uint32_t i;
	int rc;

	rc = check_configs(t, err);
	if (rc)
		return rc;
	puts_(&o, TOPO_SERIAL_MAGIC " ");
	put_u32(&o, TOPO_SERIAL_VERSION);
	puts_(&o, "\ntopo");
	put_key(&o, "name");
	put_enc(&o, t->name);
	put_key(&o, "routes");
	puts_(&o, (unsigned)t->route_scope < 3 ? scope_names[t->route_scope] :
						 "?");
	putc_(&o, '\n');
	for (i = 0; i < t->nnodes; i++)
		write_node(&o, &t->nodes[i]);
	for (i = 0; i < t->nlinks; i++)
		write_link(&o, t, i);
	puts_(&o, "end nodes=");
	put_u32(&o, t->nnodes);
	puts_(&o, " links=");
	put_u32(&o, t->nlinks);
	putc_(&o, '\n');
	if (room(&o, 1))
		o.buf[o.len] = '\0';
	if (o.rc) {
		free(o.buf);
		return err_set(err, o.rc, "writing the model: out of memory");
	}
	*buf = o.buf;
	*len = o.len;
	return 0;
}
