/*
 * Shared by the command files of the lunet CLI (tools/lunet.c holds main()
 * and the command table; a command may live in its own tools/cmd_*.c).
 */
#ifndef LUNET_CLI_H
#define LUNET_CLI_H

#include <stdbool.h>

extern bool cli_quiet;

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

#endif
