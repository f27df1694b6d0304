/*
 * console: the interactive console of a live network ("lunet console").
 *
 * console.c runs command lines (nodes, pingall, link s1 r1 down, lua ...)
 * against one running network of a Lua state and completes them; the
 * commands live in console_net.c, console_impair.c, console_capture.c and
 * console_stats.c, with what they share in console_common.c.  Two
 * front ends drive it: console_tty.c reads lines from the user (libedit on
 * a terminal, plain lines from a pipe), on the libev loop; console_serve.c
 * serves the same commands over the emulation's control socket (core/control/ctl)
 * to consoles attached from other processes, and is the body of the daemon
 * that "lunet up" leaves behind.
 *
 * Commands that need the user's terminal ("h1 ping h2", "sh top") are not
 * run here: console_exec() describes them in a struct console_run, and the
 * front end, which owns the terminal, runs them.
 */
#ifndef LUNET_CONSOLE_H
#define LUNET_CONSOLE_H

#include <lua.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/sys/netns.h"
#include "topo/err.h"

struct console;
struct console_server;

#define CONSOLE_PROMPT "lunet> "
#define CONSOLE_HISTORY ".lunet_history" /* in $HOME */
#define CONSOLE_RUN (-1) /* console_exec(): run is to be run */

/* A command for the user's terminal. */
struct console_run {
	char nspath[NETNS_PATHSIZ]; /* the node's namespace; "" the host's */
	char who[80];               /* "h1" or "sh", for messages */
	char *cmd;                  /* a shell command line (malloc'd), or
				     * NULL for an interactive shell */
};

/* A console on the running network at index net of L.  The console keeps
 * a reference to the network; L must outlive it.  Returns NULL when out
 * of memory. */
struct console *console_new(lua_State *L, int net);
void console_free(struct console *c);

/* The emulation's name. */
const char *console_name(const struct console *c);

/* Runs one command line, writing its output to out and its error
 * messages (one line each) to err.  Returns the command's exit status
 * (0: success), or CONSOLE_RUN with *run filled (free run->cmd) when the
 * command must run on the user's terminal. */
int console_exec(struct console *c, const char *line, FILE *out, FILE *err,
		 struct console_run *run);

/* The completions of the last word of line (the text up to the cursor):
 * a malloc'd array of n malloc'd strings (free with console_words_free()),
 * n = 0 when there are none.  *files is set when the word is a file name
 * (the front end completes those itself).  Returns 0 or -ENOMEM. */
int console_complete(struct console *c, const char *line, char ***words,
		     size_t *n, bool *files);
void console_words_free(char **words, size_t n);

/* Splits "time CMD" / "exit" / "quit" / "source FILE" off a line: these
 * are the front end's.  Returns the first word's length and sets *rest to
 * the text after it (spaces skipped). */
size_t console_first_word(const char *line, const char **start,
			  const char **rest);

/* Serves c's network on /run/lunet/<emu>/ctl, on the default libev loop,
 * until console_serve_stop().  Returns NULL with err set on failure. */
struct console_server *console_serve(struct console *c, struct err *err);
void console_serve_stop(struct console_server *s);

/* The body of the "lunet up" daemon: serves c until SIGTERM (SIGINT only
 * interrupts the command running for an attached console; SIGHUP is
 * ignored).  Writes "ok" to ready_fd once serving, or the error (then
 * returns 1 at once), and closes it.  The caller tears down. */
int console_daemon(struct console *c, int ready_fd);

/* The front end: reads commands from stdin until exit, quit or EOF and
 * runs them on the live console c (local) or through the control socket
 * of emulation name (attached; c is NULL).  On a terminal it shows a
 * prompt, edits lines with libedit, keeps the history in ~/.lunet_history
 * and completes with Tab; otherwise it only reads lines.  Returns the
 * exit status of the last command that failed, 0 if none did. */
int console_interact(struct console *c, const char *name);

/* Signals during a console: SIGINT, SIGTERM and SIGHUP both set
 * intr_signal, so that a running command (a Lua loop, a command in a
 * node) stops at its next safe point, and wake the loop, where cb is
 * called for them (one ev_signal each). */
struct console_sigs;
struct console_sigs *console_sigs_new(void (*cb)(int sig, void *arg),
				      void *arg);
/* Stops watching and puts back core/intr's handlers. */
void console_sigs_free(struct console_sigs *s);

#endif
