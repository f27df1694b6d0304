/*
 * engine: turns a planned topology into kernel objects and takes them away.
 *
 * The build runs in phases, each batched: every node's namespace, then
 * every link (veth pairs born directly in both end namespaces, from one
 * netlink socket, with fixed interface indexes), then every node's own
 * configuration (bridge, ports, addresses, routes, forwarding) through a
 * netlink socket opened inside that node and closed right after, so lunet
 * never holds a descriptor per node.
 *
 * A build that fails or is interrupted (intr_signal) removes everything
 * it made before returning.  Teardown kills the processes living in the
 * emulation's namespaces and unmounts the namespaces; the kernel then
 * destroys every interface in them at once.
 */
#ifndef LUNET_ENGINE_H
#define LUNET_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"

struct topo;
struct emu;

enum emu_phase {
	EMU_PHASE_NAMESPACES,
	EMU_PHASE_LINKS,
	EMU_PHASE_NODES,
	EMU_PHASE_TEARDOWN,
};

struct emu_opts {
	/* Called now and then during long phases; may be NULL. */
	void (*progress)(void *arg, enum emu_phase phase, size_t done,
			 size_t total);
	void *arg;
};

/* Builds t, which must be planned (topo_plan()).  The emulation's name is
 * t->name.  On success *out is the running emulation, owned by this
 * process (state "running").  The emulation keeps a pointer to t: t must
 * outlive it.  Returns 0 or -errno with err naming the node or link and
 * the cause; nothing is left behind on failure. */
int emu_start(struct topo *t, const struct emu_opts *opts, struct emu **out,
	      struct err *err);

/* Tears down e and frees it.  Returns 0 or -errno (everything that could
 * be removed is removed either way). */
int emu_stop(struct emu *e, struct err *err);

/* Leaves e running without an owner (for "lunet up") and frees e. */
int emu_detach(struct emu *e);

/* Brings both ends of link l up or down. */
int emu_link_set(struct emu *e, uint32_t link, bool up, struct err *err);

/* The namespace path of node n ("/run/netns/lunet-<emu>-<node>"). */
int emu_nspath(const struct emu *e, uint32_t node, char *buf, size_t len);

struct topo *emu_topo(const struct emu *e);

/* Tears down emulation name from its recorded state alone ("lunet down",
 * "lunet clean").  Returns 0, -ENOENT when there is no such emulation, or
 * -errno with err set. */
int emu_destroy(const char *name, struct err *err);

#endif
