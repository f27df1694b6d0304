/*
 * Faults on a running network: node:fail()/recover(), net:partition()/
 * heal(), net:reset(), and the link state they share with link:up()/down()
 * and link:flap() (written in Lua, lua/test.lua).
 *
 * A link is down when its user set it down (link:down()) or when any fault
 * holds it: a failed node at either end, a partition that cuts it, the down
 * phase of a flap.  Faults count their holds, so they compose: recovering
 * one of two failed neighbours leaves the link between them down.  Each
 * change of a link, and each fault, is an event in the run's log.
 *
 * The bookkeeping of a network lives in a userdata kept in a weak registry
 * table keyed by the network, made when first needed for the emulation
 * the network runs; its user value holds what is easier as Lua tables: the
 * processes started with node:spawn(), the processes a failed node froze,
 * the partitions.
 */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/engine.h"
#include "core/fault.h"
#include "core/netns.h"
#include "core/proc.h"
#include "core/state.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define FSTATE_MT "lunet.faults"
#define FSTATES "lunet.faults.nets" /* registry: network -> state, weak */
#define IN_TEST "lunet.in_test"  /* registry: true while a test runs */
#define PARTITION_MT "lunet.partition"

enum { UP_NONE, FAIL_STOP, FAIL_KILL };

struct fstate {
	const struct emu *emu; /* the emulation this describes */
	double started;        /* and its build time: with emu, its identity */
	uint32_t nlinks, nnodes;
	uint8_t *manual;       /* per link: set down with link:down() */
	uint16_t *hold;        /* per link: faults holding it down */
	uint8_t *failed;       /* per node: UP_NONE, FAIL_STOP, FAIL_KILL */
	int partitions;        /* partitions made so far (their ids) */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fstate_gc(lua_State *L)
{
	struct fstate *st = lua_touserdata(L, 1);

	free(st->manual);
	free(st->hold);
	free(st->failed);
	st->manual = NULL;
	st->hold = NULL;
	st->failed = NULL;
	return 0;
}

/* Pushes the fault state of the running network at index net, making it
 * when the network has none yet for its current emulation. */
static struct fstate *fstate_push(lua_State *L, int net)
{
	struct lnet *n = lnet_check(L, net);
	struct fstate *st;

	net = lua_absindex(L, net);
	lnet_need_running(L, n);
	lua_getfield(L, LUA_REGISTRYINDEX, FSTATES);
	lua_pushvalue(L, net);
	if (lua_rawget(L, -2) == LUA_TUSERDATA) {
		st = lua_touserdata(L, -1);
		if (st->emu == n->emu && st->started == n->started) {
			lua_remove(L, -2);
			return st;
		}
	}
	lua_pop(L, 1);
	st = lua_newuserdatauv(L, sizeof(*st), 1);
	memset(st, 0, sizeof(*st));
	luaL_setmetatable(L, FSTATE_MT);
	st->emu = n->emu;
	st->started = n->started;
	st->nlinks = n->topo->nlinks;
	st->nnodes = n->topo->nnodes;
	st->manual = calloc(st->nlinks + 1, 1);
	st->hold = calloc(st->nlinks + 1, sizeof(*st->hold));
	st->failed = calloc(st->nnodes + 1, 1);
	if (!st->manual || !st->hold || !st->failed)
		luaL_error(L, "out of memory");
	lua_createtable(L, 0, 3);
	lua_newtable(L);
	lua_setfield(L, -2, "procs");
	lua_newtable(L);
	lua_setfield(L, -2, "frozen");
	lua_newtable(L);
	lua_setfield(L, -2, "partitions");
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, net);
	lua_pushvalue(L, -2);
	lua_rawset(L, -4);
	lua_remove(L, -2);
	return st;
}

/* Pushes field name of the user value of the fault state at idx. */
static void push_field(lua_State *L, int idx, const char *name)
{
	lua_getiuservalue(L, idx, 1);
	lua_getfield(L, -1, name);
	lua_remove(L, -2);
}

static const char *node_name(struct lnet *n, uint32_t i)
{
	return n->topo->nodes[i].name;
}

static const char *link_name(struct lnet *n, uint32_t l, char *buf,
			     size_t len)
{
	const struct topo *t = n->topo;

	snprintf(buf, len, "%s-%s",
		 t->nodes[t->ports[t->links[l].port[0]].node].name,
		 t->nodes[t->ports[t->links[l].port[1]].node].name);
	return buf;
}

/* ---- Links ---------------------------------------------------------------- */

static void log_links(lua_State *L, struct lnet *n, const uint32_t *links,
		      size_t count, bool down, const char *cause)
{
	char name[160];
	size_t i;

	for (i = 0; i < count; i++)
		levent(L, down ? "link_down" : "link_up", "net:s",
		       n->topo->name, "link:s",
		       link_name(n, links[i], name, sizeof(name)), "cause:s",
		       cause, NULL);
}

/* Puts the count links of links[] in the kernel in the state their user
 * and their faults want, all those going down together and then all those
 * going up. */
static void put_links(lua_State *L, struct lnet *n, struct fstate *st,
		      const uint32_t *links, size_t count, const char *cause)
{
	uint32_t *todo;
	size_t i, k;
	struct err err;
	int pass;

	todo = lua_newuserdatauv(L, (count + 1) * sizeof(*todo), 0);
	for (pass = 0; pass < 2; pass++) {
		bool down = pass == 0;

		for (i = k = 0; i < count; i++) {
			uint32_t l = links[i];
			bool want = st->manual[l] || st->hold[l] > 0;

			if (want == down && want == emu_link_is_up(n->emu, l))
				todo[k++] = l;
		}
		if (!k)
			continue;
		err_clear(&err);
		if (emu_links_set(n->emu, todo, k, !down, &err))
			luaL_error(L, "%s", err.msg);
		log_links(L, n, todo, k, down, cause);
	}
	lua_pop(L, 1);
}

static void hold(struct fstate *st, uint32_t l, int delta)
{
	if (delta > 0 && st->hold[l] < UINT16_MAX)
		st->hold[l]++;
	else if (delta < 0 && st->hold[l] > 0)
		st->hold[l]--;
}

void lfault_link_admin(lua_State *L, int link, bool up)
{
	struct lnet *n;
	uint32_t l = llink_check(L, link, &n);
	struct fstate *st;

	lua_getiuservalue(L, link, 1);
	st = fstate_push(L, -1);
	st->manual[l] = !up;
	put_links(L, n, st, &l, 1, "manual");
	lua_pop(L, 2);
}

/* lunet._hold(link, delta, cause): what link:flap() holds and lets go. */
static int l_hold(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	int delta = (int)luaL_checkinteger(L, 2);
	const char *cause = luaL_optstring(L, 3, "flap");
	struct fstate *st;

	lua_getiuservalue(L, 1, 1);
	st = fstate_push(L, -1);
	hold(st, l, delta);
	put_links(L, n, st, &l, 1, cause);
	return 0;
}

/* ---- Processes ------------------------------------------------------------ */

static int open_log(struct lnet *n, uint32_t node)
{
	char file[200], path[300];

	snprintf(file, sizeof(file), "%s.log", node_name(n, node));
	if (state_path(path, sizeof(path), n->topo->name, file))
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* Starts again the process recorded in the table on top (as node:spawn()
 * does) and records its new pid. */
static void respawn(lua_State *L, struct lnet *n)
{
	struct proc_opts o = { .new_session = 1 };
	char path[NETNS_PATHSIZ], **argv;
	uint32_t node;
	int i, argc;
	pid_t pid;

	lua_getfield(L, -1, "node");
	node = (uint32_t)lua_tointeger(L, -1);
	lua_getfield(L, -2, "argv");
	argc = (int)luaL_len(L, -1);
	argv = lua_newuserdatauv(L, (size_t)(argc + 1) * sizeof(*argv), 0);
	for (i = 0; i < argc; i++) {
		lua_rawgeti(L, -2, i + 1);
		argv[i] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1); /* the argv table keeps the string */
	}
	argv[argc] = NULL;
	emu_nspath(n->emu, node, path, sizeof(path));
	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.out = o.err = open_log(n, node);
	pid = argc ? proc_spawn(path, argv, &o) : -EINVAL;
	if (o.in >= 0)
		close(o.in);
	if (o.out >= 0)
		close(o.out);
	if (pid > 0)
		levent(L, "process_start", "net:s", n->topo->name, "node:s",
		       node_name(n, node), "pid:i", (long long)pid, "cmd:s",
		       argv[0], NULL);
	lua_pop(L, 3);
	lua_pushinteger(L, pid > 0 ? pid : 0);
	lua_setfield(L, -2, "pid");
	lua_pushinteger(L, pid > 0 ? (lua_Integer)proc_starttime(pid) : 0);
	lua_setfield(L, -2, "start");
}

/* The process recorded in the table on top. */
static struct fault_proc recorded(lua_State *L)
{
	struct fault_proc p;

	lua_getfield(L, -1, "pid");
	lua_getfield(L, -2, "start");
	p.pid = (pid_t)lua_tointeger(L, -2);
	p.start = (unsigned long long)lua_tointeger(L, -1);
	lua_pop(L, 2);
	return p;
}

void lfault_spawned(lua_State *L, int node, char **argv, pid_t pid)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, node, &n);
	int k;

	lua_getiuservalue(L, node, 1);
	fstate_push(L, -1);
	push_field(L, -1, "procs");
	lua_createtable(L, 0, 5);
	lua_pushinteger(L, i);
	lua_setfield(L, -2, "node");
	lua_newtable(L);
	for (k = 0; argv[k]; k++) {
		lua_pushstring(L, argv[k]);
		lua_rawseti(L, -2, k + 1);
	}
	lua_setfield(L, -2, "argv");
	lua_pushinteger(L, pid);
	lua_setfield(L, -2, "pid");
	lua_pushinteger(L, (lua_Integer)proc_starttime(pid));
	lua_setfield(L, -2, "start");
	lua_getfield(L, LUA_REGISTRYINDEX, IN_TEST);
	lua_setfield(L, -2, "in_test");
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	lua_pop(L, 3);
}

/* Signals the processes recorded by node:spawn() in node i: one started
 * a moment ago may not have entered the node's namespace yet, where the
 * scan would find it.  Adds those it stopped to the array on top. */
static int signal_spawned(lua_State *L, int st, uint32_t i, int sig,
			  int count)
{
	struct fault_proc p;
	lua_Integer k, len;

	push_field(L, st, "procs");
	len = (lua_Integer)luaL_len(L, -1);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, -1, k);
		lua_getfield(L, -1, "node");
		if (lua_tointeger(L, -1) != (lua_Integer)i) {
			lua_pop(L, 2);
			continue;
		}
		lua_pop(L, 1);
		p = recorded(L);
		lua_pop(L, 1);
		/* Stopping twice is harmless, and so is thawing twice. */
		if (!fault_signal(&p, 1, sig))
			continue;
		if (sig == SIGKILL) {
			waitpid(p.pid, NULL, 0); /* ours: no zombie left */
			continue;
		}
		lua_createtable(L, 0, 2);
		lua_pushinteger(L, p.pid);
		lua_setfield(L, -2, "pid");
		lua_pushinteger(L, (lua_Integer)p.start);
		lua_setfield(L, -2, "start");
		lua_rawseti(L, -3, ++count);
	}
	lua_pop(L, 1);
	return count;
}

/* Stops (SIGSTOP) or kills the processes of node i; the state is at st.
 * Returns how many, or -errno. */
static int stop_procs(lua_State *L, struct lnet *n, int st, uint32_t i,
		      bool hard)
{
	char path[NETNS_PATHSIZ];
	struct fault_proc *procs;
	ino_t ino;
	int count, k;

	emu_nspath(n->emu, i, path, sizeof(path));
	ino = netns_inode(path);
	if (hard) {
		lua_newtable(L);
		signal_spawned(L, st, i, SIGKILL, 0);
		lua_pop(L, 1);
		return proc_kill_netns(&ino, 1);
	}
	count = fault_signal_netns(ino, SIGSTOP, &procs);
	if (count < 0)
		return count;
	push_field(L, st, "frozen");
	lua_createtable(L, count, 0);
	for (k = 0; k < count; k++) {
		lua_createtable(L, 0, 2);
		lua_pushinteger(L, procs[k].pid);
		lua_setfield(L, -2, "pid");
		lua_pushinteger(L, (lua_Integer)procs[k].start);
		lua_setfield(L, -2, "start");
		lua_rawseti(L, -2, k + 1);
	}
	free(procs);
	count = signal_spawned(L, st, i, SIGSTOP, count);
	lua_rawseti(L, -2, i + 1);
	lua_pop(L, 1);
	return count;
}

/* Thaws what stop_procs() froze in node i, or starts again the recorded
 * processes of node i that are gone.  Returns how many. */
static int restore_procs(lua_State *L, struct lnet *n, int st, uint32_t i)
{
	struct fault_proc p;
	lua_Integer k, len;
	int count = 0;

	push_field(L, st, "frozen");
	if (lua_rawgeti(L, -1, i + 1) == LUA_TTABLE) {
		len = (lua_Integer)luaL_len(L, -1);
		for (k = 1; k <= len; k++) {
			lua_rawgeti(L, -1, k);
			p = recorded(L);
			count += (int)fault_signal(&p, 1, SIGCONT);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_rawseti(L, -2, i + 1);
	lua_pop(L, 1);

	push_field(L, st, "procs");
	len = (lua_Integer)luaL_len(L, -1);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, -1, k);
		lua_getfield(L, -1, "node");
		if (lua_tointeger(L, -1) == (lua_Integer)i) {
			lua_pop(L, 1);
			p = recorded(L);
			if (!fault_alive(&p)) {
				respawn(L, n);
				count++;
			}
		} else {
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return count;
}

/* ---- Nodes ---------------------------------------------------------------- */

static void node_links(lua_State *L, struct lnet *n, struct fstate *st,
		       uint32_t i, int delta)
{
	const struct topo_node *node = &n->topo->nodes[i];
	char cause[96];
	uint32_t *links, k;

	snprintf(cause, sizeof(cause), "node %s", node->name);
	links = lua_newuserdatauv(L, (node->nports + 1) * sizeof(*links), 0);
	for (k = 0; k < node->nports; k++) {
		links[k] = n->topo->ports[node->ports[k]].link;
		hold(st, links[k], delta);
	}
	put_links(L, n, st, links, node->nports, cause);
	lua_pop(L, 1);
}

/* node:fail([{kill = true}]) */
static int l_fail(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	struct fstate *st;
	bool hard = false;
	int procs;

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "kill");
		hard = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	lua_settop(L, 2);
	lua_getiuservalue(L, 1, 1);
	st = fstate_push(L, 3); /* at 4 */
	if (st->failed[i])
		return luaL_error(L, "node %s has failed already",
				  node_name(n, i));
	st->failed[i] = hard ? FAIL_KILL : FAIL_STOP;
	levent(L, "node_fail", "net:s", n->topo->name, "node:s",
	       node_name(n, i), "mode:s", hard ? "kill" : "stop", NULL);
	/* The processes first, so that none of them sees its links go. */
	procs = stop_procs(L, n, 4, i, hard);
	if (procs < 0)
		return luaL_error(L, "node %s: cannot stop its processes: %s",
				  node_name(n, i), strerror(-procs));
	node_links(L, n, st, i, +1);
	lua_pushinteger(L, procs);
	return 1;
}

static int recover(lua_State *L, struct lnet *n, int sti, struct fstate *st,
		   uint32_t i)
{
	int procs;

	node_links(L, n, st, i, -1);
	procs = restore_procs(L, n, sti, i);
	st->failed[i] = UP_NONE;
	levent(L, "node_recover", "net:s", n->topo->name, "node:s",
	       node_name(n, i), "processes:i", (long long)procs, NULL);
	return procs;
}

/* node:recover() */
static int l_recover(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);
	struct fstate *st;

	lua_settop(L, 1);
	lua_getiuservalue(L, 1, 1);
	st = fstate_push(L, 2); /* at 3 */
	if (!st->failed[i])
		return luaL_error(L, "node %s has not failed",
				  node_name(n, i));
	lua_pushinteger(L, recover(L, n, 3, st, i));
	return 1;
}

/* node.failed */
static int l_failed(lua_State *L)
{
	struct lnet *n;
	uint32_t i = lnode_check(L, 1, &n);

	lua_settop(L, 1);
	lua_getiuservalue(L, 1, 1);
	if (!n->emu) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_pushboolean(L, fstate_push(L, 2)->failed[i] != UP_NONE);
	return 1;
}

/* ---- Partitions ----------------------------------------------------------- */

/* Marks in side[] the nodes given at idx (a node, a name, or an array of
 * them) with mark; returns how many. */
static int mark_nodes(lua_State *L, struct lnet *n, int idx, uint8_t *side,
		      uint8_t mark)
{
	lua_Integer k, len;
	uint32_t i;
	int count = 0;

	if (!lua_istable(L, idx)) {
		i = lnode_arg(L, idx, n);
		count += !side[i];
		side[i] = mark;
		return count;
	}
	len = (lua_Integer)luaL_len(L, idx);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, idx, k);
		i = lnode_arg(L, lua_gettop(L), n);
		lua_pop(L, 1);
		if (side[i] && side[i] != mark)
			luaL_error(L, "partition: node %s is on both sides",
				   node_name(n, i));
		count += !side[i];
		side[i] = mark;
	}
	return count;
}

/* Adds delta to the holds of the links of the partition handle at h, and
 * puts them in their state. */
static void hold_listed(lua_State *L, struct lnet *n, struct fstate *st,
			int h, int delta, const char *cause)
{
	lua_Integer k, len;
	uint32_t *links;

	lua_getfield(L, h, "links");
	len = (lua_Integer)luaL_len(L, -1);
	links = lua_newuserdatauv(L, (size_t)(len + 1) * sizeof(*links), 0);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, -2, k);
		links[k - 1] = (uint32_t)lua_tointeger(L, -1);
		lua_pop(L, 1);
		hold(st, links[k - 1], delta);
	}
	put_links(L, n, st, links, (size_t)len, cause);
	lua_pop(L, 2);
}

/* net:partition(nodes [, others]): cuts every link between nodes and
 * others (everything else when others is nil). */
static int l_partition(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	const struct topo *t;
	struct fstate *st;
	uint8_t *side;
	char cause[32];
	uint32_t l, a, b;
	int id, cut = 0;

	lua_settop(L, 3);
	st = fstate_push(L, 1); /* at 4 */
	t = n->topo;
	side = lua_newuserdatauv(L, t->nnodes + 1, 0); /* at 5 */
	memset(side, 0, t->nnodes + 1);
	if (!mark_nodes(L, n, 2, side, 1))
		return luaL_error(L, "partition: no nodes given");
	if (!lua_isnil(L, 3) && !mark_nodes(L, n, 3, side, 2))
		return luaL_error(L, "partition: no nodes on the other side");
	id = ++st->partitions;
	snprintf(cause, sizeof(cause), "partition %d", id);

	lua_createtable(L, 0, 3); /* the handle, at 6 */
	luaL_setmetatable(L, PARTITION_MT);
	lua_pushvalue(L, 1);
	lua_setfield(L, -2, "net");
	lua_pushinteger(L, id);
	lua_setfield(L, -2, "id");
	lua_newtable(L); /* its links, at 7 */
	for (l = 0; l < t->nlinks; l++) {
		a = side[t->ports[t->links[l].port[0]].node];
		b = side[t->ports[t->links[l].port[1]].node];
		if (a == b || (lua_isnil(L, 3) ? !(a || b) : !(a && b)))
			continue;
		lua_pushinteger(L, l);
		lua_rawseti(L, 7, ++cut);
	}
	lua_setfield(L, 6, "links");
	lua_newtable(L);
	for (l = 0, a = 0; l < t->nnodes; l++) {
		if (side[l] != 1)
			continue;
		lua_pushstring(L, t->nodes[l].name);
		lua_rawseti(L, -2, ++a);
	}
	lua_setfield(L, 6, "nodes");
	push_field(L, 4, "partitions");
	lua_pushvalue(L, 6);
	lua_rawseti(L, -2, id);
	lua_pop(L, 1);

	levent(L, "partition", "net:s", t->name, "id:i", (long long)id,
	       "links:i", (long long)cut, NULL);
	hold_listed(L, n, st, 6, +1, cause);
	lua_settop(L, 6);
	return 1; /* the handle */
}

/* Heals the partition whose handle is on top; the state is at sti. */
static void heal_one(lua_State *L, struct lnet *n, int sti, struct fstate *st)
{
	lua_Integer id;
	char cause[32];

	lua_getfield(L, -1, "id");
	id = lua_tointeger(L, -1);
	lua_pop(L, 1);
	push_field(L, sti, "partitions");
	if (lua_rawgeti(L, -1, id) == LUA_TNIL) {
		lua_pop(L, 2);
		return; /* healed already */
	}
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_rawseti(L, -2, id);
	lua_pop(L, 1);
	snprintf(cause, sizeof(cause), "partition %d", (int)id);
	hold_listed(L, n, st, lua_gettop(L), -1, cause);
	levent(L, "heal", "net:s", n->topo->name, "id:i", (long long)id,
	       NULL);
}

static int heal_all(lua_State *L, struct lnet *n, int sti, struct fstate *st)
{
	int count = 0, id;

	for (id = 1; id <= st->partitions; id++) {
		push_field(L, sti, "partitions");
		if (lua_rawgeti(L, -1, id) == LUA_TTABLE) {
			heal_one(L, n, sti, st);
			count++;
		}
		lua_pop(L, 2);
	}
	return count;
}

/* net:heal([partition]): heals one partition, or all of them. */
static int l_heal(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	struct fstate *st;

	lua_settop(L, 2);
	st = fstate_push(L, 1); /* at 3 */
	if (lua_isnil(L, 2)) {
		lua_pushinteger(L, heal_all(L, n, 3, st));
		return 1;
	}
	if (!lua_getmetatable(L, 2) || (luaL_getmetatable(L, PARTITION_MT),
					 !lua_rawequal(L, -1, -2)))
		return luaL_argerror(L, 2, "partition expected");
	lua_settop(L, 3);
	lua_pushvalue(L, 2);
	heal_one(L, n, 3, st);
	lua_pushinteger(L, 1);
	return 1;
}

/* partition:heal() */
static int l_partition_heal(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_getfield(L, 1, "net");
	lua_getfield(L, 2, "heal");
	lua_insert(L, 1);
	lua_insert(L, 2);
	lua_call(L, 2, 1);
	return 1;
}

/* ---- Reset ------------------------------------------------------------------ */

/* Kills the processes a test started, starts again the ones from before
 * the tests that are gone, thaws the frozen.  The state is at sti. */
static void reset_procs(lua_State *L, struct lnet *n, int sti)
{
	struct fault_proc p;
	lua_Integer k, len, kept = 0;

	push_field(L, sti, "procs");
	lua_newtable(L);
	len = (lua_Integer)luaL_len(L, -2);
	for (k = 1; k <= len; k++) {
		lua_rawgeti(L, -2, k);
		p = recorded(L);
		lua_getfield(L, -1, "in_test");
		if (lua_toboolean(L, -1)) {
			if (fault_alive(&p)) {
				kill(p.pid, SIGKILL);
				waitpid(p.pid, NULL, 0);
			}
			lua_pop(L, 2);
			continue;
		}
		lua_pop(L, 1);
		if (!fault_alive(&p))
			respawn(L, n);
		else
			fault_signal(&p, 1, SIGCONT);
		lua_rawseti(L, -2, ++kept);
	}
	lua_getiuservalue(L, sti, 1);
	lua_insert(L, -2);
	lua_setfield(L, -2, "procs");
	lua_pop(L, 2);
}

/* net:reset(): the network as it was built, without building it again:
 * failed nodes recovered, partitions healed, flaps' and the user's link
 * downs lifted, the processes of tests killed and the others running.
 * Returns the seconds it took.  Tasks (flaps, probes) are the runner's to
 * cancel first. */
static int l_reset(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t i, l, *all, nfailed = 0, *failed;
	struct fstate *st;
	double t0 = now();
	int id;

	lua_settop(L, 1);
	st = fstate_push(L, 1); /* at 2 */
	/* Every fault lifted in the books first, then all the links in one
	 * pass (one batch per node, one wait for the ends to come up), then
	 * the processes, once their links are back. */
	failed = lua_newuserdatauv(L, (st->nnodes + 1) * sizeof(*failed), 0);
	for (i = 0; i < st->nnodes; i++)
		if (st->failed[i])
			failed[nfailed++] = i;
	memset(st->failed, 0, st->nnodes);
	for (id = 1; id <= st->partitions; id++) {
		push_field(L, 2, "partitions");
		if (lua_rawgeti(L, -1, id) == LUA_TTABLE)
			levent(L, "heal", "net:s", n->topo->name, "id:i",
			       (long long)id, NULL);
		lua_pop(L, 2);
	}
	lua_getiuservalue(L, 2, 1);
	lua_newtable(L);
	lua_setfield(L, -2, "partitions");
	lua_pop(L, 1);
	memset(st->manual, 0, st->nlinks);
	memset(st->hold, 0, st->nlinks * sizeof(*st->hold));
	all = lua_newuserdatauv(L, (st->nlinks + 1) * sizeof(*all), 0);
	for (l = 0; l < st->nlinks; l++)
		all[l] = l;
	put_links(L, n, st, all, st->nlinks, "reset");
	lua_pop(L, 1);
	for (i = 0; i < nfailed; i++)
		levent(L, "node_recover", "net:s", n->topo->name, "node:s",
		       node_name(n, failed[i]), "processes:i",
		       (long long)restore_procs(L, n, 2, failed[i]), NULL);
	reset_procs(L, n, 2);
	levent(L, "reset", "net:s", n->topo->name, "seconds:f", now() - t0,
	       NULL);
	lua_pushnumber(L, now() - t0);
	return 1;
}

/* lunet._in_test(on): processes started from now on belong to a test. */
static int l_in_test(lua_State *L)
{
	lua_pushboolean(L, lua_toboolean(L, 1));
	lua_setfield(L, LUA_REGISTRYINDEX, IN_TEST);
	return 0;
}

/* Adds fns to the methods of the type whose metatable is mt. */
static void extend(lua_State *L, const char *mt, const luaL_Reg *fns)
{
	luaL_getmetatable(L, mt);
	lua_getfield(L, -1, "__index");
	if (lua_getupvalue(L, -1, 1))
		luaL_setfuncs(L, fns, 0);
	lua_pop(L, 3);
}

void lfault_open(lua_State *L)
{
	static const luaL_Reg node_fns[] = {
		{ "fail", l_fail },
		{ "recover", l_recover },
		{ "is_failed", l_failed },
		{ NULL, NULL },
	};
	static const luaL_Reg net_fns[] = {
		{ "partition", l_partition },
		{ "heal", l_heal },
		{ "reset", l_reset },
		{ NULL, NULL },
	};
	static const luaL_Reg fns[] = {
		{ "_hold", l_hold },
		{ "_in_test", l_in_test },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, FSTATE_MT);
	lua_pushcfunction(L, fstate_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, PARTITION_MT);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, l_partition_heal);
	lua_setfield(L, -2, "heal");
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, FSTATES);

	extend(L, LNODE_MT, node_fns);
	extend(L, LNET_MT, net_fns);
	luaL_setfuncs(L, fns, 0);
}
