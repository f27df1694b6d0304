/* Things named the way a user wrote them, for error sentences and
 * events: links by their ends, ports by node and interface, and where in
 * the user's file something was made. */
#include <stdio.h>

#include "topo/topo.h"

char *topo_where(const struct topo_where *w, char *buf, size_t size)
{
	buf[0] = '\0';
	if (w && w->file)
		snprintf(buf, size, " (%s:%d)", w->file, w->line);
	return buf;
}

char *topo_ends_describe(const struct topo *t, uint32_t a, uint32_t b,
			 const struct topo_where *where, char *buf, size_t size)
{
	char w[TOPO_DESCSIZ];

	snprintf(buf, size, "link %s-%s%s", t->nodes[a].name,
		 t->nodes[b].name, topo_where(where, w, sizeof(w)));
	return buf;
}

char *topo_link_name(const struct topo *t, uint32_t l, char *buf,
		     size_t size)
{
	snprintf(buf, size, "%s-%s", t->nodes[topo_link_node(t, l, 0)].name,
		 t->nodes[topo_link_node(t, l, 1)].name);
	return buf;
}

char *topo_link_describe(const struct topo *t, uint32_t l, char *buf,
			 size_t size)
{
	topo_ends_describe(t, topo_link_node(t, l, 0), topo_link_node(t, l, 1),
		  &t->links[l].where, buf, size);
	return buf;
}

char *topo_port_describe(const struct topo *t, uint32_t p, char *buf,
			 size_t size)
{
	const struct topo_port *port = &t->ports[p];

	snprintf(buf, size, "node %s %s", t->nodes[port->node].name,
		 port->ifname);
	return buf;
}
