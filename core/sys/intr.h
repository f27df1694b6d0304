/*
 * intr: SIGINT, SIGTERM and SIGHUP become a flag that long operations
 * (a build, a command in a node, a Lua script) check, so that lunet stops
 * at a safe point and tears down what it built instead of dying halfway.
 */
#ifndef LUNET_INTR_H
#define LUNET_INTR_H

#include <signal.h>

struct err;

extern volatile sig_atomic_t intr_signal; /* the last signal caught, or 0 */

/* Installs the handlers (without SA_RESTART, so blocking calls return
 * EINTR).  Returns 0 or -errno. */
int intr_install(void);

/* 0 when no signal was caught, else -EINTR with "interrupted by signal N"
 * in err. */
int intr_check(struct err *err);

/* Restores default handling, for a child about to exec. */
void intr_reset(void);

#endif
