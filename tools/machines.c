/*
 * "lunet run/up --machines SPEC": the network a topology file returned,
 * placed (topo/place.c) and built across machines by core/cluster/, then
 * checked with a pingall between machines and torn down ("run"), or left
 * up ("up").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cluster/coord.h"
#include "core/cluster/sim.h"
#include "core/engine/neigh.h"
#include "core/routing/routing.h"
#include "tools/cli.h"
#include "topo/machines.h"
#include "topo/place.h"
#include "topo/routing.h"
#include "topo/topo.h"

static void say_machine(void *arg, const char *machine, const char *what)
{
	cli_progress_clear();
	cli_say("lunet: %s: %s\n", machine, what);
}

/* The machines of a parsed spec, as the coordinator reaches them. */
static struct cluster_machine *to_cluster(const struct topo_machines *ms)
{
	struct cluster_machine *m = calloc(ms->n ? ms->n : 1, sizeof(*m));
	uint32_t k;

	for (k = 0; m && k < ms->n; k++) {
		const struct topo_machine *s = &ms->v[k];

		snprintf(m[k].name, sizeof(m[k].name), "%s", s->name);
		switch (ms->kind) {
		case TOPO_MACHINES_LOCAL:
			m[k].kind = CLUSTER_LOCAL;
			snprintf(m[k].target, sizeof(m[k].target), "root@%u.%u.%u.%u",
				 SIM_NET >> 24, (SIM_NET >> 16) & 255,
				 ((SIM_NET + k + 1) >> 8) & 255,
				 (SIM_NET + k + 1) & 255);
			break;
		case TOPO_MACHINES_SSH:
			m[k].kind = CLUSTER_SSH;
			snprintf(m[k].target, sizeof(m[k].target), "%s%s%s",
				 s->user ? s->user : "", s->user ? "@" : "",
				 s->host);
			m[k].ssh_port = s->port;
			break;
		case TOPO_MACHINES_K8S:
			m[k].kind = CLUSTER_K8S;
			snprintf(m[k].target, sizeof(m[k].target), "%s/%s",
				 ms->k8s_namespace, s->name);
			break;
		}
	}
	return m;
}

/* Every host to every other, from the sources' machines. */
static int pingall(struct cluster *c, const struct topo *t)
{
	uint32_t *hosts, *src, *dst, nh = 0, i, j;
	size_t n = 0, k, shown = 0;
	struct timespec t0, t1;
	struct err err;
	int *ok, got;

	hosts = malloc((t->nnodes + 1) * sizeof(*hosts));
	for (i = 0; hosts && i < t->nnodes; i++)
		if (t->nodes[i].kind == TOPO_HOST && topo_node_ip(t, i))
			hosts[nh++] = i;
	src = malloc(((size_t)nh * nh + 1) * sizeof(*src));
	dst = malloc(((size_t)nh * nh + 1) * sizeof(*dst));
	ok = calloc((size_t)nh * nh + 1, sizeof(*ok));
	if (!hosts || !src || !dst || !ok) {
		free(hosts);
		free(src);
		free(dst);
		free(ok);
		return cli_fail("out of memory");
	}
	for (i = 0; i < nh; i++)
		for (j = 0; j < nh; j++)
			if (i != j) {
				src[n] = hosts[i];
				dst[n++] = topo_node_ip(t, hosts[j]);
			}
	err_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = cluster_ping(c, src, dst, n, ok, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Routing daemons need their sessions first: across machines the
	 * FIBs are not read (yet), so the pingall itself is tried again
	 * until every pair answers, 60 s at most. */
	while (got >= 0 && (size_t)got < n && topo_has_daemons(t) &&
	       (t1.tv_sec - t0.tv_sec) < 60) {
		struct timespec sec = { 1, 0 };

		nanosleep(&sec, NULL);
		got = cluster_ping(c, src, dst, n, ok, &err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (got >= 0 && (size_t)got == n)
			cli_say("lunet: %s: every pair reachable %.2f s after "
				"the build (routing)\n", t->name,
				(t1.tv_sec - t0.tv_sec) +
					(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (got < 0) {
		cli_fail("pingall: %s", err.msg);
	} else {
		cli_say("pingall: %d/%zu pairs reachable, %.0f%% loss (%.2f s)\n",
			got, n, n ? 100.0 * (n - got) / n : 0.0,
			(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		for (k = 0; k < n; k++) {
			char ip[IP_STRLEN];
			struct ip_prefix a = { dst[k], 32 };

			if (ok[k])
				continue;
			if (++shown > 20) {
				cli_say("  ... and %zu more\n",
					n - got - shown + 1);
				break;
			}
			cli_say("  %s -> %s: no reply\n",
				t->nodes[src[k]].name,
				ip_format(&a, false, ip));
		}
	}
	free(hosts);
	free(src);
	free(dst);
	free(ok);
	return got >= 0 && (size_t)got == n ? 0 : 1;
}

int cli_machines_run(struct topo *t, const char *spec, bool leave_up)
{
	struct topo_place_opts po = { 0 };
	struct cluster_opts co = { 0 };
	struct topo_machines ms = { 0 };
	struct cluster_machine *m = NULL;
	uint32_t *place = NULL;
	struct cluster *c;
	struct err err;
	double t0;
	int rc;

	err_clear(&err);
	rc = topo_machines_parse(spec, &ms, &err);
	if (rc)
		return cli_fail("--machines: %s", err.msg);
	if (!ms.n) {
		topo_machines_free(&ms);
		return cli_fail("--machines %s: give the number of pods "
				"(k8s:NAMESPACE/SET:N)", spec);
	}
	if (!t->planned && (rc = topo_plan(t, &err))) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	const char **names = calloc(ms.n, sizeof(*names));

	m = to_cluster(&ms);
	place = malloc((t->nnodes + 1) * sizeof(*place));
	if (!names || !m || !place) {
		free(names);
		rc = cli_fail("out of memory");
		goto out;
	}
	for (uint32_t k = 0; k < ms.n; k++)
		names[k] = ms.v[k].name;
	po.nmachines = ms.n;
	po.names = names;
	rc = topo_place(t, &po, place, NULL, &err);
	free(names);
	if (rc) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	/* The workers have not the user's files: configs go as text. */
	if ((rc = routing_config_read(t, &err))) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	co.machines = m;
	co.nmachines = ms.n;
	co.machine_of = place;
	co.spec = spec;
	co.progress = cli_quiet ? NULL : say_machine;
	t0 = cli_now();
	rc = cluster_up(t, &co, &c, &err);
	if (rc) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	cli_say("lunet: %s up on %u machines: %u nodes, %u links in %.2f s\n",
		t->name, ms.n, t->nnodes, t->nlinks, cli_now() - t0);
	/* Simulated machines share this machine's neighbour tables, whose
	 * thresholds only this namespace sees: raised here for them all
	 * (entries come with traffic, so after the build is in time). */
	if (ms.kind == TOPO_MACHINES_LOCAL && neigh_reserve(t, &err))
		cli_say("lunet: warning: %s\n", err.msg);
	if (leave_up) {
		rc = cluster_detach(c, &err) ? cli_fail("%s", err.msg) : 0;
		if (!rc)
			cli_say("lunet: %s is up; 'lunet down %s' removes it\n",
				t->name, t->name);
		goto out;
	}
	rc = pingall(c, t);
	t0 = cli_now();
	if (cluster_stop(c, &err))
		rc = cli_fail("%s", err.msg);
	neigh_release(NULL);
	cli_say("lunet: %s down in %.2f s\n", t->name, cli_now() - t0);
out:
	topo_machines_free(&ms);
	free(m);
	free(place);
	return rc;
}
