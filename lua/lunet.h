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

struct topo;
struct emu;

struct lnet {
	struct topo *topo;
	struct emu *emu; /* NULL until started */
	double started;  /* seconds the last build took */
};

#define LNET_MT "lunet.network"
#define LNODE_MT "lunet.node"
#define LLINK_MT "lunet.link"
#define LNET_NAME "lunet.name" /* registry: name override */

/* Opens the module: sets the global "lunet" and package.loaded.lunet, and
 * runs the Lua library compiled into the binary.  Returns 0 or a Lua
 * error status (the message is on the stack). */
int lunet_open(lua_State *L);

/* Type checks and constructors shared by the binding files. */
struct lnet *lnet_check(lua_State *L, int idx);
void lnet_open(lua_State *L);
void lnode_open(lua_State *L);
void llink_open(lua_State *L);

/* Pushes the handle of node/link i of the network at index net. */
void lnode_push(lua_State *L, int net, uint32_t i);
void llink_push(lua_State *L, int net, uint32_t i);

/* Resolves a node argument (a handle or a name) of network n. */
uint32_t lnode_arg(lua_State *L, int idx, struct lnet *n);

/* The handle at idx: its index, and its network pushed on the stack. */
uint32_t lnode_check(lua_State *L, int idx, struct lnet **net);
uint32_t llink_check(lua_State *L, int idx, struct lnet **net);

/* Starts / stops network n; on failure raises a Lua error. */
void lnet_start(lua_State *L, struct lnet *n);
void lnet_stop(lua_State *L, struct lnet *n);

/* Raises an error unless the network is running. */
void lnet_need_running(lua_State *L, struct lnet *n);

/* Every network created in this state, in creation order (a table in the
 * registry); used by the runner to start, stop or detach them. */
void lnet_push_all(lua_State *L);

/* net:ping(a, b) and net:pingall{sample=N}, in lping.c. */
int lping_ping(lua_State *L);
int lping_pingall(lua_State *L);

#endif
