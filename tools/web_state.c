/* "lunet web": the state of the emulation it shows, watched by a thread
 * of its own (tools/web_int.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/control/state.h"
#include "core/observe/stats.h"
#include "core/routing/routing.h"
#include "tools/cli.h"
#include "tools/graph.h"
#include "tools/web_int.h"
#include "topo/topo.h"

/* The links' state every 100 ms, or 20 us a link for a fabric of more
 * than 5,000 (the console's "links" is a line a link); the rates every
 * tenth time. */
#define POLL_NS 100000000L
#define POLL_NS_LINK 20000L
#define RATE_EVERY 10

void web_json_str(FILE *f, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	fputc('"', f);
	for (; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* The links' state from the owner's console.  False when the emulation
 * is gone. */
static bool poll_links(struct web_state *s, uint8_t *down)
{
	char *text = NULL, *errs = NULL;
	struct state_info info;
	bool alive = true;
	int rc;

	rc = cli_ctl_capture(s->name, "links", &text, &errs);
	if (rc || !text || graph_links_parse(text, s->t->nlinks, down))
		alive = state_read_info(s->name, &info) == 0;
	free(text);
	free(errs);
	return alive;
}

/* The rates since the last reading, into bps; false the first time. */
static bool poll_rates(struct web_state *s, struct stats_if *now,
		       double *bps)
{
	struct stats_if d[2];
	double t, dt;
	struct err err;
	uint32_t l;
	int rc;

	err_clear(&err);
	pthread_mutex_lock(&s->kernel);
	rc = stats_read(s->t, now, &err);
	pthread_mutex_unlock(&s->kernel);
	if (rc)
		return false;
	t = cli_now();
	dt = s->ends_t > 0 ? t - s->ends_t : 0;
	if (dt > 0) {
		for (l = 0; l < s->t->nlinks; l++) {
			stats_sub(&d[0], &now[stats_end(l, 0)],
				  &s->ends[stats_end(l, 0)]);
			stats_sub(&d[1], &now[stats_end(l, 1)],
				  &s->ends[stats_end(l, 1)]);
			bps[l] = (double)(d[0].tx_bytes + d[1].tx_bytes) * 8 /
				 dt;
		}
	}
	memcpy(s->ends, now, 2 * (size_t)s->t->nlinks * sizeof(*now));
	s->ends_t = t;
	return dt > 0;
}

static void *poller(void *arg)
{
	struct web_state *s = arg;
	size_t nl = s->t->nlinks, n;
	uint8_t *down = calloc(nl + 1, 1);
	double *bps = calloc(nl + 1, sizeof(*bps));
	struct stats_if *now = calloc(2 * nl + 2, sizeof(*now));
	long every = (long)nl * POLL_NS_LINK;
	struct timespec ts;
	bool alive, rated;

	if (every < POLL_NS)
		every = POLL_NS;
	ts.tv_sec = every / 1000000000L;
	ts.tv_nsec = every % 1000000000L;

	for (n = 0; down && bps && now; n++) {
		alive = poll_links(s, down);
		rated = alive && n % RATE_EVERY == 0 && poll_rates(s, now, bps);
		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		if (!alive || rated || memcmp(down, s->down, nl)) {
			memcpy(s->down, down, nl);
			if (rated)
				memcpy(s->bps, bps, nl * sizeof(*bps));
			s->gone = !alive;
			s->seq++;
			pthread_cond_broadcast(&s->changed);
		}
		pthread_mutex_unlock(&s->lock);
		if (!alive)
			break;
		nanosleep(&ts, NULL);
	}
	free(down);
	free(bps);
	free(now);
	return NULL;
}

int web_state_start(struct web_state *s, const char *name)
{
	struct state_info info;
	struct err err;
	size_t nl;
	int rc;

	s->name = name;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->kernel, NULL);
	pthread_cond_init(&s->changed, NULL);
	err_clear(&err);
	rc = state_read(name, &s->t, &info, &err);
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", name);
	if (rc)
		return cli_fail("%s", err.msg[0] ? err.msg : strerror(-rc));
	nl = s->t->nlinks;
	s->down = calloc(nl + 1, 1);
	s->bps = calloc(nl + 1, sizeof(*s->bps));
	s->ends = calloc(2 * nl + 2, sizeof(*s->ends));
	if (!s->down || !s->bps || !s->ends)
		return cli_fail("out of memory");
	/* The first state before the first page asks for it. */
	if (!poll_links(s, s->down))
		return cli_fail("%s: the emulation is gone", name);
	s->seq = 1;
	if (pthread_create(&s->thread, NULL, poller, s))
		return cli_fail("cannot start a thread");
	s->running = true;
	return 0;
}

void web_state_stop(struct web_state *s)
{
	if (s->running) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->kernel);
	pthread_cond_destroy(&s->changed);
	if (s->t)
		topo_free(s->t);
	free(s->down);
	free(s->bps);
	free(s->ends);
	s->t = NULL;
	s->down = NULL;
	s->bps = NULL;
	s->ends = NULL;
}

uint64_t web_state_wait(struct web_state *s, uint64_t seen)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	while (s->seq == seen && !s->stopping)
		if (pthread_cond_timedwait(&s->changed, &s->lock, &until) ==
		    ETIMEDOUT)
			break;
	return s->seq;
}

void web_state_json(struct web_state *s, FILE *f)
{
	uint32_t l;

	fprintf(f, "{\"seq\":%llu,\"gone\":%s,\"links\":[",
		(unsigned long long)s->seq, s->gone ? "true" : "false");
	for (l = 0; l < s->t->nlinks; l++)
		fprintf(f, "%s{\"s\":\"%s\",\"bps\":%.0f}", l ? "," : "",
			s->down[l] ? "down" : "up", s->bps[l]);
	fputs("]}", f);
}

void web_topo_json(const struct web_state *s, FILE *f)
{
	const struct topo *t = s->t;
	const struct topo_port *a, *b;
	uint32_t i;

	fputs("{\"name\":", f);
	web_json_str(f, t->name);
	fputs(",\"nodes\":[", f);
	for (i = 0; i < t->nnodes; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		web_json_str(f, t->nodes[i].name);
		fprintf(f, ",\"kind\":\"%s\"}",
			topo_kind_name(t->nodes[i].kind));
	}
	fputs("],\"links\":[", f);
	for (i = 0; i < t->nlinks; i++) {
		a = topo_link_port(t, i, 0);
		b = topo_link_port(t, i, 1);
		fprintf(f, "%s{\"a\":", i ? "," : "");
		web_json_str(f, t->nodes[a->node].name);
		fputs(",\"b\":", f);
		web_json_str(f, t->nodes[b->node].name);
		fprintf(f, ",\"a_if\":\"%s\",\"b_if\":\"%s\"}", a->ifname,
			b->ifname);
	}
	fputs("]}", f);
}

static void counters_json(FILE *f, const struct stats_if *e)
{
	fprintf(f, "{\"tx_packets\":%llu,\"rx_packets\":%llu,"
		   "\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"dropped\":%llu,"
		   "\"errors\":%llu}",
		(unsigned long long)e->tx_packets,
		(unsigned long long)e->rx_packets,
		(unsigned long long)e->tx_bytes,
		(unsigned long long)e->rx_bytes,
		(unsigned long long)(e->tx_dropped + e->rx_dropped),
		(unsigned long long)(e->tx_errors + e->rx_errors));
}

int web_node_json(struct web_state *s, const char *name, FILE *f)
{
	const struct topo *t = s->t;
	uint32_t n = topo_node_find(t, name), k;
	const struct topo_port *p, *q;
	struct stats_if *ends;
	char ip[IP_STRLEN], *fib = NULL;
	struct err err;
	int rc;

	if (n == TOPO_NONE)
		return -ENOENT;
	ends = calloc(2 * (size_t)t->nlinks + 2, sizeof(*ends));
	if (!ends)
		return -ENOMEM;
	err_clear(&err);
	pthread_mutex_lock(&s->kernel);
	rc = stats_read_node(t, n, ends, &err);
	if (routing_fib_format(t, n, &fib))
		fib = NULL;
	pthread_mutex_unlock(&s->kernel);
	fputs("{\"name\":", f);
	web_json_str(f, name);
	fprintf(f, ",\"kind\":\"%s\",\"interfaces\":[",
		topo_kind_name(t->nodes[n].kind));
	for (k = 0; k < t->nodes[n].nports; k++) {
		p = &t->ports[t->nodes[n].ports[k]];
		q = &t->ports[topo_peer_port(t, t->nodes[n].ports[k])];
		fprintf(f, "%s{\"ifname\":\"%s\",\"link\":%u,\"addr\":",
			k ? "," : "", p->ifname, p->link);
		if (p->addr.ip)
			fprintf(f, "\"%s\"", ip_format(&p->addr, true, ip));
		else
			fputs("null", f);
		fputs(",\"peer\":", f);
		web_json_str(f, t->nodes[q->node].name);
		fprintf(f, ",\"peer_if\":\"%s\",\"counters\":", q->ifname);
		counters_json(f, &ends[stats_end(p->link,
					   t->links[p->link].port[1] ==
						   t->nodes[n].ports[k])]);
		fputc('}', f);
	}
	fputs("],\"routes\":", f);
	web_json_str(f, fib ? fib : "");
	fputs(",\"error\":", f);
	web_json_str(f, rc ? err.msg : "");
	fputc('}', f);
	free(fib);
	free(ends);
	return 0;
}
