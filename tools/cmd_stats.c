/* lunet stats: the counters of every link of a running emulation, from its
 * record (core/control/state.h) and one pass over its nodes (core/observe/stats.h): a
 * table, JSON, a CSV time series or a view refreshed like top. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sys/intr.h"
#include "core/cluster/coord.h"
#include "core/control/state.h"
#include "core/observe/stats.h"
#include "tools/cli.h"
#include "topo/topo.h"

enum stats_mode { MODE_TABLE, MODE_JSON, MODE_CSV, MODE_TOP };

struct stats_opts {
	enum stats_mode mode;
	double interval; /* seconds; 0: none given */
	long count;      /* samples to print; 0: until interrupted */
	long rows;       /* -n; 0: all (top: the terminal's height) */
	enum stats_field sort;
	bool sorted;     /* --sort given */
};

/* What one run needs: the topology and two samples to subtract. */
struct sampler {
	const char *name;
	struct topo *t;
	struct stats_if *now, *then, *delta;
	uint32_t *order;
	double t_now, t_then; /* monotonic seconds of the samples */
};

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int positive(const char *opt, const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (*end || errno || *out < 1)
		return cli_fail("%s: '%s' is not a positive number", opt, s);
	return 0;
}

static int parse_opts(int argc, char **argv, struct stats_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "top", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "sort", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "stats", "htji:c:s:n:",
			       longopts)) != -1) {
		switch (c) {
		case 'h':
			cli_help_exit("stats");
		case 't':
			o->mode = MODE_TOP;
			break;
		case 'j':
			if (o->mode != MODE_TOP)
				o->mode = MODE_JSON;
			break;
		case 'i':
			o->interval = strtod(optarg, &end);
			if (*end || !(o->interval > 0) || o->interval > 86400)
				return cli_fail("--interval: '%s' is not a "
						"number of seconds", optarg);
			break;
		case 'c':
			if (positive("--count", optarg, &o->count))
				return 1;
			break;
		case 'n':
			if (positive("-n", optarg, &o->rows))
				return 1;
			break;
		case 's':
			if (stats_field_parse(optarg, &o->sort))
				return cli_fail("--sort: no field '%s' (link, "
						"packets, bytes, drops, errors)",
						optarg);
			o->sorted = true;
			break;
		}
	}
	if (o->mode == MODE_JSON && o->interval > 0)
		return cli_fail("--json prints one document: it does not mix "
				"with --interval");
	if (o->mode == MODE_TABLE && o->interval > 0)
		o->mode = MODE_CSV;
	if (o->count && o->mode != MODE_CSV && o->mode != MODE_TOP)
		return cli_fail("--count needs --interval or --top");
	if (o->mode == MODE_TOP && !o->sorted)
		o->sort = STATS_BY_PACKETS;
	if (argc - optind > 1)
		cli_bad_args("stats", "unexpected argument '%s'",
			     argv[optind + 1]);
	return argc - optind == 1 ? 0 : (cli_usage_exit("stats"), 1);
}

static int sampler_open(struct sampler *s, const char *name)
{
	struct state_info info;
	struct err err;
	size_t n;
	int rc;

	s->name = name;
	err_clear(&err);
	rc = state_read(name, &s->t, &info, &err);
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", name);
	if (rc)
		return cli_fail("%s", err.msg);
	n = 2 * (size_t)(s->t->nlinks ? s->t->nlinks : 1);
	s->now = calloc(n, sizeof(*s->now));
	s->then = calloc(n, sizeof(*s->then));
	s->delta = calloc(n, sizeof(*s->delta));
	s->order = calloc(n, sizeof(*s->order));
	if (!s->now || !s->then || !s->delta || !s->order)
		return cli_fail("out of memory");
	return 0;
}

static void sampler_close(struct sampler *s)
{
	free(s->now);
	free(s->then);
	free(s->delta);
	free(s->order);
	if (s->t)
		topo_free(s->t);
}

/* Takes a new sample; the last one becomes "then", and delta the
 * difference.  Returns 0 or 1 after saying why. */
static int sample(struct sampler *s)
{
	struct stats_if *swap = s->then;
	struct err err;
	size_t i;

	s->then = s->now;
	s->now = swap;
	s->t_then = s->t_now;
	err_clear(&err);
	if (stats_read(s->t, s->now, &err)) {
		if (intr_signal)
			return 1;
		return cli_fail("%s: %s", s->name, err.msg);
	}
	s->t_now = cli_now();
	for (i = 0; i < 2 * (size_t)s->t->nlinks; i++)
		stats_sub(&s->delta[i], &s->now[i], &s->then[i]);
	return 0;
}

/* Sleeps until seconds after the last sample; false when interrupted. */
static bool wait_next(const struct sampler *s, double seconds)
{
	double left = s->t_now + seconds - cli_now();
	struct timespec ts;

	while (!intr_signal && left > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		left = s->t_now + seconds - cli_now();
	}
	return !intr_signal;
}

static size_t rows_of(const struct sampler *s, const struct stats_opts *o)
{
	size_t n = s->t->nlinks;

	if (o->rows && (size_t)o->rows < n)
		return (size_t)o->rows;
	if (!o->rows && o->mode == MODE_TOP && isatty(STDOUT_FILENO) &&
	    n > 20)
		return 20;
	return n;
}

static int run_once(struct sampler *s, const struct stats_opts *o)
{
	if (sample(s))
		return 1;
	if (o->mode == MODE_JSON) {
		stats_json(stdout, s->t, s->now, unix_now());
		return 0;
	}
	if (o->sorted && stats_sort(s->t, s->now, o->sort, s->order))
		return cli_fail("out of memory");
	stats_table(stdout, s->t, s->now, o->sorted ? s->order : NULL,
		    rows_of(s, o));
	return 0;
}

static int run_csv(struct sampler *s, const struct stats_opts *o)
{
	long i;

	if (sample(s))
		return 1;
	stats_csv_header(stdout);
	fflush(stdout);
	for (i = 0; !o->count || i < o->count; i++) {
		if (!wait_next(s, o->interval) || sample(s))
			break;
		stats_csv_rows(stdout, s->t, s->delta, s->t_now - s->t_then,
			       unix_now());
		fflush(stdout);
	}
	return 0;
}

static int run_top(struct sampler *s, const struct stats_opts *o)
{
	double every = o->interval > 0 ? o->interval : 1;
	bool tty = isatty(STDOUT_FILENO);
	time_t now;
	char hms[16];
	long i;

	if (sample(s))
		return 1;
	for (i = 0; !o->count || i < o->count; i++) {
		if (!wait_next(s, every) || sample(s))
			break;
		if (stats_sort(s->t, s->delta, o->sort, s->order))
			return cli_fail("out of memory");
		now = time(NULL);
		strftime(hms, sizeof(hms), "%H:%M:%S", localtime(&now));
		/* Clear the screen, cursor home: a refreshed view on a
		 * terminal, successive blocks in a file or a pipe. */
		printf("%s%s: %u links, rates over %.1f s, %s\n",
		       tty ? "\033[H\033[2J" : i ? "\n" : "", s->name,
		       s->t->nlinks, s->t_now - s->t_then, hms);
		stats_table_rates(stdout, s->t, s->delta,
				  s->t_now - s->t_then, s->order,
				  rows_of(s, o));
		fflush(stdout);
	}
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { .mode = MODE_TABLE };
	struct sampler s = { 0 };
	int rc;

	if (parse_opts(argc, argv, &o))
		return 1;
	if (cli_need_root())
		return 1;
	if (intr_install())
		return cli_fail("cannot install signal handlers");
	/* Across machines the counters are the machines': the daemon that
	 * owns the emulation asks them (its console's "stats"). */
	if (cluster_recorded(argv[optind])) {
		if (o.mode != MODE_TABLE || o.sorted || o.rows)
			return cli_fail("%s runs across machines: 'lunet stats "
					"NAME' prints the table; --top, --json, "
					"--interval, --sort and -n are not "
					"there yet", argv[optind]);
		return cli_ctl_line(argv[optind], "stats");
	}
	rc = sampler_open(&s, argv[optind]);
	if (!rc && o.mode == MODE_CSV)
		rc = run_csv(&s, &o);
	else if (!rc && o.mode == MODE_TOP)
		rc = run_top(&s, &o);
	else if (!rc)
		rc = run_once(&s, &o);
	sampler_close(&s);
	return rc;
}
