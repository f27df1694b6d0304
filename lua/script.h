/*
 * script: a Lua state with the lunet module, and running topology files in
 * it.  Every call into Lua is protected: a script error becomes a message
 * with file:line, never an abort, and SIGINT/SIGTERM stop a running script
 * at the next Lua instruction.
 */
#ifndef LUNET_SCRIPT_H
#define LUNET_SCRIPT_H

#include <lua.h>

#include "topo/err.h"

/* Returns a new state with the standard libraries and "lunet", or NULL
 * with err set. */
lua_State *script_new(struct err *err);

/* Closing the state tears down every network still running in it. */
void script_close(lua_State *L);

/* Loads and runs file (NULL: the built-in default topology), leaving its
 * first return value on the stack.  Returns 0 or -1 with the message in
 * err. */
int script_dofile(lua_State *L, const char *file, struct err *err);

/* Builds a generated topology from a Mininet-style spec, "fattree,k=4"
 * or "linear,100": calls lunet.topo.<name>{...} with the key=value pairs
 * (numbers when they look like numbers) and the positional values as
 * [1], [2], ...; leaves the network on the stack.  Returns 0 or -1 with
 * err set. */
int script_dotopo(lua_State *L, const char *spec, struct err *err);

/* The message handler of every protected call: the error as the user
 * should read it, with a traceback when LUNET_TRACE is set. */
int script_msgh(lua_State *L);

/* Calls method name of the object at index obj with no arguments,
 * protected; leaves one result on the stack.  Returns 0 or -1 with err. */
int script_method(lua_State *L, int obj, const char *name, struct err *err);

/* Calls lunet.<name>(value at idx), leaving one result.  Returns 0 or -1. */
int script_lib(lua_State *L, const char *name, int idx, struct err *err);

#endif
