/* Capture targets and file names: the pure part of core/observe/capture.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/observe/capture.h"
#include "topo/topo.h"

/* Finds name[0..len) among t's nodes. */
static uint32_t find_n(const struct topo *t, const char *name, size_t len)
{
	char buf[128];

	if (len >= sizeof(buf))
		return TOPO_NONE;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return topo_node_find(t, buf);
}

static bool has_intf(const struct topo *t, uint32_t node, const char *ifname)
{
	const struct topo_node *n = &t->nodes[node];
	uint32_t k;

	if (!strcmp(ifname, "lo"))
		return true;
	if (n->kind == TOPO_SWITCH && !strcmp(ifname, "br0"))
		return true;
	for (k = 0; k < n->nports; k++)
		if (!strcmp(t->ports[n->ports[k]].ifname, ifname))
			return true;
	return false;
}

static int parse_intf(const struct topo *t, const char *s, const char *colon,
		      struct capture_spec *sp, struct err *err)
{
	const char *ifname = colon + 1;

	sp->kind = CAPTURE_INTF;
	sp->node = find_n(t, s, colon - s);
	if (sp->node == TOPO_NONE)
		return err_set(err, -ENOENT, "no node '%.*s' in emulation '%s'",
			       (int)(colon - s), s, t->name);
	if (!*ifname || strlen(ifname) >= sizeof(sp->ifname) ||
	    !has_intf(t, sp->node, ifname))
		return err_set(err, -ENOENT, "no interface '%s' on node '%s'",
			       ifname, t->nodes[sp->node].name);
	strcpy(sp->ifname, ifname);
	return 0;
}

static int set_link(const struct topo *t, uint32_t a, uint32_t b,
		    struct capture_spec *sp, struct err *err)
{
	sp->kind = CAPTURE_LINK;
	sp->node = a;
	sp->peer = b;
	sp->link = topo_link_find(t, a, b);
	if (sp->link == TOPO_NONE)
		return err_set(err, -ENOENT, "no link between '%s' and '%s'",
			       t->nodes[a].name, t->nodes[b].name);
	return 0;
}

/* "a,b", or "a-b" at the first '-' that leaves a node on both sides
 * (node names may hold '-' themselves). */
static int parse_link(const struct topo *t, const char *s,
		      struct capture_spec *sp, struct err *err)
{
	const char *sep = strchr(s, ',');
	uint32_t a, b;

	if (sep) {
		a = find_n(t, s, sep - s);
		b = topo_node_find(t, sep + 1);
		if (a == TOPO_NONE)
			return err_set(err, -ENOENT,
				       "no node '%.*s' in emulation '%s'",
				       (int)(sep - s), s, t->name);
		if (b == TOPO_NONE)
			return err_set(err, -ENOENT,
				       "no node '%s' in emulation '%s'",
				       sep + 1, t->name);
		return set_link(t, a, b, sp, err);
	}
	for (sep = strchr(s, '-'); sep; sep = strchr(sep + 1, '-')) {
		a = find_n(t, s, sep - s);
		b = topo_node_find(t, sep + 1);
		if (a != TOPO_NONE && b != TOPO_NONE)
			return set_link(t, a, b, sp, err);
	}
	return err_set(err, -ENOENT, "no node %s'%s' in emulation '%s'",
		       strchr(s, '-') ? "or link " : "", s, t->name);
}

int capture_spec_parse(const struct topo *t, const char *s,
		       struct capture_spec *sp, struct err *err)
{
	const char *colon = strchr(s, ':');

	memset(sp, 0, sizeof(*sp));
	sp->peer = sp->link = TOPO_NONE;
	if (colon)
		return parse_intf(t, s, colon, sp, err);
	sp->node = topo_node_find(t, s);
	if (sp->node != TOPO_NONE) {
		sp->kind = CAPTURE_NODE;
		return 0;
	}
	return parse_link(t, s, sp, err);
}

static void set_target(struct capture_target *o, const struct topo *t,
		       const char *emu, uint32_t port, bool out_only)
{
	o->emu = emu;
	o->node = t->nodes[t->ports[port].node].name;
	o->ifname = t->ports[port].ifname;
	o->out_only = out_only;
	o->file = NULL;
}

int capture_spec_targets(const struct topo *t, const char *emu,
			 const struct capture_spec *sp,
			 struct capture_target *out, size_t max)
{
	const struct topo_node *n = &t->nodes[sp->node];
	uint32_t k;

	switch (sp->kind) {
	case CAPTURE_INTF:
		if (max < 1)
			return -ENOSPC;
		out[0] = (struct capture_target){
		    .emu = emu, .node = n->name, .ifname = sp->ifname};
		return 1;
	case CAPTURE_NODE:
		if (max < n->nports)
			return -ENOSPC;
		for (k = 0; k < n->nports; k++)
			set_target(&out[k], t, emu, n->ports[k], false);
		return (int)n->nports;
	case CAPTURE_LINK:
		if (max < 2)
			return -ENOSPC;
		set_target(&out[0], t, emu, t->links[sp->link].port[0], true);
		set_target(&out[1], t, emu, t->links[sp->link].port[1], true);
		return 2;
	}
	return -EINVAL;
}

int capture_ring_name(char *buf, size_t len, const char *path, unsigned idx)
{
	int n = snprintf(buf, len, "%s%u", path, idx);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int capture_intf_file(char *buf, size_t len, const char *where, bool dir,
		      const char *node, const char *ifname)
{
	int n;

	if (dir)
		n = snprintf(buf, len, "%s%s%s-%s.pcap", where,
			     where[0] && where[strlen(where) - 1] == '/' ? ""
									 : "/",
			     node, ifname);
	else if (node)
		n = snprintf(buf, len, "%s-%s-%s.pcap", where, node, ifname);
	else
		n = snprintf(buf, len, "%s-%s.pcap", where, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

char *capture_join(char *const *w, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, w[i]);
	}
	return s;
}
