/* lunet capture: packets of a running emulation's interfaces to pcap files
 * or a pipe, from this process (core/observe/capture), like tcpdump -w. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "core/observe/capture.h"
#include "core/cluster/coord.h"
#include "core/control/state.h"
#include "tools/cli.h"
#include "topo/topo.h"

#define MAX_TARGETS 4096

struct cap_args {
	const char *name;
	const char *file; /* -w */
	char *filter;	  /* -f or the words after the targets */
	struct capture_opts o;
	char **words; /* the targets */
	int nwords;
	bool quiet;
};

static unsigned long long number(const char *s, const char *opt)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		cli_fail("%s: '%s' is not a number", opt, s);
		exit(1);
	}
	return v;
}

/* -C: millions of bytes as tcpdump takes them, or with a suffix k, m or g
 * (KiB, MiB, GiB). */
static uint64_t file_size(const char *s)
{
	static const char units[] = "kmg";
	unsigned long long v;
	const char *u;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-' || (*end && end[1]) ||
	    (*end && !(u = strchr(units, *end | 0x20)))) {
		cli_fail("-C: '%s' is not a size (MB, or 100k, 2m, 1g)", s);
		exit(1);
	}
	if (!*end)
		return v * 1000000;
	return v << (10 * (u - units + 1));
}

static void parse_opts(int argc, char **argv, struct cap_args *a)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"write", required_argument, NULL, 'w'},
	    {"filter", required_argument, NULL, 'f'},
	    {"count", required_argument, NULL, 'c'},
	    {"snaplen", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "capture", "hqw:f:c:C:W:s:",
			       longopts)) != -1) {
		switch (c) {
		case 'h':
			cli_help_exit("capture");
			break;
		case 'q':
			a->quiet = cli_quiet = true;
			break;
		case 'w':
			a->file = optarg;
			break;
		case 'f':
			a->filter = optarg;
			break;
		case 'c':
			a->o.count = number(optarg, "-c");
			break;
		case 'C':
			a->o.file_size = file_size(optarg);
			break;
		case 'W':
			a->o.nfiles = (unsigned)number(optarg, "-W");
			break;
		case 's':
			a->o.snaplen = (int)number(optarg, "-s");
			break;
		}
	}
	if (argc - optind < 2)
		cli_usage_exit("capture");
	a->name = argv[optind];
	a->words = argv + optind + 1;
	a->nwords = argc - optind - 1;
}

/* Whether a word that is no target was meant as one (and is then an
 * error) rather than the start of the filter. */
static bool looks_like_target(const char *w)
{
	return strchr(w, ':') || strchr(w, ',');
}

/* Parses the leading words that are targets; the rest is the filter. */
static int parse_targets(struct cap_args *a, const struct topo *t,
			 struct capture_spec *specs, int *nspecs)
{
	struct err err;
	int i;

	for (i = 0; i < a->nwords; i++) {
		err_clear(&err);
		if (capture_spec_parse(t, a->words[i], &specs[i], &err)) {
			if (i == 0 || looks_like_target(a->words[i]))
				return cli_fail("%s", err.msg);
			break;
		}
	}
	*nspecs = i;
	if (i == a->nwords)
		return 0;
	if (a->filter)
		return cli_fail("give the filter with -f or after the "
				"targets, not both ('%s')",
				a->words[i]);
	a->filter = capture_join(a->words + i, a->nwords - i);
	return a->filter ? 0 : cli_fail("out of memory");
}

/* Where each target's packets go: one file (or stdout) for all, or, when
 * a whole node is captured into a file, one file per interface. */
static int set_files(struct cap_args *a, const struct capture_spec *specs,
		     int nspecs, struct capture_target *tg, int n,
		     char (*files)[4096])
{
	bool per_intf = false, dir;
	struct stat st;
	int i;

	for (i = 0; i < nspecs; i++)
		per_intf |= specs[i].kind == CAPTURE_NODE;
	if (!a->file) {
		if (isatty(STDOUT_FILENO))
			return cli_fail("give -w FILE, or -w - to write "
					"to a pipe");
		a->file = CAPTURE_STDOUT;
	}
	if (!strcmp(a->file, CAPTURE_STDOUT))
		per_intf = false;
	if ((a->o.file_size || a->o.nfiles) && !strcmp(a->file, CAPTURE_STDOUT))
		return cli_fail("-C and -W need a file (-w FILE)");
	if (a->o.nfiles && !a->o.file_size)
		return cli_fail("-W needs -C");
	dir = per_intf && !stat(a->file, &st) && S_ISDIR(st.st_mode);
	for (i = 0; i < n; i++) {
		tg[i].file = a->file;
		if (!per_intf)
			continue;
		if (capture_intf_file(files[i], sizeof(files[i]), a->file, dir,
				      dir || nspecs > 1 ? tg[i].node : NULL,
				      tg[i].ifname))
			return cli_fail("%s: name too long", a->file);
		tg[i].file = files[i];
	}
	return 0;
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void on_done(void *arg)
{
	ev_break(arg, EVBREAK_ALL);
}

/* Captures until a signal, the count, or the emulation's end. */
static int run(struct cap_args *a, struct capture_target *tg, int n)
{
	struct ev_loop *loop = EV_DEFAULT;
	ev_signal sigs[3];
	static const int signos[] = {SIGINT, SIGTERM, SIGHUP};
	struct capture *c;
	struct err err;
	int i, rc = 0;

	a->o.filter = a->filter;
	a->o.done = on_done;
	a->o.arg = loop;
	err_clear(&err);
	if (capture_open(&c, tg, n, &a->o, &err))
		return cli_fail("%s", err.msg);
	/* A reader of stdout that goes away is a write error, not death. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 3; i++) {
		ev_signal_init(&sigs[i], on_stop, signos[i]);
		ev_signal_start(loop, &sigs[i]);
	}
	if (!a->quiet)
		fprintf(stderr,
			"lunet: capturing on %d interface%s of %s "
			"into %s\n",
			n, n == 1 ? "" : "s", a->name,
			!strcmp(a->file, CAPTURE_STDOUT) ? "standard output"
							 : a->file);
	capture_start(c, loop);
	ev_run(loop, 0);
	capture_stop(c);
	for (i = 0; i < 3; i++)
		ev_signal_stop(loop, &sigs[i]);
	if (capture_why(c)[0])
		rc = cli_fail("%s", capture_why(c));
	else if (capture_gone(c) && !a->quiet)
		fprintf(stderr, "lunet: %s is gone; capture stopped\n",
			a->name);
	if (!a->quiet)
		fprintf(stderr, "lunet: %llu packets captured, %llu dropped\n",
			(unsigned long long)capture_count(c),
			(unsigned long long)capture_dropped(c));
	capture_free(c);
	return rc;
}

/* Across machines: one target captured by the daemon that owns the
 * emulation (its console's capture, which has each end captured by its
 * node's machine), until a signal; then stopped, the files written.
 * *joinedp: the filter made of the words after the target, if any. */
static int run_remote_words(struct cap_args *a, char **joinedp)
{
	char *line = NULL, *text = NULL, file[8200], cwd[4096], args[300];
	struct capture_spec sp;
	struct state_info info;
	struct topo *t = NULL;
	struct err err;
	sigset_t set;
	int rc, id, sig;

	/* One target; the words after it are the filter. */
	if (a->nwords > 1 && !looks_like_target(a->words[1])) {
		if (!a->filter)
			a->filter = *joinedp =
				capture_join(a->words + 1, a->nwords - 1);
		a->nwords = 1;
	}
	if (a->nwords != 1 || !strcmp(a->file, CAPTURE_STDOUT) ||
	    a->o.count || a->o.file_size || a->o.snaplen)
		return cli_fail("%s runs across machines: 'lunet capture' "
				"takes one TARGET and -w FILE there (no -c, "
				"-C, -W, -s, or standard output) for now",
				a->name);
	err_clear(&err);
	rc = state_read(a->name, &t, &info, &err);
	if (rc)
		return cli_fail("%s", err.msg);
	rc = capture_spec_parse(t, a->words[0], &sp, &err);
	if (!rc) {
		const char *n = t->nodes[sp.node].name;

		if (sp.kind == CAPTURE_LINK)
			snprintf(args, sizeof(args), "%s %s", n,
				 t->nodes[sp.peer].name);
		else if (sp.kind == CAPTURE_INTF)
			snprintf(args, sizeof(args), "%s:%s", n, sp.ifname);
		else
			snprintf(args, sizeof(args), "%s", n);
	}
	topo_free(t);
	if (rc)
		return cli_fail("%s", err.msg);
	/* The daemon's files are in its directory, /: the path whole. */
	if (a->file[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(file, sizeof(file), "%s/%s", cwd, a->file);
	else
		snprintf(file, sizeof(file), "%s", a->file);
	if (asprintf(&line, "capture %s %s%s%s", args, file,
		     a->filter ? " " : "", a->filter ? a->filter : "") < 0)
		return cli_fail("out of memory");
	/* Signals wait for us, so none comes between start and wait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	rc = cli_ctl_line_text(a->name, line, &text);
	free(line);
	if (rc || !text || sscanf(text, "capture %d:", &id) != 1) {
		if (text)
			fputs(text, stderr);
		free(text);
		return rc ? rc : cli_fail("%s: the capture did not start",
					  a->name);
	}
	free(text);
	if (!a->quiet)
		fprintf(stderr, "lunet: capturing %s of %s (across machines) "
			"into %s until Ctrl-C\n", a->words[0], a->name, file);
	sigwait(&set, &sig);
	if (asprintf(&line, "capture stop %d", id) < 0)
		return cli_fail("out of memory");
	rc = cli_ctl_line_text(a->name, line, &text);
	free(line);
	if (text && !a->quiet)
		fputs(text, stderr);
	free(text);
	return rc;
}

/* run_remote_words(), and the filter it made freed. */
static int run_remote(struct cap_args *a)
{
	char *joined = NULL;
	int rc = run_remote_words(a, &joined);

	free(joined);
	return rc;
}

int cmd_capture(int argc, char **argv)
{
	struct cap_args a = {0};
	struct capture_target *tg = NULL;
	struct capture_spec *specs = NULL;
	char(*files)[4096] = NULL;
	struct state_info info;
	struct topo *t = NULL;
	char *words_filter;
	int rc, i, k, n = 0, nspecs = 0;
	struct err err;

	parse_opts(argc, argv, &a);
	words_filter = a.filter;
	if (cli_need_root())
		return 1;
	err_clear(&err);
	if (cluster_recorded(a.name))
		return run_remote(&a);
	rc = state_read(a.name, &t, &info, &err);
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", a.name);
	if (rc)
		return cli_fail("%s", err.msg);
	specs = calloc(a.nwords, sizeof(*specs));
	tg = calloc(MAX_TARGETS, sizeof(*tg));
	rc = specs && tg ? 0 : cli_fail("out of memory");
	if (!rc)
		rc = parse_targets(&a, t, specs, &nspecs);
	for (i = 0; !rc && i < nspecs; i++) {
		k = capture_spec_targets(t, a.name, &specs[i], tg + n,
					 MAX_TARGETS - n);
		if (k < 0)
			rc = cli_fail("more than %d interfaces", MAX_TARGETS);
		n += k > 0 ? k : 0;
	}
	if (!rc && !n)
		rc = cli_fail("%s: no interface to capture on", a.words[0]);
	if (!rc && !(files = calloc(n, sizeof(*files))))
		rc = cli_fail("out of memory");
	if (!rc)
		rc = set_files(&a, specs, nspecs, tg, n, files);
	if (!rc)
		rc = run(&a, tg, n);
	if (a.filter != words_filter)
		free(a.filter);
	free(files);
	free(tg);
	free(specs);
	topo_free(t);
	return rc;
}
