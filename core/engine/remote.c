/*
 * remote: the engine's side of an emulation whose nodes live on other
 * machines (--machines): the build handed to core/cluster/ (placement,
 * configs read, the coordinator's workers), and what the bindings ask of
 * a running emulation sent to the machines that hold the nodes: link
 * changes, pings, FIB checks, commands in nodes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cluster/coord.h"
#include "core/engine/engine_int.h"
#include "core/engine/neigh.h"
#include "core/impair/impair.h"
#include "core/observe/stats.h"
#include "core/observe/stream.h"
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

int emu_impair_encode(const struct impair_spec *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu64 " %" PRIu64 " %a %a %a %a %"
			 PRIu64 " %u %" PRIu64 " %d", s->delay_ns,
			 s->jitter_ns, s->loss, s->corrupt, s->dup,
			 s->reorder, s->rate, s->limit, s->seed, s->seeded);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int emu_impair_decode(const char *text, struct impair_spec *s)
{
	int seeded;

	memset(s, 0, sizeof(*s));
	if (sscanf(text, "%" SCNu64 " %" SCNu64 " %la %la %la %la %" SCNu64
		   " %u %" SCNu64 " %d", &s->delay_ns, &s->jitter_ns, &s->loss,
		   &s->corrupt, &s->dup, &s->reorder, &s->rate, &s->limit,
		   &s->seed, &seeded) != 10)
		return -EPROTO;
	s->seeded = seeded;
	return 0;
}

int emu_remote_impair(struct emu *e, uint32_t link, int from,
		      const struct impair_spec *s, struct err *err)
{
	char msg[256], *reply;
	uint32_t side;
	int n, rc;

	if (link >= e->topo->nlinks)
		return err_set(err, -EINVAL, "no link %u", link);
	for (side = 0; side < 2; side++) {
		if (from >= 0 && (uint32_t)from != side)
			continue;
		n = snprintf(msg, sizeof(msg), "%u %u ", link, side);
		rc = emu_impair_encode(s, msg + n, sizeof(msg) - n);
		if (rc < 0)
			return err_set(err, rc, "impairment too long");
		rc = cluster_request(e->cluster,
				     cluster_machine_of(e->cluster,
							topo_link_node(e->topo,
								       link,
								       side)),
				     "impair", msg, n + rc, &reply, err);
		if (rc)
			return rc;
		free(reply);
	}
	return 0;
}

int emu_remote_impair_get(struct emu *e, uint32_t link, int side,
			  struct impair_spec *s, struct impair_counts *c)
{
	char msg[32], *reply = NULL, *counts;
	int n, rc;

	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	if (link >= e->topo->nlinks || side < 0 || side > 1)
		return -EINVAL;
	n = snprintf(msg, sizeof(msg), "%u %d", link, side);
	rc = cluster_request(e->cluster,
			     cluster_machine_of(e->cluster,
						topo_link_node(e->topo, link,
							       side)),
			     "impair_get", msg, n, &reply, NULL);
	if (rc)
		return rc;
	/* The spec's line, then the counts'. */
	counts = strchr(reply, '\n');
	rc = emu_impair_decode(reply, s);
	if (!rc && (!counts ||
		    sscanf(counts + 1, "%" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64, &c->seen, &c->lost, &c->corrupted,
			   &c->duplicated, &c->delayed, &c->held,
			   &c->reordered, &c->overflow) != 8))
		rc = -EPROTO;
	free(reply);
	return rc;
}

struct emu_probe {
	uint32_t nm;
	unsigned *id;      /* per machine: its stream's id, 0: none */
	uint32_t *machine; /* per flow */
	size_t n;
	bool *done;        /* per machine */
};

void emu_probe_free(struct emu_probe *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->machine);
	free(p->done);
	free(p);
}

int emu_probe_start(struct emu *e, const struct stream_opts *o,
		    const uint32_t *src, const uint32_t *dst, size_t n,
		    struct emu_probe **out, struct err *err)
{
	struct emu_probe *p = calloc(1, sizeof(*p));
	uint32_t k, nm = cluster_machines(e->cluster);
	char *msg = NULL, *reply;
	size_t len = 0, i;
	FILE *f;
	int rc = 0;

	if (!p)
		return err_set(err, -ENOMEM, "out of memory");
	p->nm = nm;
	p->n = n;
	p->id = calloc(nm, sizeof(*p->id));
	p->done = calloc(nm, sizeof(*p->done));
	p->machine = malloc((n + 1) * sizeof(*p->machine));
	if (!p->id || !p->done || !p->machine) {
		emu_probe_free(p);
		return err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		p->machine[i] = cluster_machine_of(e->cluster, src[i]);
	/* Each source machine runs its flows, all machines at once. */
	for (k = 0; k < nm && !rc; k++) {
		bool any = false;

		f = open_memstream(&msg, &len);
		if (!f) {
			rc = err_set(err, -ENOMEM, "out of memory");
			break;
		}
		fprintf(f, "%d %a %a %a\n", o->proto == STREAM_UDP, o->rate,
			o->duration, o->timeout);
		for (i = 0; i < n; i++)
			if (p->machine[i] == k) {
				fprintf(f, "%u %u\n", src[i], dst[i]);
				any = true;
			}
		fclose(f);
		if (any) {
			rc = cluster_request(e->cluster, k, "probe", msg, len,
					     &reply, err);
			if (!rc) {
				p->id[k] = (unsigned)strtoul(reply, NULL, 10);
				free(reply);
			}
		} else {
			p->done[k] = true;
		}
		free(msg);
		msg = NULL;
	}
	if (rc) {
		emu_probe_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int emu_probe_poll(struct emu *e, struct emu_probe *p,
		   struct stream_result *res, struct err *err)
{
	char msg[32], *reply, *q;
	uint32_t k;
	size_t i;
	int rc, all = 1;

	for (k = 0; k < p->nm; k++) {
		if (p->done[k])
			continue;
		snprintf(msg, sizeof(msg), "%u", p->id[k]);
		rc = cluster_request(e->cluster, k, "probe_result", msg,
				     strlen(msg), &reply, err);
		if (rc)
			return rc;
		if (!strcmp(reply, "pending")) {
			free(reply);
			all = 0;
			continue;
		}
		/* The machine's flows, in the order given. */
		q = reply;
		for (i = 0; i < p->n; i++) {
			struct stream_result *r = &res[i];

			if (p->machine[i] != k)
				continue;
			if (sscanf(q, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %"
				   SCNu64 " %" SCNu64 " %la %la %la %la %la %"
				   SCNu64, &r->sent, &r->received, &r->late,
				   &r->errors, &r->skipped, &r->loss,
				   &r->rtt_min, &r->rtt_avg, &r->rtt_max,
				   &r->outage, &r->outages) != 11) {
				free(reply);
				return err_set(err, -EPROTO, "machine %s: a "
					       "probe result lunet cannot read",
					       cluster_machine_name(e->cluster,
								    k));
			}
			q = strchr(q, '\n');
			q = q ? q + 1 : "";
		}
		free(reply);
		p->done[k] = true;
	}
	return all;
}

int emu_stats(struct emu *e, uint32_t node, struct stats_if *ends,
	      struct err *err)
{
	char msg[32], *reply, *q;
	uint32_t k, nm = cluster_machines(e->cluster);
	unsigned long end;
	int rc = 0;

	snprintf(msg, sizeof(msg), "%d", node == TOPO_NONE ? -1 : (int)node);
	for (k = 0; k < nm && !rc; k++) {
		if (node != TOPO_NONE &&
		    cluster_machine_of(e->cluster, node) != k)
			continue;
		rc = cluster_request(e->cluster, k, "stats", msg, strlen(msg),
				     &reply, err);
		if (rc)
			break;
		/* "END rx_packets tx_packets rx_bytes tx_bytes rx_errors
		 * tx_errors rx_dropped tx_dropped" per end. */
		for (q = reply; *q;) {
			struct stats_if x;

			if (sscanf(q, "%lu %" SCNu64 " %" SCNu64 " %" SCNu64
				   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %"
				   SCNu64 " %" SCNu64, &end, &x.rx_packets,
				   &x.tx_packets, &x.rx_bytes, &x.tx_bytes,
				   &x.rx_errors, &x.tx_errors, &x.rx_dropped,
				   &x.tx_dropped) == 9 &&
			    end < 2 * (unsigned long)e->topo->nlinks)
				ends[end] = x;
			q = strchr(q, '\n');
			if (!q)
				break;
			q++;
		}
		free(reply);
	}
	return rc;
}

struct emu_rcapture {
	uint32_t nm;
	unsigned *id;     /* per machine: its capture, 0: none */
	uint32_t *machine; /* per target */
	size_t n;
};

void emu_capture_free(struct emu_rcapture *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->machine);
	free(c);
}

int emu_capture_start(struct emu *e, const struct emu_capture_target *tg,
		      size_t n, const char *filter, int snaplen,
		      uint64_t count, struct emu_rcapture **out,
		      struct err *err)
{
	struct emu_rcapture *c = calloc(1, sizeof(*c));
	uint32_t k, nm = cluster_machines(e->cluster);
	char *msg = NULL, *reply;
	size_t len = 0, i;
	FILE *f;
	int rc = 0;

	if (!c)
		return err_set(err, -ENOMEM, "out of memory");
	c->nm = nm;
	c->n = n;
	c->id = calloc(nm, sizeof(*c->id));
	c->machine = malloc((n + 1) * sizeof(*c->machine));
	if (!c->id || !c->machine) {
		emu_capture_free(c);
		return err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		c->machine[i] = cluster_machine_of(e->cluster, tg[i].node);
	for (k = 0; k < nm && !rc; k++) {
		bool any = false;

		f = open_memstream(&msg, &len);
		if (!f) {
			rc = err_set(err, -ENOMEM, "out of memory");
			break;
		}
		/* "SNAPLEN COUNT", the filter's line, a target a line. */
		fprintf(f, "%d %" PRIu64 "\n%s\n", snaplen, count,
			filter ? filter : "");
		for (i = 0; i < n; i++)
			if (c->machine[i] == k) {
				fprintf(f, "%u %s %d\n", tg[i].node,
					tg[i].ifname, tg[i].out_only);
				any = true;
			}
		fclose(f);
		if (any && strchr(filter ? filter : "", '\n'))
			rc = err_set(err, -EINVAL, "a filter on one line");
		else if (any) {
			rc = cluster_request(e->cluster, k, "capture_start", msg,
					     len, &reply, err);
			if (!rc) {
				c->id[k] = (unsigned)strtoul(reply, NULL, 10);
				free(reply);
			}
		}
		free(msg);
		msg = NULL;
	}
	if (rc) {
		char *r;

		for (k = 0; k < nm; k++)
			if (c->id[k]) {
				char m[16];

				snprintf(m, sizeof(m), "%u", c->id[k]);
				if (!cluster_request(e->cluster, k,
						     "capture_stop", m,
						     strlen(m), &r, NULL))
					free(r);
			}
		emu_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int emu_capture_stop(struct emu *e, struct emu_rcapture *c, char **blobs,
		     size_t *lens, uint64_t *dropped, struct err *err)
{
	char m[16], *reply, *p;
	size_t i, got, total;
	uint32_t k;
	unsigned long long d;
	int rc = 0;

	*dropped = 0;
	for (k = 0; k < c->nm; k++) {
		if (!c->id[k])
			continue;
		snprintf(m, sizeof(m), "%u", c->id[k]);
		c->id[k] = 0;
		rc = cluster_request(e->cluster, k, "capture_stop", m,
				     strlen(m), &reply, err);
		if (rc)
			return rc;
		/* "DROPPED\n", then per target of ours "LEN\n" and LEN
		 * bytes of pcap. */
		p = reply;
		d = strtoull(p, &p, 10);
		*dropped += d;
		p = strchr(p, '\n');
		for (i = 0; p && i < c->n; i++) {
			if (c->machine[i] != k)
				continue;
			p++;
			got = strtoul(p, &p, 10);
			if (*p != '\n')
				break;
			total = got;
			blobs[i] = malloc(total + 1);
			if (!blobs[i])
				break;
			memcpy(blobs[i], p + 1, total);
			lens[i] = total;
			p += total;
		}
		free(reply);
	}
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
