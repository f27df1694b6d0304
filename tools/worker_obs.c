/*
 * The worker's requests that watch and shape the traffic of its part:
 * impairments of its link ends, probe streams from its nodes (run on the
 * worker's loop while other requests come), counters, and captures into
 * files that the coordinator takes when they stop.
 */
#include <errno.h>
#include <ev.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/impair/impair.h"
#include "core/observe/capture.h"
#include "core/observe/stats.h"
#include "core/observe/stream.h"
#include "core/sys/netns.h"
#include "tools/worker_int.h"
#include "topo/topo.h"

/* "impair L SIDE SPEC": the direction leaving end SIDE of link L (ours)
 * set to SPEC (emu_impair_encode()); "impair_get L SIDE": its spec's
 * line, then its counts'. */
int do_impair(struct worker *w, const char *verb, const char *msg)
{
	struct impair_spec spec;
	struct impair_counts c;
	unsigned l, side;
	struct err err;
	char line[256];
	int n, rc;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	if (sscanf(msg, "%u %u %n", &l, &side, &n) != 2 ||
	    l >= w->t->nlinks || side > 1 ||
	    !emu_node_local(w->e, topo_link_node(w->t, l, (int)side)))
		return proto_sendf(&w->p, "error", "no such link end here");
	if (!strcmp(verb, "impair_get")) {
		emu_impair_get(w->e, l, (int)side, &spec, &c);
		if (emu_impair_encode(&spec, line, sizeof(line)) < 0)
			return proto_sendf(&w->p, "error", "impairment too long");
		return proto_sendf(&w->p, "ok", "%s\n%" PRIu64 " %" PRIu64
				   " %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
				   PRIu64 " %" PRIu64 " %" PRIu64 "\n", line,
				   c.seen, c.lost, c.corrupted, c.duplicated,
				   c.delayed, c.held, c.reordered, c.overflow);
	}
	if (emu_impair_decode(msg + n, &spec))
		return proto_sendf(&w->p, "error", "a bad impairment");
	err_clear(&err);
	rc = emu_impair(w->e, l, (int)side, &spec, &err);
	return rc ? worker_reply_err(w, &err, rc) : proto_send(&w->p, "ok", "", 0);
}

void probes_free(struct worker *w)
{
	struct wprobe *p;

	while ((p = w->probes)) {
		w->probes = p->next;
		stream_free(p->s);
		free(p);
	}
}

static void probe_done(void *arg)
{
	((struct wprobe *)arg)->done = true;
}

/* "probe": "PROTO RATE DURATION TIMEOUT" (proto 0 icmp, 1 udp), then a
 * line "SRC DSTNODE" per flow, from our nodes; the stream starts on our
 * loop and the reply is its id at once.  "probe_result ID": "pending", or
 * a line per flow: sent received late errors skipped loss rtt_min rtt_avg
 * rtt_max outage outages (then the probe is forgotten). */
int do_probe(struct worker *w, const char *verb, const char *msg)
{
	struct stream_opts o = { 0 };
	char src[NETNS_PATHSIZ], dst[NETNS_PATHSIZ], *out = NULL;
	struct wprobe *p, **pp;
	const char *q;
	unsigned proto, a, b, id;
	size_t olen = 0, i;
	FILE *f;
	int rc;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	if (!strcmp(verb, "probe_result")) {
		if (sscanf(msg, "%u", &id) != 1)
			return proto_sendf(&w->p, "error", "a bad probe id");
		for (pp = &w->probes; *pp && (*pp)->id != id; pp = &(*pp)->next)
			;
		if (!*pp)
			return proto_sendf(&w->p, "error", "no probe %u", id);
		p = *pp;
		if (!p->done)
			return proto_send(&w->p, "ok", "pending", 7);
		f = open_memstream(&out, &olen);
		for (i = 0; f && i < p->n; i++) {
			struct stream_result r;

			stream_result(p->s, i, &r);
			fprintf(f, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 " %a %a %a %a %a %" PRIu64 "\n",
				r.sent, r.received, r.late, r.errors,
				r.skipped, r.loss, r.rtt_min, r.rtt_avg,
				r.rtt_max, r.outage, r.outages);
		}
		if (f)
			fclose(f);
		*pp = p->next;
		stream_free(p->s);
		free(p);
		rc = out ? proto_send(&w->p, "ok", out, olen) :
			   proto_sendf(&w->p, "error", "out of memory");
		free(out);
		return rc;
	}
	if (sscanf(msg, "%u %la %la %la", &proto, &o.rate, &o.duration,
		   &o.timeout) != 4)
		return proto_sendf(&w->p, "error", "a bad probe");
	o.proto = proto ? STREAM_UDP : STREAM_ICMP;
	p = calloc(1, sizeof(*p));
	if (!p)
		return proto_sendf(&w->p, "error", "out of memory");
	rc = stream_new(w->loop, &o, &p->s);
	if (rc) {
		free(p);
		return proto_sendf(&w->p, "error", "probe: %s", strerror(-rc));
	}
	for (q = strchr(msg, '\n'); q && q[1]; q = strchr(q + 1, '\n')) {
		if (sscanf(q + 1, "%u %u", &a, &b) != 2 || a >= w->t->nnodes ||
		    b >= w->t->nnodes || !emu_node_local(w->e, a)) {
			rc = proto_sendf(&w->p, "error", "a bad probe flow");
			goto fail;
		}
		if (o.proto == STREAM_UDP && !emu_node_local(w->e, b)) {
			rc = proto_sendf(&w->p, "error", "probe %s->%s: UDP "
					 "probes need both ends on one machine "
					 "(their echo socket); proto = \"icmp\" "
					 "crosses machines",
					 w->t->nodes[a].name,
					 w->t->nodes[b].name);
			goto fail;
		}
		emu_nspath(w->e, a, src, sizeof(src));
		emu_nspath(w->e, b, dst, sizeof(dst));
		rc = stream_add(p->s, src, o.proto == STREAM_UDP ? dst : NULL,
				topo_node_ip(w->t, b));
		if (rc < 0) {
			rc = proto_sendf(&w->p, "error", "probe %s->%s: cannot "
					 "open its sockets: %s",
					 w->t->nodes[a].name,
					 w->t->nodes[b].name, strerror(-rc));
			goto fail;
		}
		p->n++;
	}
	p->id = ++w->next_probe;
	p->next = w->probes;
	w->probes = p;
	stream_start(p->s, probe_done, p);
	return proto_sendf(&w->p, "ok", "%u", p->id);
fail:
	stream_free(p->s);
	free(p);
	return rc;
}

/* "stats N": the counters of node N's link ends (-1: every node of
 * ours), a line per end (see emu_stats()). */
int do_stats(struct worker *w, const char *msg)
{
	struct stats_if *ends;
	uint32_t i, first, last, k;
	char *out = NULL;
	size_t olen = 0;
	struct err err;
	int node, rc = 0;
	FILE *f;

	if (!w->e || sscanf(msg, "%d", &node) != 1 ||
	    node >= (int)w->t->nnodes)
		return proto_sendf(&w->p, "error", "a bad stats request");
	ends = calloc(2 * (size_t)w->t->nlinks + 1, sizeof(*ends));
	if (!ends)
		return proto_sendf(&w->p, "error", "out of memory");
	first = node < 0 ? 0 : (uint32_t)node;
	last = node < 0 ? w->t->nnodes : first + 1;
	err_clear(&err);
	for (i = first; i < last && !rc; i++)
		if (emu_node_local(w->e, i))
			rc = stats_read_node(w->t, i, ends, &err);
	f = rc ? NULL : open_memstream(&out, &olen);
	for (i = first; f && i < last; i++) {
		if (!emu_node_local(w->e, i))
			continue;
		for (k = 0; k < w->t->nodes[i].nports; k++) {
			uint32_t p = w->t->nodes[i].ports[k];
			uint32_t l = w->t->ports[p].link;
			size_t end = stats_end(l, w->t->links[l].port[1] == p);
			const struct stats_if *x = &ends[end];

			fprintf(f, "%zu %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
				PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
				PRIu64 "\n", end, x->rx_packets, x->tx_packets,
				x->rx_bytes, x->tx_bytes, x->rx_errors,
				x->tx_errors, x->rx_dropped, x->tx_dropped);
		}
	}
	if (f)
		fclose(f);
	free(ends);
	if (rc)
		return worker_reply_err(w, &err, rc);
	rc = proto_send(&w->p, "ok", out ? out : "", out ? olen : 0);
	free(out);
	return rc;
}

static void wcapture_free(struct wcapture *k)
{
	size_t i;

	capture_free(k->c);
	for (i = 0; i < k->n; i++) {
		if (k->files[i])
			unlink(k->files[i]);
		free(k->files[i]);
	}
	free(k->files);
	free(k);
}

void captures_free(struct worker *w)
{
	struct wcapture *k;

	while ((k = w->captures)) {
		w->captures = k->next;
		wcapture_free(k);
	}
}

/* "capture_start": "SNAPLEN COUNT", a line of filter, then a target a
 * line "NODE IFNAME OUT_ONLY", ours; each into a file of our record's
 * captures/ until "capture_stop ID", whose reply is "DROPPED" and then,
 * per target in order, "LEN" and LEN bytes of pcap. */
int do_capture(struct worker *w, const char *verb, const char *msg,
		      size_t len)
{
	struct capture_opts o = { 0 };
	struct capture_target tg[64];
	char dir[300], *filter = NULL, *out = NULL;
	const char *q, *eol;
	struct wcapture *k, **kk;
	unsigned node, id;
	size_t olen = 0, i, flen;
	unsigned long long count;
	char ifname[32];
	struct err err;
	int out_only, rc;
	FILE *f;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	if (!strcmp(verb, "capture_stop")) {
		if (sscanf(msg, "%u", &id) != 1)
			return proto_sendf(&w->p, "error", "a bad capture id");
		for (kk = &w->captures; *kk && (*kk)->id != id;
		     kk = &(*kk)->next)
			;
		if (!*kk)
			return proto_sendf(&w->p, "error", "no capture %u", id);
		k = *kk;
		*kk = k->next;
		capture_stop(k->c);
		f = open_memstream(&out, &olen);
		if (f) {
			fprintf(f, "%" PRIu64 "\n", capture_dropped(k->c));
			for (i = 0; i < k->n; i++) {
				size_t blen = 0;
				char *b = NULL;
				FILE *in = fopen(k->files[i], "re");

				if (in) {
					fseek(in, 0, SEEK_END);
					blen = (size_t)ftell(in);
					fseek(in, 0, SEEK_SET);
					b = malloc(blen + 1);
					if (!b || fread(b, 1, blen, in) != blen)
						blen = 0;
					fclose(in);
				}
				fprintf(f, "%zu\n", blen);
				if (blen)
					fwrite(b, 1, blen, f);
				free(b);
			}
			fclose(f);
		}
		wcapture_free(k);
		rc = out ? proto_send(&w->p, "ok", out, olen) :
			   proto_sendf(&w->p, "error", "out of memory");
		free(out);
		return rc;
	}
	if (sscanf(msg, "%d %llu", &o.snaplen, &count) != 2 ||
	    !(q = strchr(msg, '\n')))
		return proto_sendf(&w->p, "error", "a bad capture");
	o.count = count;
	eol = strchr(q + 1, '\n');
	if (!eol)
		return proto_sendf(&w->p, "error", "a bad capture");
	flen = (size_t)(eol - q - 1);
	if (flen) {
		filter = strndup(q + 1, flen);
		o.filter = filter;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->files = calloc(64, sizeof(*k->files)))) {
		free(k);
		free(filter);
		return proto_sendf(&w->p, "error", "out of memory");
	}
	k->id = ++w->next_capture;
	snprintf(dir, sizeof(dir), "/run/lunet/%s/captures", w->t->name);
	mkdir(dir, 0700);
	for (q = eol; q && q[1] && k->n < 64; q = strchr(q + 1, '\n')) {
		if (sscanf(q + 1, "%u %31s %d", &node, ifname, &out_only) != 3 ||
		    node >= w->t->nnodes || !emu_node_local(w->e, node))
			break;
		if (asprintf(&k->files[k->n], "%s/%u-%zu.pcap", dir, k->id,
			     k->n) < 0) {
			k->files[k->n] = NULL;
			break;
		}
		tg[k->n] = (struct capture_target){
			.emu = w->t->name, .node = w->t->nodes[node].name,
			.ifname = strdup(ifname), .out_only = out_only,
			.file = k->files[k->n] };
		k->n++;
	}
	(void)len;
	err_clear(&err);
	rc = k->n ? capture_open(&k->c, tg, k->n, &o, &err) : -EINVAL;
	for (i = 0; i < k->n; i++)
		free((char *)tg[i].ifname);
	free(filter);
	if (rc) {
		wcapture_free(k);
		return err.msg[0] ? worker_reply_err(w, &err, rc) :
				    proto_sendf(&w->p, "error",
						"a bad capture target");
	}
	capture_start(k->c, w->loop);
	k->next = w->captures;
	w->captures = k;
	return proto_sendf(&w->p, "ok", "%u", k->id);
}

