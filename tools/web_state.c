/* "lunet web": the state of the emulation it shows, watched by a thread
 * of its own (tools/web_int.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* When the record was last written: a change of the running network
 * (docs/changes.md) rewrites it. */
static struct timespec record_mtime(const char *name)
{
	struct timespec none = { 0, 0 };
	char path[512];
	struct stat st;

	if (state_path(path, sizeof(path), name, "state") ||
	    stat(path, &st) < 0)
		return none;
	return st.st_mtim;
}

/* What one topology needs, made before it is swapped in. */
struct view {
	struct topo *t;
	char *svg;
	size_t svg_len;
	uint8_t *down;
	double *bps;
	struct stats_if *ends;
};

static void view_free(struct view *v)
{
	if (v->t)
		topo_free(v->t);
	free(v->svg);
	free(v->down);
	free(v->bps);
	free(v->ends);
}

/* The record read and drawn.  Returns 0, -ENOENT for an emulation that
 * is not (any more), or -errno with why. */
static int view_load(struct web_state *s, struct view *v, char *why,
		     size_t whylen)
{
	struct draw_opts o = { .ifnames = s->ifnames };
	struct state_info info;
	char *svg = NULL, *start;
	struct err err;
	size_t nl, len;
	int rc;

	memset(v, 0, sizeof(*v));
	err_clear(&err);
	rc = state_read(s->name, &v->t, &info, &err);
	if (rc) {
		snprintf(why, whylen, "%s", err.msg[0] ? err.msg :
			 strerror(-rc));
		return rc;
	}
	o.full = v->t->nnodes <= WEB_FULL_MAX;
	rc = graph_render(v->t, &o, GRAPH_SVG, &svg, &len, why, whylen);
	if (rc) {
		view_free(v);
		return rc;
	}
	/* Inlined into the page: from <svg> on, without XML's prolog. */
	start = strstr(svg, "<svg");
	start = start ? start : svg;
	v->svg_len = len - (size_t)(start - svg);
	v->svg = strdup(start);
	free(svg);
	nl = v->t->nlinks;
	v->down = calloc(nl + 1, 1);
	v->bps = calloc(nl + 1, sizeof(*v->bps));
	v->ends = calloc(2 * nl + 2, sizeof(*v->ends));
	if (!v->svg || !v->down || !v->bps || !v->ends) {
		view_free(v);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Swaps v in (its old contents into v, for the caller to free), with
 * both locks: every reader of s->t holds one of them. */
static void view_swap(struct web_state *s, struct view *v)
{
	struct view old = { s->t, s->svg, s->svg_len, s->down, s->bps,
			    s->ends };

	pthread_mutex_lock(&s->kernel);
	pthread_mutex_lock(&s->lock);
	s->t = v->t;
	s->svg = v->svg;
	s->svg_len = v->svg_len;
	s->down = v->down;
	s->bps = v->bps;
	s->ends = v->ends;
	s->ends_t = 0;
	s->gen++;
	s->seq++;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->kernel);
	*v = old;
}

/* Polls the topology of one record until it changes (returns true) or
 * the emulation ends or the server stops (false). */
static bool poll_view(struct web_state *s)
{
	size_t nl = s->t->nlinks, n;
	uint8_t *down = calloc(nl + 1, 1);
	double *bps = calloc(nl + 1, sizeof(*bps));
	struct stats_if *now = calloc(2 * nl + 2, sizeof(*now));
	long every = (long)nl * POLL_NS_LINK;
	struct timespec ts, mt;
	bool alive = true, rated, reload = false;

	if (every < POLL_NS)
		every = POLL_NS;
	ts.tv_sec = every / 1000000000L;
	ts.tv_nsec = every % 1000000000L;
	for (n = 0; down && bps && now && alive && !reload; n++) {
		mt = record_mtime(s->name);
		reload = mt.tv_sec != s->mtime.tv_sec ||
			 mt.tv_nsec != s->mtime.tv_nsec;
		alive = poll_links(s, down);
		rated = alive && n % RATE_EVERY == 0 && poll_rates(s, now, bps);
		pthread_mutex_lock(&s->lock);
		if (s->stopping)
			alive = false;
		else if (!alive || rated || memcmp(down, s->down, nl)) {
			memcpy(s->down, down, nl);
			if (rated)
				memcpy(s->bps, bps, nl * sizeof(*bps));
			s->gone = !alive;
			s->seq++;
			pthread_cond_broadcast(&s->changed);
		}
		pthread_mutex_unlock(&s->lock);
		if (alive && !reload)
			nanosleep(&ts, NULL);
	}
	free(down);
	free(bps);
	free(now);
	return alive && reload;
}

static void *poller(void *arg)
{
	struct web_state *s = arg;
	struct view v;
	char why[512];
	int rc;

	while (poll_view(s)) {
		/* Read again after a change, the record as it is now. */
		s->mtime = record_mtime(s->name);
		rc = view_load(s, &v, why, sizeof(why));
		if (rc == -ENOENT || rc == -ENOMEM)
			break;
		if (rc)
			continue; /* half written: again next time */
		view_swap(s, &v);
		view_free(&v);
	}
	pthread_mutex_lock(&s->lock);
	if (!s->stopping) {
		s->gone = true;
		s->seq++;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int web_state_start(struct web_state *s, const char *name, bool ifnames)
{
	struct view v;
	char why[1024];
	int rc;

	s->name = name;
	s->ifnames = ifnames;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->kernel, NULL);
	pthread_cond_init(&s->changed, NULL);
	s->mtime = record_mtime(name);
	rc = view_load(s, &v, why, sizeof(why));
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", name);
	if (rc)
		return cli_fail("%s: %s", name, why);
	view_swap(s, &v);
	view_free(&v);
	/* The first state before the first page asks for it. */
	if (!poll_links(s, s->down))
		return cli_fail("%s: the emulation is gone", name);
	if (pthread_create(&s->thread, NULL, poller, s))
		return cli_fail("cannot start a thread");
	s->running = true;
	return 0;
}

void web_state_stop(struct web_state *s)
{
	struct view v = { s->t, s->svg, s->svg_len, s->down, s->bps,
			  s->ends };

	if (s->running) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		s->running = false;
		v = (struct view){ s->t, s->svg, s->svg_len, s->down, s->bps,
				   s->ends };
	}
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->kernel);
	pthread_cond_destroy(&s->changed);
	view_free(&v);
	s->t = NULL;
	s->svg = NULL;
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

	fprintf(f, "{\"seq\":%llu,\"gen\":%llu,\"gone\":%s,\"links\":[",
		(unsigned long long)s->seq, (unsigned long long)s->gen,
		s->gone ? "true" : "false");
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
	const struct topo *t;
	uint32_t n, k;
	const struct topo_port *p, *q;
	struct stats_if *ends;
	char ip[IP_STRLEN], *fib = NULL;
	struct err err;
	int rc;

	/* The kernel's lock for all of it: the topology is not swapped
	 * meanwhile. */
	pthread_mutex_lock(&s->kernel);
	t = s->t;
	n = topo_node_find(t, name);
	ends = n == TOPO_NONE ? NULL :
		calloc(2 * (size_t)t->nlinks + 2, sizeof(*ends));
	if (!ends) {
		pthread_mutex_unlock(&s->kernel);
		return n == TOPO_NONE ? -ENOENT : -ENOMEM;
	}
	err_clear(&err);
	rc = stats_read_node(t, n, ends, &err);
	if (routing_fib_format(t, n, &fib))
		fib = NULL;
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
	pthread_mutex_unlock(&s->kernel);
	free(fib);
	free(ends);
	return 0;
}
