/*
 * The Lua side of lunet: the "lunet" module and its types.
 *
 * A network (struct lnet) owns its topology and, once started, its
 * emulation.  Node and link handles are small userdata holding an index and
 * a reference to their network (as a user value), so a handle keeps its
 * network alive and the same node always gives the same handle.
 */
#ifndef LUNET_LUA_H
#define LUNET_LUA_H

#include <lua.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct topo;
struct emu;
struct events;
struct lwatch;
struct err;

struct impair_spec;

struct lnet {
	struct topo *topo;
	struct emu *emu; /* NULL until started */
	double started;  /* seconds the last build took */
	bool built;	 /* started at least once, maybe stopped since */
	/* Impairments set before the start, per link end (2 * link + side),
	 * applied by net:start() (limpair.c). */
	struct impair_spec *imp;
	uint32_t nimp;
	struct lwatch *watch; /* its routing daemons watched (lrouting.c) */
	/* Inside net:change(fn) on a running network: what is added waits
	 * for the end of fn, to be planned and built at once; the counts
	 * when it began (lchange.c). */
	int changing;
	uint32_t change_nodes, change_links;
};

#define LNET_MT "lunet.network"
#define LNODE_MT "lunet.node"
#define LLINK_MT "lunet.link"
#define LNET_NAME "lunet.name" /* registry: name override */
#define LNET_FILE "lunet.file" /* registry: the topology file running */
#define LNET_DRY "lunet.dry"   /* registry: true when networks may not be
				* started ("lunet plan") */

/* Opens the module: sets the global "lunet" and package.loaded.lunet, and
 * runs the Lua library compiled into the binary.  Returns 0 or a Lua
 * error status (the message is on the stack). */
int lunet_open(lua_State *L);

/* Type checks and handle pushes shared by the binding files (lhandle.c),
 * and each type's constructor (lnet.c, lnode.c, llink.c). */
struct lnet *lnet_check(lua_State *L, int idx);
void lnet_open(lua_State *L);
void lnode_open(lua_State *L);
void llink_open(lua_State *L);

/* Pushes the handle of node/link i of the network at index net. */
void lnode_push(lua_State *L, int net, uint32_t i);
void llink_push(lua_State *L, int net, uint32_t i);

/* Resolves a node argument (a handle or a name) of network n. */
uint32_t lnode_arg(lua_State *L, int idx, struct lnet *n);

/* Raises a Lua error unless n runs on this machine: what ("capture")
 * does not work across machines yet. */
void lnet_need_here(lua_State *L, struct lnet *n, const char *what);

/* The handle at idx: its index, and its network pushed on the stack. */
uint32_t lnode_check(lua_State *L, int idx, struct lnet **net);
uint32_t llink_check(lua_State *L, int idx, struct lnet **net);

/* Starts / stops network n; on failure raises a Lua error. */
void lnet_start(lua_State *L, struct lnet *n);
void lnet_stop(lua_State *L, struct lnet *n);

/* Changes to a running network (lchange.c): lchange_added() builds what
 * was added to n (the network at net) since it had onodes nodes and
 * olinks links, or takes it back and raises an error;
 * node:remove() and link:remove(); and what each part of the bindings
 * does when the topology changed under it: handles follow the map (a
 * removed one refuses every use), the fault layer grows or follows its
 * nodes (lfault_busy(): why a removal must wait, or NULL), the routing
 * watch and kept impairments follow too. */
struct topo_map;
int lapply_net(lua_State *L);
/* The running network at net made model t (compared by names, as
 * net:apply() does); leaves the lines of the difference. */
void lapply_model(lua_State *L, int net, const struct topo *t);
/* net:reset()'s part: the changes made to n since its test began undone
 * (lchange.c); lchange_before() notes the model before a change. */
void lchange_reset(lua_State *L, int net, struct lnet *n);
void lchange_before(lua_State *L, int net, struct lnet *n);
void lchange_added(lua_State *L, int net, struct lnet *n, uint32_t onodes,
		   uint32_t olinks);
int lchange_node_remove(lua_State *L);
int lchange_net_change(lua_State *L);
int lchange_link_mtu(lua_State *L);
/* What net:host() and net:link() call once they added to running n:
 * built now, or at the end of net:change(). */
void lchange_grew(lua_State *L, int net, struct lnet *n, uint32_t onodes,
		  uint32_t olinks);
/* Inside net:change(): the impairment options (the table at opts) of new
 * link l, applied once it is built. */
void lchange_defer_impair(lua_State *L, int opts, struct lnet *n,
			  uint32_t l);
int lchange_link_remove(lua_State *L);
void lhandle_remap(lua_State *L, int net, const struct topo_map *m);
void lhandle_truncate(lua_State *L, int net, uint32_t nnodes,
		      uint32_t nlinks);
const char *lfault_busy(lua_State *L, int net, struct lnet *n);
void lfault_resized(lua_State *L, int net, struct lnet *n,
		    const struct topo_map *m);
void lrouting_resized(struct lnet *n);
void limpair_remap(struct lnet *n, const uint32_t *link_map,
		   uint32_t nlinks);

/* Raises an error unless the network is running (lhandle.c). */
void lnet_need_running(lua_State *L, struct lnet *n);

/* Every network created in this state, in creation order (a table in the
 * registry); used by the runner to start, stop or detach them. */
void lnet_push_all(lua_State *L);

/* net:stats(), link:stats() and node:stats(), in lstats.c. */
int lstats_net(lua_State *L);
int lstats_link(lua_State *L);
int lstats_node(lua_State *L);

/* Link impairments (limpair.c): l:impair{} and l:impairments() added to
 * the link methods table at the top of the stack; the impairment options
 * of net:link() (the table at opts) for link l; applying those kept
 * before the start (0 or -errno with err; the caller rolls back). */
void limpair_open(lua_State *L);
/* The impairment options of net:link() and l:impair{}, as struct lopt
 * entries (lopts.h); "dup" and "corruption" are aliases
 * (impair_param_find()). */
#define LIMPAIR_OPTS                                                          \
	{ "delay", LOPT_DURATION }, { "jitter", LOPT_DURATION },              \
	{ "loss", LOPT_NUMBER | LOPT_STRING },                                \
	{ "corrupt", LOPT_NUMBER | LOPT_STRING },                             \
	{ "duplicate", LOPT_NUMBER | LOPT_STRING },                           \
	{ "reorder", LOPT_NUMBER | LOPT_STRING },                             \
	{ "rate", LOPT_NUMBER | LOPT_STRING },                                \
	{ "limit", LOPT_INTEGER | LOPT_STRING },                              \
	{ "seed", LOPT_INTEGER | LOPT_STRING },                               \
	{ "dup", LOPT_NUMBER | LOPT_STRING | LOPT_HIDDEN },                   \
	{ "corruption", LOPT_NUMBER | LOPT_STRING | LOPT_HIDDEN }
void limpair_link_opts(lua_State *L, int opts, struct lnet *n, uint32_t l);
int limpair_apply(struct lnet *n, struct err *err);
void limpair_free(struct lnet *n);
/* net:reset(): every link's impairments back to those it was built with,
 * their draws from the start. */
void limpair_reset(lua_State *L, struct lnet *n);
/* Sets the impairments of link l, direction from (0, 1; -1: both), to s:
 * at once when the network runs, else kept for its start.  Returns 0 or
 * -errno with err. */
struct impair_counts;
/* The settings of link l's direction leaving end side, and, running, what
 * it did: the kernel's when the network runs, else those kept. */
void limpair_get(struct lnet *n, uint32_t l, int side, struct impair_spec *s,
		 struct impair_counts *c);
int limpair_set(lua_State *L, struct lnet *n, uint32_t l, int from,
		const struct impair_spec *s, struct err *err);

/* link:capture{} and node:capture{} (lcapture.c); lcapture_push() opens
 * a capture of sp on the network at index net into file and pushes its
 * object (raises an error on failure); lcapture_stop_net() stops every
 * capture on n before n stops. */
struct capture_spec;
struct capture_opts;
int lcapture_link(lua_State *L);
int lcapture_node(lua_State *L);
void lcapture_push(lua_State *L, int net, const struct capture_spec *sp,
		   const char *file, const struct capture_opts *o);
void lcapture_stop_net(lua_State *L, struct lnet *n);

/* net:ping(a, b) and net:pingall{sample=N}, in lping.c. */
int lping_ping(lua_State *L);
int lping_pingall(lua_State *L);

/* ---- Scenarios: time, faults, probes, events and tests ------------------
 * (ltime.c, lcmd.c, lfault.c, lprobe.c, levent.c, ltest.c,
 * lib/test.lua; see
 * docs/scenarios.md). */

/* Each adds its functions to the module table on top of the stack. */
void ltime_open(lua_State *L);
void lfault_open(lua_State *L);
void lprobe_open(lua_State *L);
void levent_open(lua_State *L);
void ltest_open(lua_State *L);
void lrouting_open(lua_State *L);
void lexplore_open(lua_State *L);
/* Watches the routing daemons of running network n, once a second on the
 * loop, and logs "daemon_down" when a router's stop running (and
 * "daemon_up" when they all run again); lrouting_unwatch() stops it
 * (lnet_stop() does).  Nothing for a network without daemons. */
void lrouting_watch(lua_State *L, struct lnet *n);
void lrouting_unwatch(struct lnet *n);

/* A duration argument: seconds as a number, or "200ms", "5s", "2m",
 * "100us".  Raises an error for anything else or a negative value. */
double ltime_checkduration(lua_State *L, int idx);

/* Something a Lua call waits for on the event loop (a probe, a command, a
 * task).  Its owner sets done with ltime_done() from a watcher; cancel,
 * when set, stops what is waited for if the waiting task is cancelled. */
struct ltime_wait {
	bool done;
	void *task; /* internal: the task to wake */
	void (*cancel)(struct ltime_wait *w);
};

/* Waits for w: a lunet task yields (other tasks, probes and flaps go on)
 * and k(L, LUA_YIELD, ctx) runs when it is woken; any other caller runs
 * the loop until w is done, then calls k(L, LUA_OK, ctx).  Must be called
 * as "return ltime_wait(...)"; whatever the caller needs afterwards must
 * live on the Lua stack (a yield unwinds the C stack). */
int ltime_wait(lua_State *L, struct ltime_wait *w, lua_KContext ctx,
	       lua_KFunction k);
void ltime_done(struct ltime_wait *w);

/* node:cmd() (lcmd.c): runs argv in the namespace nspath without stopping
 * the event loop and returns (output, status) to Lua.  Used as "return
 * lcmd_run(...)". */
int lcmd_run(lua_State *L, const char *nspath, char **argv,
	     const char *node);

/* The state's event log (levent.c; made on first use, freed with the
 * state). */
struct events *levents_get(lua_State *L);

/* The seconds lunet.now() counts: since the state's event log began. */
double ltime_now(lua_State *L);

/* Appends an event to the run's log: kind, then "key:T", value pairs up to
 * a NULL key, T being s (const char *), i (long long), f (double) or b
 * (int).  Returns the event's sequence number. */
long long levent(lua_State *L, const char *kind, ...);
/* The same for the event table at idx (its "event" field the kind). */
long long levent_table(lua_State *L, int idx);

/* node:spawn() tells the fault layer what it started (node: the stack
 * index of the node handle), so that a failed node's processes can be
 * restarted and a reset can undo what a test started. */
void lfault_spawned(lua_State *L, int node, char **argv, pid_t pid);

/* link:up()/down() (link: the stack index of the link handle): the user's
 * own state of the link, which faults (failed nodes, partitions, flaps)
 * may hold down on top.  Raises an error when the kernel refuses. */
void lfault_link_admin(lua_State *L, int link, bool up);

#endif
