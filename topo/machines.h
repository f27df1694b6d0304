/*
 * machines: the machines one topology runs on, as "--machines" names
 * them.  Parsing only (pure): nothing here connects to a machine.
 *
 *   local:N                           N simulated machines, m1 to mN
 *   ssh://[user@]host[:port],...      machines m1 to mN in that order;
 *                                     name=ssh://... names one
 *   k8s:NAMESPACE/STATEFULSET[:N]     the pods STATEFULSET-0 to -(N-1),
 *                                     machines named after the pods
 */
#ifndef LUNET_TOPO_MACHINES_H
#define LUNET_TOPO_MACHINES_H

#include <stdint.h>

#include "topo/err.h"

#define TOPO_MACHINES_MAX 1024

enum topo_machines_kind {
	TOPO_MACHINES_LOCAL,
	TOPO_MACHINES_SSH,
	TOPO_MACHINES_K8S,
};

struct topo_machine {
	char *name;    /* "m1", the name given, or the pod's */
	char *user;    /* ssh: NULL for ssh's own default */
	char *host;    /* ssh: a name or an address, without [] */
	uint16_t port; /* ssh: 0 for ssh's own default */
};

/* Every string is owned; topo_machines_free() frees them. */
struct topo_machines {
	enum topo_machines_kind kind;
	struct topo_machine *v;
	uint32_t n; /* k8s without :N: 0, the replicas the cluster has */
	char *k8s_namespace, *k8s_set;
};

/* Parses spec into out.  Returns 0, or -EINVAL with err naming the part
 * of spec that is wrong and why; -ENOMEM. */
int topo_machines_parse(const char *spec, struct topo_machines *out,
			struct err *err);

void topo_machines_free(struct topo_machines *m);

#endif
