/*
 * What the console's own files share: the console, and the commands that
 * console_net.c implements for console.c's table.
 */
#ifndef LUNET_CONSOLE_INT_H
#define LUNET_CONSOLE_INT_H

#include <lua.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/console/console.h"

struct lnet;

struct console {
	lua_State *L;
	int ref;        /* registry reference to the network */
	struct lnet *n;
	FILE *out, *err; /* of the command running */
	/* Called with true before a command runs and false after: the
	 * server holds its other clients meanwhile (console_serve.c). */
	void (*hold)(void *arg, bool hold);
	void *hold_arg;
};

/* A command: argv[0] is its name, argv[1..argc-1] its words; rest is the
 * raw text after the name.  Returns an exit status or CONSOLE_RUN. */
typedef int console_fn(struct console *c, int argc, char **argv,
		       const char *rest, struct console_run *run);

/* An error of command cmd: "cmd: message" on the command's err.
 * Returns 1. */
int console_fail(struct console *c, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The node named name, or TOPO_NONE after saying so. */
uint32_t console_node(struct console *c, const char *cmd, const char *name);

/* Calls the function below the nargs arguments on top of the stack, with
 * a traceback; an error is said as cmd's and gives -1 (console_common.c,
 * like the two above). */
int console_pcall(struct console *c, const char *cmd, int nargs, int nres);

/* Calls the C function fn with the network and nargs more arguments (on
 * the stack) in protected mode, leaving nres results.  Returns 0, or -1
 * after printing the error as cmd's. */
int console_call(struct console *c, const char *cmd, lua_CFunction fn,
		 int nargs, int nres);

console_fn console_nodes, console_links, console_net, console_dump,
	console_intfs, console_ports, console_pingall, console_pingpair,
	console_ping, console_iperf, console_link, console_node_updown;

/* console_impair.c */
console_fn console_impair;

/* console_capture.c */
console_fn console_capture;

/* console_routing.c: vtysh, birdc, routes; and "NODE vtysh ..." as a
 * shell line that reaches the node's daemons (NULL: not such a line). */
console_fn console_vtysh, console_birdc, console_routes;
char *console_routing_argv(struct console *c, uint32_t node,
			   const char *rest);

/* console_graph.c */
console_fn console_graph;

/* console_change.c: add, remove, apply */
console_fn console_add, console_remove, console_apply;
/* console_stats.c */
console_fn console_stats;

/* Across machines: makes run (a node's command, or its shell) run on the
 * node's machine through its transport (console.c).  Returns 0 or -errno;
 * does nothing on one machine. */
int console_remote_wrap(struct console *c, uint32_t node,
			struct console_run *run);

#endif
