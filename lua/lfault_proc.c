/*
 * The processes of the fault layer: what node:spawn() started, recorded so
 * that a failed node's processes can be stopped or killed and started
 * again when it recovers, and so that net:reset() can kill what a test
 * started and bring back what was running before.
 */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/engine/fault.h"
#include "core/sys/netns.h"
#include "core/routing/routing.h"
#include "core/sys/proc.h"
#include "core/control/state.h"
#include "lua/lfault_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"


static int open_log(struct lnet *n, uint32_t node)
{
	char file[200], path[300];

	snprintf(file, sizeof(file), "%s.log", lfault_node_name(n, node));
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
		       lfault_node_name(n, node), "pid:i", (long long)pid,
		       "cmd:s", argv[0], NULL);
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
	lfault_fstate_push(L, -1);
	lfault_push_field(L, -1, "procs");
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

	lfault_push_field(L, st, "procs");
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
int lfault_stop_procs(lua_State *L, struct lnet *n, int st, uint32_t i,
		      bool hard)
{
	char path[NETNS_PATHSIZ];
	struct fault_proc *procs;
	ino_t ino;
	int count, k;

	/* Across machines the node's processes are its machine's worker's
	 * to freeze or kill. */
	if (emu_remote(n->emu)) {
		struct err err;

		err_clear(&err);
		count = emu_node_fault(n->emu, i, hard ? "kill" : "stop", &err);
		if (count < 0)
			return luaL_error(L, "%s", err.msg);
		return count;
	}
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
	lfault_push_field(L, st, "frozen");
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

/* Starts again the routing daemons of node i if some are gone (killed by
 * node:fail{kill = true}, or dead), from the config they had; returns how
 * many were gone. */
static int restart_daemons(lua_State *L, struct lnet *n, uint32_t i)
{
	struct err err;
	int total, gone;

	err_clear(&err);
	gone = routing_node_restart(n->topo, i, &total, &err);
	if (gone < 0)
		luaL_error(L, "%s", err.msg);
	if (gone > 0)
		levent(L, "daemons_restart", "net:s", n->topo->name, "node:s",
		       n->topo->nodes[i].name, "daemons:i", (long long)total,
		       NULL);
	return gone;
}

/* Thaws what lfault_stop_procs() froze in node i, or starts again the
 * recorded processes of node i that are gone, and its routing daemons.
 * Returns how many. */
int lfault_restore_procs(lua_State *L, struct lnet *n, int st, uint32_t i)
{
	struct fault_proc p;
	lua_Integer k, len;
	int count = 0;

	if (emu_remote(n->emu)) {
		struct err err;

		err_clear(&err);
		count = emu_node_fault(n->emu, i, "recover", &err);
		if (count < 0)
			return luaL_error(L, "%s", err.msg);
		return count;
	}

	lfault_push_field(L, st, "frozen");
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

	lfault_push_field(L, st, "procs");
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
	return count + restart_daemons(L, n, i);
}

/* Kills the processes a test started, starts again the ones from before
 * the tests that are gone, thaws the frozen.  The state is at sti. */
void lfault_reset_procs(lua_State *L, struct lnet *n, int sti)
{
	struct fault_proc p;
	lua_Integer k, len, kept = 0;

	if (emu_remote(n->emu)) {
		struct err err;

		err_clear(&err);
		if (emu_node_fault(n->emu, 0, "reset", &err) < 0)
			luaL_error(L, "%s", err.msg);
		return;
	}
	lfault_push_field(L, sti, "procs");
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
	for (k = 0; k < (lua_Integer)n->topo->nnodes; k++)
		restart_daemons(L, n, (uint32_t)k);
}
