/*
 * remote_obs: what watches and shapes the traffic of an emulation whose
 * nodes live on other machines, each part done by the machine that holds
 * the node or link end: impairments, probe streams, link counters and
 * captures (the rest of the engine's side is in remote.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cluster/coord.h"
#include "core/engine/engine_int.h"
#include "core/impair/impair.h"
#include "core/observe/stats.h"
#include "core/observe/stream.h"
#include "topo/topo.h"

/* Work spread over the machines: item i is done by machine[i] (that of
 * its node), and each machine with items gets one request, with a head
 * and a line per item of its own, and answers with the id of what it
 * started (0: the machine has none). */
struct spread {
	uint32_t nm;
	size_t n;
	uint32_t *machine; /* per item */
	unsigned *id;      /* per machine */
};

static void spread_free(struct spread *s)
{
	free(s->machine);
	free(s->id);
	s->machine = NULL;
	s->id = NULL;
}

static int spread_init(struct spread *s, struct emu *e, const uint32_t *node,
		       size_t n)
{
	size_t i;

	s->nm = cluster_machines(e->cluster);
	s->n = n;
	s->machine = malloc((n + 1) * sizeof(*s->machine));
	s->id = calloc(s->nm, sizeof(*s->id));
	if (!s->machine || !s->id) {
		spread_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		s->machine[i] = cluster_machine_of(e->cluster, node[i]);
	return 0;
}

static int spread_start(struct emu *e, struct spread *s, const char *verb,
			const char *head,
			void (*item)(FILE *f, size_t i, void *arg), void *arg,
			struct err *err)
{
	char *msg = NULL, *reply;
	size_t len = 0, i;
	uint32_t k;
	bool any;
	FILE *f;
	int rc = 0;

	for (k = 0; k < s->nm && !rc; k++) {
		f = open_memstream(&msg, &len);
		if (!f)
			return err_set(err, -ENOMEM, "out of memory");
		fputs(head, f);
		for (i = 0, any = false; i < s->n; i++)
			if (s->machine[i] == k) {
				item(f, i, arg);
				any = true;
			}
		fclose(f);
		if (any) {
			rc = cluster_request(e->cluster, k, verb, msg, len,
					     &reply, err);
			if (!rc) {
				s->id[k] = (unsigned)strtoul(reply, NULL, 10);
				free(reply);
			}
		}
		free(msg);
		msg = NULL;
	}
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
	struct spread s; /* per machine: its stream */
	bool *done;      /* per machine */
};

void emu_probe_free(struct emu_probe *p)
{
	if (!p)
		return;
	spread_free(&p->s);
	free(p->done);
	free(p);
}

struct probe_items {
	const uint32_t *src, *dst;
};

static void probe_item(FILE *f, size_t i, void *arg)
{
	const struct probe_items *x = arg;

	fprintf(f, "%u %u\n", x->src[i], x->dst[i]);
}

int emu_probe_start(struct emu *e, const struct stream_opts *o,
		    const uint32_t *src, const uint32_t *dst, size_t n,
		    struct emu_probe **out, struct err *err)
{
	struct emu_probe *p = calloc(1, sizeof(*p));
	struct probe_items x = { src, dst };
	char head[160];
	uint32_t k;
	int rc;

	if (!p || spread_init(&p->s, e, src, n) ||
	    !(p->done = calloc(p->s.nm, sizeof(*p->done)))) {
		emu_probe_free(p);
		return err_set(err, -ENOMEM, "out of memory");
	}
	/* Each source machine runs its flows, all machines at once. */
	snprintf(head, sizeof(head), "%d %a %a %a\n", o->proto == STREAM_UDP,
		 o->rate, o->duration, o->timeout);
	rc = spread_start(e, &p->s, "probe", head, probe_item, &x, err);
	if (rc) {
		emu_probe_free(p);
		return rc;
	}
	for (k = 0; k < p->s.nm; k++)
		p->done[k] = !p->s.id[k];
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

	for (k = 0; k < p->s.nm; k++) {
		if (p->done[k])
			continue;
		snprintf(msg, sizeof(msg), "%u", p->s.id[k]);
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
		for (i = 0; i < p->s.n; i++) {
			struct stream_result *r = &res[i];

			if (p->s.machine[i] != k)
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
	unsigned long end;
	uint32_t k, nm;
	int rc = 0;

	if (!e->cluster)
		return node == TOPO_NONE ? stats_read(e->topo, ends, err) :
			stats_read_node(e->topo, node, ends, err);
	nm = cluster_machines(e->cluster);
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
	struct spread s; /* per machine: its capture */
};

void emu_capture_free(struct emu_rcapture *c)
{
	if (!c)
		return;
	spread_free(&c->s);
	free(c);
}

static void capture_item(FILE *f, size_t i, void *arg)
{
	const struct emu_capture_target *tg = arg;

	fprintf(f, "%u %s %d\n", tg[i].node, tg[i].ifname, tg[i].out_only);
}

int emu_capture_start(struct emu *e, const struct emu_capture_target *tg,
		      size_t n, const char *filter, int snaplen,
		      uint64_t count, struct emu_rcapture **out,
		      struct err *err)
{
	struct emu_rcapture *c = calloc(1, sizeof(*c));
	uint32_t *nodes = malloc((n + 1) * sizeof(*nodes));
	char *head = NULL, *r, m[16];
	uint32_t k;
	size_t i;
	int rc;

	if (filter && strchr(filter, '\n'))
		rc = err_set(err, -EINVAL, "a filter on one line");
	else if (!c || !nodes)
		rc = err_set(err, -ENOMEM, "out of memory");
	else {
		for (i = 0; i < n; i++)
			nodes[i] = tg[i].node;
		rc = spread_init(&c->s, e, nodes, n) ? -ENOMEM : 0;
		/* "SNAPLEN COUNT", the filter's line, a target a line. */
		if (!rc && asprintf(&head, "%d %" PRIu64 "\n%s\n", snaplen,
				    count, filter ? filter : "") < 0)
			head = NULL;
		rc = rc || !head ? err_set(err, -ENOMEM, "out of memory") :
			spread_start(e, &c->s, "capture_start", head,
				     capture_item, (void *)tg, err);
	}
	free(nodes);
	free(head);
	if (rc && c) {
		/* Those that did start are stopped again. */
		for (k = 0; c->s.id && k < c->s.nm; k++)
			if (c->s.id[k]) {
				snprintf(m, sizeof(m), "%u", c->s.id[k]);
				if (!cluster_request(e->cluster, k,
						     "capture_stop", m,
						     strlen(m), &r, NULL))
					free(r);
			}
	}
	if (rc) {
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
	for (k = 0; k < c->s.nm; k++) {
		if (!c->s.id[k])
			continue;
		snprintf(m, sizeof(m), "%u", c->s.id[k]);
		c->s.id[k] = 0;
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
		for (i = 0; p && i < c->s.n; i++) {
			if (c->s.machine[i] != k)
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

