/*
 * Shared by the command files of the lunet CLI: tools/main.c holds main()
 * and the command table, tools/cli.c these helpers, and each command
 * lives in a tools/cmd_*.c of its own.
 */
#ifndef LUNET_CLI_H
#define LUNET_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A command: its name, what runs it, and its usage (arguments, then the
 * help text with its options). */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

/* main() hands the command table to the helpers, which print usage from
 * it; the table stays main's. */
void cli_commands(const struct cli_cmd *table, size_t n);
const struct cli_cmd *cli_find_cmd(const char *name);
/* The list of commands. */
void cli_usage(FILE *f);

extern bool cli_quiet;

/* --name and --topo, as cli_common_opts() found them (NULL: not given). */
extern const char *cli_name_opt;
extern const char *cli_topo_opt;
extern const char *cli_machines_opt;
/* --events FILE: the event log of the run, one JSON line an event, as it
 * goes (lunet replay reads it). */
extern const char *cli_events_opt; /* --machines SPEC */

/* Parses the options most commands share (--help, --quiet, --name,
 * --topo); exits on a bad one.  Returns the index of the first operand. */
int cli_common_opts(int argc, char **argv, const char *cmd);

/* Flags.  cli_getopt() is getopt_long() with lunet's messages: an unknown
 * option, or one without the value it needs, is "lunet CMD: unknown
 * option '--bogus'" and "Try 'lunet CMD --help'." on stderr, exit status
 * 1.  It returns what getopt_long() does otherwise. */
struct option;
int cli_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
	       const struct option *longopts);

/* For commands whose only options are --help and --quiet: parses them,
 * refuses more than max operands (-1: any) naming the first extra one,
 * and returns the index of the first operand. */
int cli_plain_opts(int argc, char **argv, const char *cmd, int max);

/* "lunet CMD: <message>" and the --help hint on stderr, exit status 1:
 * arguments CMD does not take. */
void cli_bad_args(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Build and teardown progress on the terminal (LUNET_PROGRESS=1: a line
 * per phase); cli_progress_clear() wipes the line before other output. */
void cli_progress_install(void);
void cli_progress_clear(void);

/* "lunet: <message>" on stderr; returns 1 (an exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints to stdout unless --quiet. */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Returns 0 when running as root, else prints why and returns 1. */
int cli_need_root(void);

/* Usage of command name on stdout, exit 0 (--help) / stderr, exit 1. */
void cli_help_exit(const char *name) __attribute__((noreturn));
void cli_usage_exit(const char *name) __attribute__((noreturn));

double cli_now(void);

/* What "lunet console" shares with the rest (tools/cmd_console.c). */
struct lua_State;
struct lnet;

/* Runs the topology file (or the --topo spec; NULL both: the default)
 * like "lunet run", with --name name, but hands the started network (NULL
 * when the file returned none) to use instead of checking it, then tears
 * everything down.  Returns use's status, or 1. */
int cli_run_file(const char *file, const char *topo, const char *name,
		 int (*use)(struct lua_State *L, struct lnet *n));

/* Pushes network n of L (found among every network of the state), or a
 * running one when n is NULL.  Returns false when there is none
 * (tools/daemon.c). */
bool cli_push_net(struct lua_State *L, struct lnet *n);

/* "lunet up": forks the daemon that owns network n from now on and
 * serves its control socket; returns 0 once it is serving (n is then
 * released here), or 1 after saying why. */
int cli_daemon(struct lua_State *L, struct lnet *n);

/* The commands, one file each (tools/cmd_NAME.c). */
int cmd_run(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_console(int argc, char **argv);

/* "lunet worker" (tools/cmd_worker.c): a machine's part, driven over
 * stdio by its coordinator. */
int cmd_worker(int argc, char **argv);

/* "lunet k8s manifests" (tools/cmd_k8s.c). */
int cmd_k8s(int argc, char **argv);

/* "lunet test" (tools/cmd_test.c). */
int cmd_test(int argc, char **argv);

/* "lunet explore" (tools/cmd_explore.c), "lunet replay"
 * (tools/cmd_replay.c). */
int cmd_explore(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* "lunet capture" (tools/cmd_capture.c). */
int cmd_capture(int argc, char **argv);

/* "lunet impair" (tools/cmd_impair.c). */
int cmd_impair(int argc, char **argv);

/* Runs one console command line in the process that owns emulation name,
 * through its control socket; its output goes to ours.  Returns its exit
 * status, or 1 after saying why it could not. */
int cli_ctl_line(const char *name, const char *line);
/* The same, its output into *text (malloc'd; the caller frees). */
int cli_ctl_line_text(const char *name, const char *line, char **text);
/* The same, printing nothing: the errors (the command's, or why it could
 * not run) into *errtext (malloc'd, or NULL; the caller frees both). */
int cli_ctl_capture(const char *name, const char *line, char **text,
		    char **errtext);

/* Makes directory path and its parents (0755); returns 0 or 1 after
 * saying why.  A seed for a run that was given none, from
 * /dev/urandom: 0 to 2^31 - 1. */
int cli_make_dir(const char *path);
long long cli_pick_seed(void);

/* "lunet apply" (tools/cmd_apply.c). */
int cmd_apply(int argc, char **argv);

/* "lunet plan" (tools/cmd_plan.c). */
int cmd_plan(int argc, char **argv);

/* "lunet graph" (tools/cmd_graph.c) and "lunet web" (tools/cmd_web.c). */
int cmd_graph(int argc, char **argv);
int cmd_web(int argc, char **argv);

/* "lunet stats" (tools/cmd_stats.c). */
int cmd_stats(int argc, char **argv);

#endif
