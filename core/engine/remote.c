/*
 * remote: the engine's side of an emulation whose nodes live on other
 * machines (--machines): the build handed to core/cluster/ (placement,
 * configs read, the coordinator's workers), and what the bindings ask of
 * a running emulation sent to the machines that hold the nodes: link
 * changes, pings, FIB checks, node failures, commands in nodes.  What
 * watches and shapes traffic (impairments, probes, counters, captures)
 * is in remote_obs.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cluster/coord.h"
#include "core/engine/engine_int.h"
#include "core/engine/neigh.h"
#include "core/routing/routing.h"
#include "core/sys/limits.h"
#include "topo/machines.h"
#include "topo/place.h"
#include "topo/topo.h"

static const char *machines_spec;
static uint16_t machines_port;
static bool machines_push;

void emu_machines_push(bool push)
{
	machines_push = push;
}

void emu_machines_default(const char *spec, uint16_t port)
{
	machines_spec = spec;
	machines_port = port;
}

bool emu_machines_set(void)
{
	return machines_spec != NULL;
}

bool emu_remote(const struct emu *e)
{
	return e->cluster != NULL;
}

int emu_remote_start(struct emu *e, struct err *err)
{
	struct topo *t = e->topo;
	struct topo_place_opts po = { 0 };
	struct cluster_opts co = { 0 };
	struct topo_machines ms = { 0 };
	struct cluster_machine *m = NULL;
	const char **names = NULL;
	uint32_t *place = NULL, k;
	int rc;

	rc = topo_machines_parse(machines_spec, &ms, err);
	if (rc)
		return rc;
	if (!ms.n) {
		rc = err_set(err, -EINVAL, "machines '%s': give the number of "
			     "pods (k8s:NAMESPACE/SET:N)", machines_spec);
		goto out;
	}
	names = calloc(ms.n, sizeof(*names));
	m = cluster_machines_from(&ms);
	place = malloc((t->nnodes + 1) * sizeof(*place));
	if (!names || !m || !place) {
		rc = err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < ms.n; k++)
		names[k] = ms.v[k].name;
	po.nmachines = ms.n;
	po.names = names;
	rc = topo_place(t, &po, place, NULL, err);
	/* The workers have not the user's files: configs go as text. */
	if (!rc)
		rc = routing_config_read(t, err);
	/* Simulated machines share this one: each worker checks its part,
	 * and this machine must hold them all. */
	if (!rc && ms.kind == TOPO_MACHINES_LOCAL)
		rc = limits_check(t, 0, err);
	if (rc)
		goto out;
	co.machines = m;
	co.nmachines = ms.n;
	co.machine_of = place;
	co.spec = machines_spec;
	co.port = machines_port;
	co.push = machines_push;
	if (e->opts.progress)
		e->opts.progress(e->opts.arg, EMU_PHASE_NAMESPACES, 0,
				 t->nnodes);
	rc = cluster_up(t, &co, &e->cluster, err);
	if (rc)
		goto out;
	/* Simulated machines share this machine's neighbour tables, whose
	 * thresholds only this namespace sees: raised here for them all
	 * (entries come with traffic, so after the build is in time). */
	if (ms.kind == TOPO_MACHINES_LOCAL)
		neigh_reserve(t, NULL);
out:
	topo_machines_free(&ms);
	free(names);
	free(m);
	free(place);
	return rc;
}

int emu_remote_stop(struct emu *e, struct err *err)
{
	int rc = cluster_stop(e->cluster, err);

	e->cluster = NULL;
	neigh_release(NULL);
	return rc;
}

/* Link changes, each sent to the machines of its two ends. */
int emu_remote_links_set(struct emu *e, const uint32_t *links, size_t n,
			 bool up, struct err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (links[i] >= e->topo->nlinks)
			return err_set(err, -ENOENT, "no link %u", links[i]);
		rc = cluster_link_set(e->cluster, links[i], up, err);
		if (rc)
			return rc;
		e->down[links[i]] = !up;
	}
	return 0;
}

int emu_ping(struct emu *e, const uint32_t *src, const uint32_t *dst,
	     size_t n, int *ok, struct err *err)
{
	if (!e->cluster)
		return err_set(err, -EINVAL, "not across machines");
	return cluster_ping(e->cluster, src, dst, n, ok, err);
}

/* One machine's answer to "fib": a line "NODE DST/PLEN HAVE WANT" per
 * route that differs, then "routers N". */
static int parse_fib(struct emu *e, const char *s, struct routing_missing **miss,
		     size_t *nmiss, size_t *cap, uint32_t *routers)
{
	char node[128], dst[64];
	unsigned have, want, r;
	const char *p = s;

	while (*p) {
		if (sscanf(p, "routers %u", &r) == 1) {
			*routers += r;
		} else if (sscanf(p, "%127s %63s %u %u", node, dst, &have,
				  &want) == 4) {
			struct routing_missing x = { .have = have,
						     .want = want };

			x.node = topo_node_find(e->topo, node);
			if (x.node == TOPO_NONE || ip_parse(dst, 32, &x.dst))
				return -EPROTO;
			if (*nmiss == *cap) {
				struct routing_missing *nm;

				*cap = *cap ? 2 * *cap : 64;
				nm = realloc(*miss, *cap * sizeof(*nm));
				if (!nm)
					return -ENOMEM;
				*miss = nm;
			}
			(*miss)[(*nmiss)++] = x;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

int emu_fib_missing(struct emu *e, const unsigned char *down, bool ecmp,
		    struct routing_missing **miss, size_t *nmiss,
		    uint32_t *routers, struct err *err)
{
	char *msg = NULL, *reply;
	size_t len = 0, cap = 0;
	uint32_t k, l;
	FILE *f;
	int rc = 0;

	*routers = 0;
	f = open_memstream(&msg, &len);
	if (!f)
		return err_set(err, -ENOMEM, "out of memory");
	fprintf(f, "ecmp %d\ndown", ecmp);
	for (l = 0; l < e->topo->nlinks; l++)
		if (down[l])
			fprintf(f, " %u", l);
	fputc('\n', f);
	fclose(f);
	for (k = 0; k < cluster_machines(e->cluster) && !rc; k++) {
		rc = cluster_request(e->cluster, k, "fib", msg, len, &reply,
				     err);
		if (rc)
			break;
		rc = parse_fib(e, reply, miss, nmiss, &cap, routers);
		if (rc)
			err_set(err, rc, "machine %s: a FIB reply lunet cannot "
				"read", cluster_machine_name(e->cluster, k));
		free(reply);
	}
	free(msg);
	return rc;
}

int emu_node_command(const struct emu *e, uint32_t node, char *const cmd[],
		     bool tty, struct emu_command *c)
{
	char *args[EMU_COMMAND_ARGS];
	int n, k;

	if (!e->cluster) {
		for (k = 0; cmd[k] && k < EMU_COMMAND_ARGS - 1; k++)
			c->argv[k] = cmd[k];
		if (cmd[k])
			return -E2BIG;
		c->argv[k] = NULL;
		c->nspath = c->ns;
		return emu_nspath(e, node, c->ns, sizeof(c->ns));
	}
	/* "lunet exec NAME NODE cmd..." on the node's machine. */
	args[0] = "exec";
	args[1] = e->topo->name;
	args[2] = e->topo->nodes[node].name;
	for (k = 0; cmd[k]; k++) {
		if (k + 3 >= EMU_COMMAND_ARGS - 1)
			return -E2BIG;
		args[k + 3] = cmd[k];
	}
	args[k + 3] = NULL;
	n = cluster_node_argv(e->cluster, node, tty, args, c->argv,
			      EMU_COMMAND_ARGS, c->store, sizeof(c->store),
			      &c->nspath, c->ns, sizeof(c->ns));
	return n < 0 ? n : 0;
}

int emu_node_ask(struct emu *e, uint32_t node, const char *what, char **text,
		 struct err *err)
{
	char msg[32];
	int n;

	if (!e->cluster)
		return err_set(err, -EINVAL, "not across machines");
	n = snprintf(msg, sizeof(msg), "%u", node);
	return cluster_request(e->cluster, cluster_machine_of(e->cluster, node),
			       what, msg, n, text, err);
}

int emu_daemons_alive(struct emu *e, uint32_t node, int *total)
{
	char *text = NULL;
	int alive = 0;

	*total = 0;
	if (!e || !e->cluster)
		return routing_node_alive(e ? e->topo : NULL, node, total);
	if (!emu_node_ask(e, node, "daemons", &text, NULL))
		sscanf(text, "%d %d", &alive, total);
	free(text);
	return alive;
}

int emu_node_fault(struct emu *e, uint32_t node, const char *what,
		   struct err *err)
{
	char msg[48], *text = NULL;
	int n, count = 0;
	uint32_t k;

	if (!e->cluster)
		return err_set(err, -EINVAL, "not across machines");
	if (!strcmp(what, "reset")) {
		for (k = 0; k < cluster_machines(e->cluster); k++) {
			if (cluster_request(e->cluster, k, "reset", "", 0,
					    &text, err))
				return -EIO;
			count += atoi(text);
			free(text);
		}
		return count;
	}
	n = snprintf(msg, sizeof(msg), "%u %s", node,
		     !strcmp(what, "kill") ? "kill" : "stop");
	if (cluster_request(e->cluster, cluster_machine_of(e->cluster, node),
			    !strcmp(what, "recover") ? "recover" : "fail", msg,
			    n, &text, err))
		return -EIO;
	count = atoi(text);
	free(text);
	return count;
}

int emu_remote_check(struct emu *e, const char **names, int max)
{
	uint32_t gone[16];
	int n, k;

	if (!e->cluster)
		return 0;
	n = cluster_check(e->cluster, gone, max < 16 ? max : 16);
	for (k = 0; k < n; k++)
		names[k] = cluster_machine_name(e->cluster, gone[k]);
	return n;
}

int emu_machine_set(struct emu *e, const char *name, bool up,
		    struct err *err)
{
	uint32_t *cut, n = 0, l, k;
	int m, rc;

	if (!e->cluster)
		return err_set(err, -EINVAL, "network '%s' runs on this machine "
			       "alone: it has no machine '%s'", e->topo->name,
			       name);
	m = cluster_machine_find(e->cluster, name);
	if (m < 0)
		return err_set(err, -ENOENT, "network '%s' has no machine '%s'",
			       e->topo->name, name);
	rc = cluster_machine_set(e->cluster, (uint32_t)m, up, err);
	if (rc != -EOPNOTSUPP)
		return rc;
	/* A real machine's underlay is not ours to cut: its links to the
	 * other machines go down instead, at both ends. */
	cut = malloc((e->topo->nlinks + 1) * sizeof(*cut));
	if (!cut)
		return err_set(err, -ENOMEM, "out of memory");
	for (l = 0; l < e->topo->nlinks; l++) {
		uint32_t a = cluster_machine_of(e->cluster,
						topo_link_node(e->topo, l, 0));
		uint32_t b = cluster_machine_of(e->cluster,
						topo_link_node(e->topo, l, 1));

		k = (uint32_t)m;
		if (a != b && (a == k || b == k))
			cut[n++] = l;
	}
	rc = emu_remote_links_set(e, cut, n, up, err);
	free(cut);
	return rc;
}

int emu_node_spawn(struct emu *e, uint32_t node, char *const argv[],
		   struct err *err)
{
	char *msg = NULL, *reply;
	size_t len = 0;
	FILE *f;
	int rc, pid, k;

	f = open_memstream(&msg, &len);
	if (!f)
		return err_set(err, -ENOMEM, "out of memory");
	fprintf(f, "%u\n", node);
	for (k = 0; argv[k]; k++) {
		fputs(argv[k], f);
		fputc(0, f);
	}
	fclose(f);
	rc = cluster_request(e->cluster, cluster_machine_of(e->cluster, node),
			     "spawn", msg, len, &reply, err);
	free(msg);
	if (rc)
		return rc;
	pid = atoi(reply);
	free(reply);
	return pid > 0 ? pid : err_set(err, -EPROTO, "spawn: no pid");
}

int emu_daemons_all(struct emu *e, int *alive, int *total, struct err *err)
{
	char *reply, *q;
	uint32_t k;
	unsigned node;
	int a, t, rc;

	for (k = 0; k < cluster_machines(e->cluster); k++) {
		rc = cluster_request(e->cluster, k, "daemons_all", "", 0,
				     &reply, err);
		if (rc)
			return rc;
		for (q = reply; *q;) {
			if (sscanf(q, "%u %d %d", &node, &a, &t) == 3 &&
			    node < e->topo->nnodes) {
				alive[node] = a;
				total[node] = t;
			}
			q = strchr(q, '\n');
			if (!q)
				break;
			q++;
		}
		free(reply);
	}
	return 0;
}
