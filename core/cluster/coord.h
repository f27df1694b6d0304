/*
 * coord: the coordinator's side of an emulation across machines.
 *
 * The coordinator (the "lunet up" or "lunet run" the user ran) holds the
 * model and the placement; each machine runs "lunet worker" behind a
 * command whose standard input and output carry core/cluster/proto.h's
 * messages: ssh to the machine (ssh://), kubectl exec into a pod (k8s:),
 * or ssh to a simulated machine on this one (local:N, core/cluster/sim.h).
 * The worker builds its machine's part (core/engine's emu_part) from the
 * model it is sent, and owns it from then on.
 *
 * The coordinator records the emulation under its own /run/lunet/<name>:
 * the usual state (the whole model, so "lunet ls" and "exec" know it), and
 * "machines": how to reach each machine, and where each node went.  "lunet
 * down" and "lunet clean" read that to clean every machine.
 */
#ifndef LUNET_COORD_H
#define LUNET_COORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"

struct topo;

enum cluster_kind {
	CLUSTER_LOCAL, /* a simulated machine on this one */
	CLUSTER_SSH,   /* ssh [user@]host [-p port] */
	CLUSTER_K8S,   /* kubectl exec -i -n namespace pod */
};

struct cluster_machine {
	char name[64];
	enum cluster_kind kind;
	char target[256]; /* ssh: [user@]host; k8s: namespace/pod */
	uint16_t ssh_port; /* 0: ssh's default */
};

#define CLUSTER_PORT_DEFAULT 4789 /* VXLAN, IANA */

struct cluster_opts {
	const struct cluster_machine *machines;
	uint32_t nmachines;
	const uint32_t *machine_of; /* per node: index into machines */
	uint16_t port;              /* VXLAN UDP port; 0: the default */
	const char *spec;           /* as the user gave it, for the record */
	/* The lunet the workers run: NULL is this binary for local machines,
	 * "lunet" from PATH on the others. */
	const char *remote_lunet;
	/* Copy this binary to every machine first (to /var/tmp/lunet/) and
	 * run that there. */
	bool push;
	/* Called as each machine reports; may be NULL. */
	void (*progress)(void *arg, const char *machine, const char *what);
	void *arg;
};

struct cluster;

/* Builds planned topology t across the machines: records it, makes the
 * simulated machines if any, starts a worker on each, sends each its part,
 * and waits until every part is built.  Returns 0 with *out, or -errno
 * with err naming the machine and what it said; on failure everything is
 * removed again, on every machine. */
int cluster_up(struct topo *t, const struct cluster_opts *opts,
	       struct cluster **out, struct err *err);

/* Leaves every part running with no owner ("lunet up"), closes the
 * workers and frees c.  Returns 0 or -errno. */
int cluster_detach(struct cluster *c, struct err *err);

/* Tears every part down, then the simulated machines, and frees c. */
int cluster_stop(struct cluster *c, struct err *err);

/* Brings link l up or down on both of its machines. */
int cluster_link_set(struct cluster *c, uint32_t l, bool up,
		     struct err *err);

/* Probes n pairs (src node, destination address, host byte order) from
 * the sources' machines; ok[i] is set to 1 for a pair that got a reply.
 * Returns the number that did, or -errno. */
int cluster_ping(struct cluster *c, const uint32_t *src, const uint32_t *dst,
		 size_t n, int *ok, struct err *err);

/* Frees c without a word to its workers or a wait for its transports:
 * another process (the daemon of "lunet up", after fork()) holds them. */
void cluster_release(struct cluster *c);

/* Records this process as the owner (that daemon). */
void cluster_adopt(struct cluster *c);

/* Looks, without waiting, for workers that are gone (their machine or
 * connection died): each is marked, the emulation recorded as degraded
 * ("degraded" in its record says which), and its index put in gone (up
 * to max).  Returns how many were found now. */
int cluster_check(struct cluster *c, uint32_t *gone, uint32_t max);

/* The index of machine name, or -ENOENT. */
int cluster_machine_find(const struct cluster *c, const char *name);

/* Cuts (up false) or restores machine k's data plane, the underlay its
 * VXLAN links cross, leaving its worker's connection be: simulated
 * machines only (-EOPNOTSUPP for the others). */
int cluster_machine_set(struct cluster *c, uint32_t k, bool up,
			struct err *err);

uint32_t cluster_machines(const struct cluster *c);
/* The machine node was placed on (UINT32_MAX: no such node). */
uint32_t cluster_machine_of(const struct cluster *c, uint32_t node);
const char *cluster_machine_name(const struct cluster *c, uint32_t k);

/* Sends machine k's worker one request and waits for its reply, whose
 * payload *reply gets (malloc'd, NUL-terminated).  Returns 0 or -errno
 * with err set (a reply "error" is -EIO with its sentence). */
int cluster_request(struct cluster *c, uint32_t k, const char *verb,
		    const char *payload, size_t len, char **reply,
		    struct err *err);

/* The command that runs "lunet <args...>" on node's machine, as
 * cluster_remote_argv() but for a cluster this process holds; store and
 * nsbuf hold the strings.  Returns the argument count or -errno. */
int cluster_node_argv(const struct cluster *c, uint32_t node, bool tty,
		      char *const args[], char **argv, int max, char *store,
		      size_t size, const char **nspath, char *nsbuf,
		      size_t nslen);

/* The machines of a parsed --machines spec, as the coordinator reaches
 * them (calloc'd, ms->n of them), or NULL. */
struct topo_machines;
struct cluster_machine *cluster_machines_from(const struct topo_machines *ms);

/* Whether emulation name was built across machines (it has a machines
 * record). */
bool cluster_recorded(const char *name);

/* Tears down emulation name from its records alone, on every machine
 * ("lunet down", "lunet clean").  Returns 0 or -errno with err set. */
int cluster_destroy(const char *name, struct err *err);

/* Fills argv (up to max - 1 entries and a NULL) with the command that runs
 * "lunet <args...>" on the machine node (by name) of emulation name was
 * placed on, with a terminal when tty; *nspath is the namespace to run it
 * from (NULL: ours).  Strings point into a static buffer.  Returns the
 * argument count, or -ENOENT when the node is not in the record, or
 * -errno. */
int cluster_remote_argv(const char *name, const char *node, bool tty,
			char *const args[], char **argv, int max,
			const char **nspath, struct err *err);

#endif
