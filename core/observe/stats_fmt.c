/*
 * stats_fmt: printing link counters (core/observe/stats.h) as a table, JSON or a
 * CSV time series.  Pure: the command line, the console and the unit
 * tests share it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/observe/stats.h"
#include "topo/topo.h"

void stats_link_fold(const struct stats_if *ends, uint32_t link,
		     struct stats_link *out)
{
	const struct stats_if *a = &ends[stats_end(link, 0)];
	const struct stats_if *b = &ends[stats_end(link, 1)];

	out->ab_packets = a->tx_packets;
	out->ab_bytes = a->tx_bytes;
	out->ba_packets = b->tx_packets;
	out->ba_bytes = b->tx_bytes;
	out->drops = a->rx_dropped + a->tx_dropped + b->rx_dropped +
		     b->tx_dropped;
	out->errors = a->rx_errors + a->tx_errors + b->rx_errors +
		      b->tx_errors;
}

int stats_field_parse(const char *s, enum stats_field *f)
{
	static const struct {
		const char *name;
		enum stats_field f;
	} names[] = {
		{ "link", STATS_BY_LINK },     { "packets", STATS_BY_PACKETS },
		{ "pps", STATS_BY_PACKETS },   { "bytes", STATS_BY_BYTES },
		{ "bps", STATS_BY_BYTES },     { "bits", STATS_BY_BYTES },
		{ "drops", STATS_BY_DROPS },   { "errors", STATS_BY_ERRORS },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*f = names[i].f;
			return 0;
		}
	}
	return -EINVAL;
}

static uint64_t sort_key(const struct stats_if *ends, uint32_t l,
			 enum stats_field field)
{
	struct stats_link s;

	stats_link_fold(ends, l, &s);
	switch (field) {
	case STATS_BY_PACKETS:
		return s.ab_packets + s.ba_packets;
	case STATS_BY_BYTES:
		return s.ab_bytes + s.ba_bytes;
	case STATS_BY_DROPS:
		return s.drops;
	case STATS_BY_ERRORS:
		return s.errors;
	default:
		return 0;
	}
}

struct keyed {
	uint64_t key;
	uint32_t link;
};

static int by_key(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	return a->link < b->link ? -1 : a->link > b->link;
}

int stats_sort(const struct topo *t, const struct stats_if *ends,
	       enum stats_field field, uint32_t *order)
{
	struct keyed *k;
	uint32_t l;

	k = malloc((t->nlinks ? t->nlinks : 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (l = 0; l < t->nlinks; l++) {
		k[l].key = sort_key(ends, l, field);
		k[l].link = l;
	}
	if (field != STATS_BY_LINK)
		qsort(k, t->nlinks, sizeof(*k), by_key);
	for (l = 0; l < t->nlinks; l++)
		order[l] = k[l].link;
	free(k);
	return 0;
}

/* 1234567 as "1.23M": counts and rates in a column of fixed width. */
static const char *human(char *buf, size_t len, double v)
{
	static const char unit[] = " kMGTP";
	int u = 0;

	while (v >= 999.5 && u < 5) {
		v /= 1000;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.*f%c", v < 9.995 ? 2 : v < 99.95 ? 1 : 0,
			 v, unit[u]);
	return buf;
}

static void link_label(char *buf, size_t len, const struct topo *t,
		       uint32_t l)
{
	const struct topo_port *a = topo_link_port(t, l, 0), *b = topo_link_port(t, l, 1);

	snprintf(buf, len, "%s:%s -- %s:%s", t->nodes[a->node].name,
		 a->ifname, t->nodes[b->node].name, b->ifname);
}

static int label_width(const struct topo *t, const uint32_t *order,
		       size_t n)
{
	char label[160];
	size_t i, w = 4;

	for (i = 0; i < n; i++) {
		link_label(label, sizeof(label), t, order ? order[i] : i);
		if (strlen(label) > w)
			w = strlen(label);
	}
	return (int)w;
}

void stats_table(FILE *f, const struct topo *t, const struct stats_if *ends,
		 const uint32_t *order, size_t n)
{
	char label[160], h[4][16];
	struct stats_link s;
	int w = label_width(t, order, n);
	uint32_t l;
	size_t i;

	fprintf(f, "%-*s %10s %9s %10s %9s %8s %8s\n", w, "LINK (A -- B)",
		"A>B PKTS", "A>B BYTES", "B>A PKTS", "B>A BYTES", "DROPS",
		"ERRORS");
	for (i = 0; i < n; i++) {
		l = order ? order[i] : (uint32_t)i;
		stats_link_fold(ends, l, &s);
		link_label(label, sizeof(label), t, l);
		fprintf(f, "%-*s %10s %9s %10s %9s %8llu %8llu\n", w, label,
			human(h[0], 16, (double)s.ab_packets),
			human(h[1], 16, (double)s.ab_bytes),
			human(h[2], 16, (double)s.ba_packets),
			human(h[3], 16, (double)s.ba_bytes),
			(unsigned long long)s.drops,
			(unsigned long long)s.errors);
	}
}

void stats_table_rates(FILE *f, const struct topo *t,
		       const struct stats_if *d, double dt,
		       const uint32_t *order, size_t n)
{
	char label[160], h[6][16];
	struct stats_link s;
	int w = label_width(t, order, n);
	uint32_t l;
	size_t i;

	if (dt <= 0)
		dt = 1;
	fprintf(f, "%-*s %9s %9s %9s %9s %8s %8s\n", w, "LINK (A -- B)",
		"A>B PKT/S", "A>B BIT/S", "B>A PKT/S", "B>A BIT/S", "DROP/S",
		"ERR/S");
	for (i = 0; i < n; i++) {
		l = order ? order[i] : (uint32_t)i;
		stats_link_fold(d, l, &s);
		link_label(label, sizeof(label), t, l);
		fprintf(f, "%-*s %9s %9s %9s %9s %8s %8s\n", w, label,
			human(h[0], 16, s.ab_packets / dt),
			human(h[1], 16, s.ab_bytes * 8 / dt),
			human(h[2], 16, s.ba_packets / dt),
			human(h[3], 16, s.ba_bytes * 8 / dt),
			human(h[4], 16, s.drops / dt),
			human(h[5], 16, s.errors / dt));
	}
}

/* Names are checked (letters, digits, '_', '.', and interface names
 * without '/' or blanks), but a quote or a backslash in an interface name
 * must not break the document. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_end(FILE *f, const struct topo *t, uint32_t l, int side,
		     const struct stats_if *s)
{
	const struct topo_port *p = topo_link_port(t, l, side);

	fputs("{\"node\": ", f);
	json_str(f, t->nodes[p->node].name);
	fputs(", \"intf\": ", f);
	json_str(f, p->ifname);
	fprintf(f,
		", \"tx_packets\": %llu, \"rx_packets\": %llu, "
		"\"tx_bytes\": %llu, \"rx_bytes\": %llu, "
		"\"tx_dropped\": %llu, \"rx_dropped\": %llu, "
		"\"tx_errors\": %llu, \"rx_errors\": %llu}",
		(unsigned long long)s->tx_packets,
		(unsigned long long)s->rx_packets,
		(unsigned long long)s->tx_bytes,
		(unsigned long long)s->rx_bytes,
		(unsigned long long)s->tx_dropped,
		(unsigned long long)s->rx_dropped,
		(unsigned long long)s->tx_errors,
		(unsigned long long)s->rx_errors);
}

void stats_json(FILE *f, const struct topo *t, const struct stats_if *ends,
		double when)
{
	uint32_t l;

	fputs("{\"emulation\": ", f);
	json_str(f, t->name);
	fprintf(f, ", \"time\": %.3f, \"links\": [", when);
	for (l = 0; l < t->nlinks; l++) {
		fprintf(f, "%s\n  {\"link\": %u, \"a\": ", l ? "," : "", l);
		json_end(f, t, l, 0, &ends[stats_end(l, 0)]);
		fputs(",\n   \"b\": ", f);
		json_end(f, t, l, 1, &ends[stats_end(l, 1)]);
		fputc('}', f);
	}
	fputs("\n]}\n", f);
}

void stats_csv_header(FILE *f)
{
	fputs("time,link,a,a_intf,b,b_intf,ab_packets,ab_bytes,ba_packets,"
	      "ba_bytes,drops,errors,ab_pps,ab_bps,ba_pps,ba_bps\n",
	      f);
}

void stats_csv_rows(FILE *f, const struct topo *t, const struct stats_if *d,
		    double dt, double when)
{
	const struct topo_port *a, *b;
	struct stats_link s;
	uint32_t l;

	if (dt <= 0)
		dt = 1;
	for (l = 0; l < t->nlinks; l++) {
		a = topo_link_port(t, l, 0);
		b = topo_link_port(t, l, 1);
		stats_link_fold(d, l, &s);
		fprintf(f, "%.3f,%u,%s,%s,%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,"
			   "%.1f,%.1f,%.1f,%.1f\n",
			when, l, t->nodes[a->node].name, a->ifname,
			t->nodes[b->node].name, b->ifname,
			(unsigned long long)s.ab_packets,
			(unsigned long long)s.ab_bytes,
			(unsigned long long)s.ba_packets,
			(unsigned long long)s.ba_bytes,
			(unsigned long long)s.drops,
			(unsigned long long)s.errors, s.ab_packets / dt,
			s.ab_bytes * 8 / dt, s.ba_packets / dt,
			s.ba_bytes * 8 / dt);
	}
}
