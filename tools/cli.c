/* The helpers every command of the lunet CLI shares: messages, the
 * options common to commands, and build progress on the terminal. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/engine/engine.h"
#include "tools/cli.h"

static const struct cli_cmd *cmds;
static size_t ncmds;
bool cli_quiet;
const char *cli_name_opt;
const char *cli_topo_opt;
const char *cli_machines_opt;
const char *cli_events_opt;

void cli_say(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("lunet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cli_need_root(void)
{
	if (geteuid() == 0)
		return 0;
	return cli_fail("this command needs root (it creates network "
		    "namespaces); run it as root or with sudo");
}

/* Parses the options every command shares; returns optind. */
int cli_common_opts(int argc, char **argv, const char *cmd)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "name", required_argument, NULL, 'n' },
		{ "topo", required_argument, NULL, 't' },
		{ "machines", required_argument, NULL, 'm' },
		{ "push", no_argument, NULL, 'P' },
		{ "events", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, cmd, "+hqn:t:m:e:", longopts)) !=
	       -1) {
		switch (c) {
		case 'e':
			cli_events_opt = optarg;
			break;
		case 'm':
			cli_machines_opt = optarg;
			emu_machines_default(optarg, 0);
			break;
		case 'P':
			emu_machines_push(true);
			break;
		case 't':
			cli_topo_opt = optarg;
			break;
		case 'n':
			cli_name_opt = optarg;
			break;
		case 'h':
			cli_help_exit(cmd);
			break;
		case 'q':
			cli_quiet = true;
			break;
		}
	}
	return optind;
}

/* Build and teardown progress: once one has taken a second, a line on
 * the terminal, rewritten as it goes; nothing when stdout is not a
 * terminal or with --quiet.  LUNET_PROGRESS=1 prints one line per phase
 * instead, wherever stdout goes (tools/bench reads them). */
struct progress {
	double start, phase_start, last, shown_at;
	int phase;
	bool shown, lines;
};

static struct progress progress;

static void show_progress(void *arg, enum emu_phase phase, size_t done,
			  size_t total)
{
	static const char *const names[] = { "namespaces", "links", "nodes",
					     "teardown", "daemons",
					     "routing" };
	struct progress *p = arg;
	double t = cli_now(), secs;

	if ((int)phase != p->phase) {
		if (phase == EMU_PHASE_NAMESPACES || phase == EMU_PHASE_TEARDOWN)
			p->start = p->last = t;
		p->phase = phase;
		p->phase_start = p->last;
	}
	p->last = t;
	secs = t - p->phase_start;
	if (p->lines && done == total)
		printf("lunet: phase %s: %zu in %.2f s\n", names[phase], total,
		       secs);
	if (p->lines || t - p->start < 1 || t - p->shown_at < 0.1)
		return;
	printf("\r\033[Klunet: %s %zu/%zu (%.0f/s)", names[phase], done,
	       total, secs > 0 ? done / secs : 0.0);
	fflush(stdout);
	p->shown = true;
	p->shown_at = t;
}

void cli_progress_install(void)
{
	const char *env = getenv("LUNET_PROGRESS");
	struct emu_opts o = { .progress = show_progress, .arg = &progress };

	progress.phase = -1;
	progress.lines = env && !strcmp(env, "1");
	if (progress.lines || (!cli_quiet && isatty(STDOUT_FILENO)))
		emu_progress_default(&o);
}

/* Clears the progress line, if one is showing. */
void cli_progress_clear(void)
{
	if (progress.shown)
		printf("\r\033[K");
	progress.shown = false;
	progress.phase = -1;
}

void cli_commands(const struct cli_cmd *table, size_t n)
{
	cmds = table;
	ncmds = n;
}

const struct cli_cmd *cli_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

void cli_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: lunet COMMAND [ARGS]\n\n"
		   "A network emulator: Lua topologies built as network "
		   "namespaces.\n\nCommands:\n");
	for (i = 0; i < ncmds; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].args);
	fprintf(f, "\n'lunet help COMMAND' or 'lunet COMMAND --help' tells "
		   "more.\n");
}

static void cmd_usage(FILE *f, const char *name)
{
	const struct cli_cmd *c = cli_find_cmd(name);

	if (c)
		fprintf(f, "usage: lunet %s %s\n\n%s\n", c->name, c->args,
			c->help);
}

void cli_usage_exit(const char *name)
{
	cmd_usage(stderr, name);
	exit(1);
}

void cli_help_exit(const char *name)
{
	cmd_usage(stdout, name);
	exit(0);
}

/* ---- Flags ------------------------------------------------------------- */

void cli_bad_args(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lunet %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lunet %s --help'.\n", cmd);
	exit(1);
}

/* The long options whose names start with the len bytes of name. */
static int long_matches(const struct option *longopts, const char *name,
			size_t len)
{
	int n = 0;

	for (; longopts && longopts->name; longopts++) {
		if (strlen(longopts->name) == len &&
		    !strncmp(longopts->name, name, len))
			return 1; /* exact: not ambiguous */
		n += !strncmp(longopts->name, name, len);
	}
	return n;
}

/* Says what getopt_long() refused (c: '?' or ':') in argv, and exits.  A
 * long option is always whole in argv[optind - 1]; a short one may sit
 * inside a cluster ("-qx"), so it is named by optopt. */
static void refused(int c, char **argv, const char *cmd,
		    const struct option *longopts)
{
	const char *arg = argv[optind - 1];
	size_t len;

	if (!strncmp(arg, "--", 2) &&
	    (!optopt || c == ':' || strchr(arg, '='))) {
		len = strcspn(arg, "=");
		if (c == ':')
			cli_bad_args(cmd, "option '%.*s' needs a value",
				     (int)len, arg);
		if (optopt)
			cli_bad_args(cmd, "option '%.*s' takes no value",
				     (int)len, arg);
		if (long_matches(longopts, arg + 2, len - 2) > 1)
			cli_bad_args(cmd, "ambiguous option '%.*s'", (int)len,
				     arg);
		cli_bad_args(cmd, "unknown option '%.*s'", (int)len, arg);
	}
	if (c == ':')
		cli_bad_args(cmd, "option '-%c' needs a value", optopt);
	cli_bad_args(cmd, "unknown option '-%c'", optopt);
}

int cli_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
	       const struct option *longopts)
{
	size_t order = strspn(shortopts, "+-");
	char opts[128];
	int c;

	/* ':' (after the '+' or '-') tells a missing value from an
	 * unknown option, and opterr = 0 keeps getopt's own message, which
	 * names the command without "lunet", from stderr. */
	snprintf(opts, sizeof(opts), "%.*s:%s", (int)order, shortopts,
		 shortopts + order);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c == '?' || c == ':')
		refused(c, argv, cmd, longopts);
	return c;
}

int cli_plain_opts(int argc, char **argv, const char *cmd, int max)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, cmd, "+hq", longopts)) != -1) {
		if (c == 'h')
			cli_help_exit(cmd);
		cli_quiet = true;
	}
	if (max >= 0 && argc - optind > max)
		cli_bad_args(cmd, "unexpected argument '%s'",
			     argv[optind + max]);
	return optind;
}

int cli_make_dir(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return cli_fail("%s: %s", path, strerror(errno));
	return 0;
}

long long cli_pick_seed(void)
{
	unsigned int v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
		v = (unsigned int)time(NULL) ^ (unsigned int)getpid() << 8;
	if (fd >= 0)
		close(fd);
	return v & 0x7fffffff;
}
