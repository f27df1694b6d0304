/*
 * What the coordinator's files share (coord.c: the workers and their
 * requests; record.c: the records, the transports' commands, the
 * teardown of every machine); private to core/cluster/.
 */
#ifndef LUNET_COORD_INT_H
#define LUNET_COORD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/cluster/coord.h"
#include "core/cluster/proto.h"
#include "core/cluster/sim.h"
#include "core/control/state.h"

struct worker {
	pid_t pid;        /* the transport (ssh, kubectl) */
	struct proto p;
	uint32_t addr;    /* its underlay address, from its hello */
	uint32_t mtu;     /* its underlay's MTU */
	bool gone;
};

struct cluster {
	struct topo *t;
	uint32_t n;
	struct cluster_machine *m;
	struct sim_machine *sim; /* local machines; NULL otherwise */
	uint32_t *machine_of;
	struct worker *w;
	uint16_t port;
	char dir[256];           /* /run/lunet/<name>/machines */
	char lunet[256];         /* what the workers run */
	const struct cluster_opts *opts;
	struct state_info info;
};

/* record.c */
/* "/run/lunet/<name>/machines.d", the record's own files. */
int record_dir(const char *name, char *buf, size_t len);
/* The machines' record of c, written again whole.  Returns 0 or -errno. */
int write_record(struct cluster *c);
/* The command of machine m's transport running "lunet <args>" there
 * (lunet NULL: args as they are), with a terminal when tty; *nspath is
 * where to run it from.  Strings live in store and nsbuf.  Returns the
 * argument count or -errno. */
int transport_argv(const struct cluster_machine *m, const char *dir,
		   const char *emu, const char *lunet, bool tty,
		   char *const args[], char **argv, int max, char *store,
		   size_t size, const char **nspath, char *nsbuf,
		   size_t nslen);

#endif
