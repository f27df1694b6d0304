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
	EMU_PHASE_DAEMONS, /* routing daemons started, after the nodes */
	EMU_PHASE_ROUTING, /* then their configs: routing begins */
};

/* One machine's part of an emulation that spans several (core/cluster/,
 * "lunet worker"): the nodes placed on this machine are built here; a
 * link between two of them is a veth pair, a link from one of them to a
 * node elsewhere a VXLAN device in the node's namespace whose UDP socket
 * lives in this machine's namespace, on its underlay address. */
struct emu_part {
	uint32_t self;             /* this machine's index */
	uint32_t nmachines;
	const uint32_t *machine_of; /* per node: its machine's index */
	const uint32_t *underlay;  /* per machine: its underlay IPv4 address,
				    * host byte order */
	uint16_t port;             /* VXLAN UDP port */
	uint32_t vni_base;         /* link l's VNI is vni_base + l */
	uint32_t mtu;              /* of every link between machines */
};

struct emu_opts {
	/* Called now and then during long phases; may be NULL. */
	void (*progress)(void *arg, enum emu_phase phase, size_t done,
			 size_t total);
	void *arg;
	/* This machine's part, or NULL for all of it (copied by
	 * emu_start()). */
	const struct emu_part *part;
};

/* Changes to a running emulation (core/engine/change.c), made with the
 * model: the caller changes e's topology (topo/topo.h) and plans it again
 * with topo_keep_plan() first, so nothing that runs is renumbered.
 *
 * emu_change_check(): 0 when e can be changed while it runs, else
 * -EOPNOTSUPP with err saying why (across machines).
 * emu_grow(): the nodes from onodes on and the links from olinks on are
 * new: builds them, and rewrites the routes of the nodes whose routes
 * differ from old (topo/change.h, taken before the change).  On failure
 * everything it did is undone; the caller then takes the model back
 * (topo_truncate(), topo_plan()) and records it (emu_record_now()).
 * A removal: emu_remove_prepare(), before topo_remove(), names what
 * goes (the nodes and links marked gone: a node's namespace, with what
 * runs in it and its links; a link's veth pair) into *gone; after
 * topo_remove() (m) and topo_plan(), emu_shrunk() makes e's own state
 * follow m and rewrites the routes that differ from old, before anything
 * goes (deleting an interface takes its routes with it);
 * emu_remove_finish() then deletes what gone names, writes the record and
 * frees gone (emu_gone_free() frees one that is not finished).
 * All return 0 or -errno with err naming the node or link. */
struct topo_route_snap;
struct topo_map;
int emu_change_check(const struct emu *e, struct err *err);
int emu_grow(struct emu *e, uint32_t onodes, uint32_t olinks,
	     const struct topo_route_snap *old, struct err *err);
struct emu_gone;
int emu_remove_prepare(struct emu *e, const bool *node_gone,
		       const bool *link_gone, struct emu_gone **gone,
		       struct err *err);
int emu_shrunk(struct emu *e, const struct topo_map *m,
	       const struct topo_route_snap *old, struct err *err);
int emu_remove_finish(struct emu *e, struct emu_gone *gone,
		      struct err *err);
void emu_gone_free(struct emu_gone *gone);
/* Link l's MTU set in place at both ends (0: the kernel's default), and
 * in the model. */
int emu_link_mtu(struct emu *e, uint32_t l, uint32_t mtu, struct err *err);
int emu_record_now(struct emu *e, struct err *err);

/* Sets the progress callback of builds and teardowns whose emu_opts give
 * none (a script's net:start()), for the whole process: the command line
 * sets it once, before running a script. */
void emu_progress_default(const struct emu_opts *opts);

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

/* Across machines: the --machines spec (topo/machines.h) and VXLAN port
 * (0: 4789) of every build of this process that has no part of its own;
 * NULL builds here.  The command line sets it once. */
void emu_machines_default(const char *spec, uint16_t port);
bool emu_machines_set(void);
/* --push: this binary copied to every machine before its worker runs. */
void emu_machines_push(bool push);

/* Whether e's nodes live on other machines (built through their workers,
 * core/cluster/). */
bool emu_remote(const struct emu *e);

/* Across machines: probes n pairs (source node, destination address, host
 * byte order) from the sources' machines; ok[i] = 1 for those that got
 * a reply.  Returns how many did, or -errno. */
int emu_ping(struct emu *e, const uint32_t *src, const uint32_t *dst,
	     size_t n, int *ok, struct err *err);

/* Across machines: what every routed router's FIB lacks or holds that it
 * should not (core/routing/routing.h's routing_fib_check(), run by each
 * machine for its routers), with the links marked in down taken out of
 * the expectation; *routers: how many were read.  Returns 0 or -errno. */
struct routing_missing;
int emu_fib_missing(struct emu *e, const unsigned char *down, bool ecmp,
		    struct routing_missing **miss, size_t *nmiss,
		    uint32_t *routers, struct err *err);

/* Across machines: asks node's machine what ("routes": the FIB table of
 * routing_fib_format(); "daemons": "ALIVE TOTAL"); the answer in *text
 * (malloc'd).  Returns 0 or -errno with err set. */
int emu_node_ask(struct emu *e, uint32_t node, const char *what, char **text,
		 struct err *err);

/* Across machines, what a node failure does to node's processes, on its
 * machine: what "stop" (frozen), "kill", "recover" (thawed, and dead
 * routing daemons started again), or "reset" (every node of every
 * machine recovered so).  Returns how many processes, or -errno with err
 * set. */
int emu_node_fault(struct emu *e, uint32_t node, const char *what,
		   struct err *err);

/* Across machines: the machines found gone since the last call (their
 * names into names, max at most); the emulation is then degraded. */
int emu_remote_check(struct emu *e, const char **names, int max);

/* Across machines: machine name fails (up false: every link between it
 * and the others goes dark at once, as when its top-of-rack switch or
 * hypervisor dies; its nodes run on, cut off) or recovers.  A simulated
 * machine's data plane is cut; a real machine's links to the others are
 * set down instead.  Returns 0 or -errno with err set. */
int emu_machine_set(struct emu *e, const char *name, bool up,
		    struct err *err);

/* An impairment as text, exactly (the worker protocol's), and back:
 * the length written or -ENOSPC; 0 or -EPROTO. */
struct impair_spec;
int emu_impair_encode(const struct impair_spec *s, char *buf, size_t len);
int emu_impair_decode(const char *text, struct impair_spec *s);

/* Across machines: steady probe streams (core/observe/stream.h) from n
 * sources (nodes) to n destinations (nodes), each run by its source's
 * machine, all at once.  _poll() fills res[0..n) and returns 1 once every
 * machine's streams are done, 0 while they run, or -errno. */
struct stream_opts;
struct stream_result;
struct emu_probe;
int emu_probe_start(struct emu *e, const struct stream_opts *o,
		    const uint32_t *src, const uint32_t *dst, size_t n,
		    struct emu_probe **out, struct err *err);
int emu_probe_poll(struct emu *e, struct emu_probe *p,
		   struct stream_result *res, struct err *err);
void emu_probe_free(struct emu_probe *p);

/* The counters of node's link ends (every node's when node is
 * TOPO_NONE) into ends (core/observe/stats.h's layout): read here, or
 * across machines by the nodes' machines.  Returns 0 or -errno with err
 * set. */
struct stats_if;
int emu_stats(struct emu *e, uint32_t node, struct stats_if *ends,
	      struct err *err);

/* Across machines: a capture of n interfaces, each by its node's
 * machine into a file there; _stop() ends them all and hands back each
 * interface's pcap (blobs[i], lens[i]: malloc'd, the caller frees),
 * and the packets the kernels dropped. */
struct emu_capture_target {
	uint32_t node;
	const char *ifname;
	bool out_only; /* only what it sends (a link's ends) */
};
struct emu_rcapture;
int emu_capture_start(struct emu *e, const struct emu_capture_target *tg,
		      size_t n, const char *filter, int snaplen,
		      uint64_t count, struct emu_rcapture **out,
		      struct err *err);
int emu_capture_stop(struct emu *e, struct emu_rcapture *c, char **blobs,
		     size_t *lens, uint64_t *dropped, struct err *err);
void emu_capture_free(struct emu_rcapture *c);

/* Across machines: argv started in the background in node, by its
 * machine (its output to the node's log there).  Returns its pid (on
 * that machine) or -errno with err set. */
int emu_node_spawn(struct emu *e, uint32_t node, char *const argv[],
		   struct err *err);

/* Across machines: how many routing daemons run (alive[node]) of how
 * many (total[node]) for every routed router, one request per machine.
 * Returns 0 or -errno with err set. */
int emu_daemons_all(struct emu *e, int *alive, int *total, struct err *err);

/* How many of node's routing daemons run (*total: how many it has), on
 * this machine or on the node's. */
int emu_daemons_alive(struct emu *e, uint32_t node, int *total);

/* The command that runs cmd in node: cmd itself in the node's namespace,
 * or, across machines, "lunet exec" on the node's machine through its
 * transport (with a terminal when tty), run from c->nspath (NULL: ours).
 * Returns 0 or -errno. */
#define EMU_COMMAND_ARGS 128
struct emu_command {
	char *argv[EMU_COMMAND_ARGS];
	const char *nspath;
	char ns[128];
	char store[8192];
};
int emu_node_command(const struct emu *e, uint32_t node, char *const cmd[],
		     bool tty, struct emu_command *c);

/* Whether node n is built on this machine (always, unless the emulation
 * is one part of several), and whether link l crosses to another one. */
bool emu_node_local(const struct emu *e, uint32_t n);
bool emu_link_cut(const struct emu *e, uint32_t l);

/* Brings both ends of link l up or down. */
int emu_link_set(struct emu *e, uint32_t link, bool up, struct err *err);

/* Sets the impairments of the direction that leaves end `from` (0 or 1)
 * of link l, or of both directions (from -1), to spec: what was set before
 * is replaced; an empty spec clears them.  Refuses a parameter whose path
 * this kernel lacks (see core/impair/impair.h).  Returns 0 or -errno with err
 * naming the link and the cause. */
struct impair_spec;
struct impair_counts;
int emu_impair(struct emu *e, uint32_t link, int from,
	       const struct impair_spec *spec, struct err *err);

/* The settings and counts of the direction leaving end side of link l. */
int emu_impair_get(struct emu *e, uint32_t link, int side,
		   struct impair_spec *spec, struct impair_counts *c);

/* The namespace path of node n ("/run/netns/lunet-<emu>-<node>"). */
int emu_nspath(const struct emu *e, uint32_t node, char *buf, size_t len);

struct topo *emu_topo(const struct emu *e);

/* Tears down emulation name from its recorded state alone ("lunet down",
 * "lunet clean").  Returns 0, -ENOENT when there is no such emulation, or
 * -errno with err set. */
int emu_destroy(const char *name, struct err *err);

/* Makes this process the owner of e, recorded as left up ("lunet up"'s
 * daemon, after fork()).  Returns 0 or -errno. */
int emu_adopt(struct emu *e);

/* Frees e and leaves the emulation as it is: another process owns it. */
void emu_release(struct emu *e);

/* Whether link l is up (not set down by emu_link_set()). */
bool emu_link_is_up(const struct emu *e, uint32_t link);

/* Brings the n links in links[] up or down together, with one netlink
 * batch per node they touch; going up, every end is up before any route
 * through them is put back.  Returns 0 or -errno with err set. */
int emu_links_set(struct emu *e, const uint32_t *links, size_t n, bool up,
		  struct err *err);

/* Makes every port of a new emulation able to send at once.  A veth end
 * that came up before its peer gets its queue only when the kernel's link
 * watcher runs, up to a second later, and drops what it sends meanwhile
 * (the first ARP request, retried a second later); asking for each port
 * by index runs the watcher for it now.  Returns 0 or -errno. */
int emu_settle(struct emu *e);

#endif
