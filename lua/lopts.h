/*
 * Options tables (lopts.c).  Every binding that takes one checks it with
 * lopts_check() before reading it, so that a misspelt key or a value of
 * the wrong type is an error that names it instead of a setting silently
 * ignored.  The Lua library (lua/lib) checks its tables the same way,
 * with lunet._check_opts().
 */
#ifndef LUNET_LOPTS_H
#define LUNET_LOPTS_H

#include <lua.h>
#include <stdbool.h>

/* The types an option takes, or-ed together. */
enum {
	LOPT_STRING = 1 << 0,
	LOPT_INTEGER = 1 << 1, /* a number with an integral value */
	LOPT_NUMBER = 1 << 2,
	LOPT_BOOLEAN = 1 << 3,
	LOPT_NODE = 1 << 4, /* a node handle */
	LOPT_TABLE = 1 << 5,
	LOPT_FUNCTION = 1 << 6,
	LOPT_HIDDEN = 1 << 7, /* an alias: taken, not listed */
};

#define LOPT_DURATION (LOPT_NUMBER | LOPT_STRING) /* 1.5, "200ms" */

/* One option a call takes; arrays of them end with a NULL name. */
struct lopt {
	const char *name;
	int type;
};

/* Checks the options table at idx (none or nil: no options) against
 * known.  Raises "FILE:LINE: WHAT: unknown option 'k' (it takes: a, b)"
 * for a key not in known, "FILE:LINE: WHAT: option 'k' must be an
 * integer (got string)" for a value of the wrong type, and "FILE:LINE:
 * WHAT: options must be a table (got number)".  FILE:LINE is the Lua code
 * that called the binding; what is a lua_pushfstring() format, formatted
 * only for an error. */
void lopts_check(lua_State *L, int idx, const struct lopt *known,
		 const char *what, ...);

/* Option key of the table at idx (none or nil: no options), after
 * lopts_check(): def (NULL for a string) when it is absent.  A string
 * stays valid as long as the table holds it.  lopts.c depends on nothing
 * but Lua, so that the generators' unit test can link it. */
const char *lopts_string(lua_State *L, int idx, const char *key);
lua_Integer lopts_integer(lua_State *L, int idx, const char *key,
			  lua_Integer def);
lua_Number lopts_number(lua_State *L, int idx, const char *key,
			lua_Number def);
bool lopts_boolean(lua_State *L, int idx, const char *key, bool def);

/* Pushes where an error about the call at level (1: the Lua code that
 * called the running C function) is: "file:line: ", the first Lua line
 * above it when it is C (a pcall), "file: " for the topology file being
 * run when the call left no line (a tail call: "return f{...}"), or "". */
void lopts_where(lua_State *L, int level);

/* Adds _check_opts and _where to the module table on top of the stack. */
void lopts_open(lua_State *L);

#endif
