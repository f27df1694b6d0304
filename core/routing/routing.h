/*
 * routing: the routing daemons of an emulation's routers (FRR or BIRD),
 * each run inside its router's namespace with a config, run and log
 * directory of its own under the emulation's record,
 * /run/lunet/<emu>/routers/<node>/, so that nothing of the system's
 * /etc/frr or /etc/bird plays a part.
 *
 * The configs are written from the plan (routing_conf.h); the daemons are
 * found again by the namespace they live in, like every process lunet
 * starts, so teardown and "lunet clean" kill them with the rest; and a
 * router's FIB is read over netlink to tell when the protocols have
 * converged (topo/expect.c says what it should hold).
 */
#ifndef LUNET_ROUTING_H
#define LUNET_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo/err.h"
#include "topo/ip.h"

struct topo;

#define ROUTING_PATHSIZ 256

/* "/run/lunet/<emu>/routers/<node>" into buf.  Returns 0 or -ENAMETOOLONG. */
int routing_dir(const struct topo *t, uint32_t n, char *buf, size_t len);

/* Whether the programs daemon d of router n needs are installed; when not,
 * a sentence naming the Debian package.  Returns 0 or -ENOENT. */
int routing_check_installed(const struct topo *t, struct err *err);

/* Reads the config file of every router of t that names one into its
 * config_text, which the daemons then use instead of the file: done by
 * the machine that has the files, before the model goes to another
 * (topo/serial.h), which cannot read them.  Returns 0 or -errno with err
 * naming the router and the file. */
int routing_config_read(struct topo *t, struct err *err);

/* Starts the daemons of router n and loads its config; returns once they
 * answer.  0, or -errno with err naming the router and, for a config the
 * daemon refused, the daemon's own words.  May be called from several
 * threads at once for different routers. */
int routing_node_start(const struct topo *t, uint32_t n, struct err *err);

/* routing_node_start() in two steps, so that a build can start what
 * does not route yet on every router before any begins to route: spawn
 * writes the configs and starts FRR's zebra (every FRR daemon, empty,
 * when vtysh is to load a user's config) or BIRD with its config; load
 * starts the FRR daemons that read their own parts of the config, or has
 * vtysh load it.  Same returns. */
int routing_node_spawn(const struct topo *t, uint32_t n, struct err *err);
int routing_node_load(const struct topo *t, uint32_t n, struct err *err);

/* Kills the daemons of router n (SIGKILL; the namespace goes with the
 * router, so nothing is saved).  Returns how many were signalled. */
int routing_node_kill(const struct topo *t, uint32_t n);

/* Router n's config written again from the plan and given to its running
 * daemons (a change to the running network gave it new neighbours): FRR
 * applies the lines it lacks, BIRD reconfigures.  Returns 0 or -errno
 * with err naming the router. */
int routing_node_reload(const struct topo *t, uint32_t n, struct err *err);

/* How many of router n's daemons are alive, and how many it runs. */
int routing_node_alive(const struct topo *t, uint32_t n, int *total);

/* Starts router n's daemons again from their config when some are gone
 * (killed by a node failure, or dead), what is left of them killed first.
 * Returns how many were gone (0: all alive, or no daemons; *total: how
 * many it runs), or -errno with err set. */
int routing_node_restart(const struct topo *t, uint32_t n, int *total,
			 struct err *err);

/* The argv prefix that reaches router n's daemons with tool ("vtysh" or
 * "birdc"): written into argv (at least 6 slots, strings in buf) and
 * NULL-terminated.  Returns the count, or -EINVAL when n does not run the
 * daemon the tool speaks to. */
int routing_cli_argv(const struct topo *t, uint32_t n, const char *tool,
		     char **argv, char *buf, size_t len);

/* A prefix a routed router's FIB does not hold yet with a path that
 * forwards (or, when widths are checked, with another number of live
 * paths than the plan expects), or holds from a daemon when it should
 * not (want 0). */
struct routing_missing {
	uint32_t node;
	struct ip_prefix dst;
	uint32_t have, want; /* next hops: in the FIB, expected */
};

/* Reads router n's FIB (one netlink dump in its namespace) and appends
 * what differs from what it should hold (set, from topo_expect_build())
 * to *miss (grown with realloc; *nmiss entries, capacity *cap): the
 * prefixes it lacks, and those announced somewhere that it holds from a
 * daemon, with a path that forwards, but should not.  ecmp: the live paths must be as many as
 * expected.  Returns the number of routes in the FIB, or -errno. */
struct topo_expect_set;
int routing_fib_check(const struct topo *t, uint32_t n,
		      const struct topo_expect_set *set, bool ecmp,
		      struct routing_missing **miss, size_t *nmiss,
		      size_t *cap);

/* Reads router n's FIB into a table for people: "dst via gw dev ifname
 * proto P" lines, malloc'd in *out (the caller frees).  Returns 0 or
 * -errno. */
int routing_fib_format(const struct topo *t, uint32_t n, char **out);

#endif
