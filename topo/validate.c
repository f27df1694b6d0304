/*
 * validate: the rules for names, and the checks that need the whole graph.
 *
 * Names end up in places with their own rules: an emulation and a node
 * name together make a namespace name (lunet-<emu>-<node>), and interface
 * names go to the kernel, which refuses what dev_valid_name() refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

#define EMU_NAME_MAX 32
#define NODE_NAME_MAX 64
#define IFNAME_MAX (TOPO_IFNAMSIZ - 1)

/* Shows a byte as the user would recognise it in an error sentence. */
static const char *show_char(unsigned char c, char buf[8])
{
	if (isprint(c) && c != ' ')
		snprintf(buf, 8, "'%c'", c);
	else if (c == ' ')
		snprintf(buf, 8, "a space");
	else
		snprintf(buf, 8, "\\x%02x", c);
	return buf;
}

/* Checks name against a character set; what says what the name is. */
static int check_chars(const char *name, const char *what, size_t max,
		       const char *extra, const char *allowed,
		       struct err *err)
{
	char c[8];
	size_t i, len;

	if (!name || !*name)
		return err_set(err, -EINVAL, "%s is empty", what);
	len = strlen(name);
	if (len > max)
		return err_set(err, -EINVAL,
			       "%s '%s' is longer than %zu characters", what,
			       name, max);
	if (name[0] == '.' || name[0] == '-')
		return err_set(err, -EINVAL, "%s '%s' starts with '%c'", what,
			       name, name[0]);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (isascii(ch) && (isalnum(ch) || strchr(extra, ch)))
			continue;
		return err_set(err, -EINVAL,
			       "%s '%s' contains %s; use %s", what, name,
			       show_char(ch, c), allowed);
	}
	return 0;
}

/* '-' is refused because it separates the parts of a namespace name. */
int topo_check_name(const char *name, struct err *err)
{
	return check_chars(name, "emulation name", EMU_NAME_MAX, "_.",
			   "letters, digits, '_' and '.'", err);
}

int topo_check_node_name(const char *name, struct err *err)
{
	return check_chars(name, "node name", NODE_NAME_MAX, "_.-",
			   "letters, digits, '_', '.' and '-'", err);
}

int topo_check_ifname(const char *name, enum topo_kind kind, struct err *err)
{
	char c[8];
	size_t i, len;

	if (!name || !*name)
		return err_set(err, -EINVAL, "interface name is empty");
	len = strlen(name);
	if (len > IFNAME_MAX)
		return err_set(err, -EINVAL,
			       "interface name '%s' is longer than %d "
			       "characters",
			       name, IFNAME_MAX);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_set(err, -EINVAL,
			       "interface name '%s' is not allowed", name);
	/* '%' would make the kernel treat the name as a template ("eth%d"). */
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '/' || ch == ':' || ch == '%' || ch <= ' ' ||
		    ch == 0x7f)
			return err_set(err, -EINVAL,
				       "interface name '%s' contains %s", name,
				       show_char(ch, c));
	}
	if (strcmp(name, "lo") == 0)
		return err_set(err, -EINVAL,
			       "interface name 'lo' is the loopback's");
	if (kind == TOPO_SWITCH && strcmp(name, "br0") == 0)
		return err_set(err, -EINVAL,
			       "interface name 'br0' is the switch's bridge");
	return 0;
}

static int check_bridge_ports(const struct topo *t, struct err *err)
{
	const struct topo_node *n;
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		if (n->kind == TOPO_SWITCH && n->nports > TOPO_BRIDGE_MAX_PORTS)
			return err_set(err, -E2BIG,
				       "switch %s has %u ports; a Linux bridge "
				       "takes at most %d",
				       n->name, n->nports,
				       TOPO_BRIDGE_MAX_PORTS);
	}
	return 0;
}

/* Generated names are unique within a node (eth<index>), so only nodes
 * with a user-given name can hold a duplicate. */
static int check_node_ifnames(const struct topo *t, uint32_t n,
			      struct err *err)
{
	const struct topo_node *node = &t->nodes[n];
	const struct topo_port *a, *b;
	uint32_t i, j;

	for (i = 0; i < node->nports; i++) {
		a = &t->ports[node->ports[i]];
		if (!a->ifname_set)
			continue;
		for (j = 0; j < node->nports; j++) {
			b = &t->ports[node->ports[j]];
			if (j != i && strcmp(a->ifname, b->ifname) == 0)
				return err_set(err, -EEXIST,
					       "node %s has two interfaces "
					       "named '%s'",
					       node->name, a->ifname);
		}
	}
	return 0;
}

/* qsort_r order: by MAC, then by port index so that errors are stable. */
static int mac_cmp(const void *a, const void *b, void *arg)
{
	const struct topo *t = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	int c = memcmp(t->ports[ia].mac, t->ports[ib].mac, 6);

	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* Two ports with one MAC confuse every bridge between them, so refuse
 * the duplicate rather than debug it in a capture later. */
static int check_macs(const struct topo *t, struct err *err)
{
	char da[TOPO_DESCSIZ], db[TOPO_DESCSIZ];
	uint32_t *v, n = 0, i;
	int ret = 0;

	v = malloc((t->nports + 1) * sizeof(*v));
	if (!v)
		return err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < t->nports; i++)
		if (t->ports[i].mac_set)
			v[n++] = i;
	qsort_r(v, n, sizeof(*v), mac_cmp, (void *)t);
	for (i = 1; i < n && !ret; i++) {
		const uint8_t *m = t->ports[v[i]].mac;

		if (memcmp(t->ports[v[i - 1]].mac, m, 6) != 0)
			continue;
		ret = err_set(err, -EADDRINUSE,
			      "%s and %s both have MAC "
			      "%02x:%02x:%02x:%02x:%02x:%02x",
			      topo_port_describe(t, v[i - 1], da, sizeof(da)),
			      topo_port_describe(t, v[i], db, sizeof(db)),
			      m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	free(v);
	return ret;
}

int topo_validate(const struct topo *t, struct err *err)
{
	uint32_t i;
	int ret;

	ret = check_bridge_ports(t, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < t->nnodes; i++) {
		ret = check_node_ifnames(t, i, err);
		if (ret < 0)
			return ret;
	}
	return check_macs(t, err);
}
