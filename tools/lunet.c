/* lunet: the command line.  Argument parsing and printing only; the work
 * is done by core/, topo/ and lua/. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <lauxlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/sys/feature.h"
#include "core/impair/impair.h"
#include "core/sys/intr.h"
#include "core/engine/neigh.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"
#include "core/control/state.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"
#include "topo/topo.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

bool cli_quiet;
static const char *name_opt;
static const char *topo_opt;

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
static int common_opts(int argc, char **argv, const char *cmd)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "name", required_argument, NULL, 'n' },
		{ "topo", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+hqn:t:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			topo_opt = optarg;
			break;
		case 'n':
			name_opt = optarg;
			break;
		case 'h':
			cli_help_exit(cmd);
			break;
		case 'q':
			cli_quiet = true;
			break;
		default:
			fprintf(stderr, "Try 'lunet %s --help'.\n", cmd);
			exit(1);
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
					     "teardown" };
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

static void progress_install(void)
{
	const char *env = getenv("LUNET_PROGRESS");
	struct emu_opts o = { .progress = show_progress, .arg = &progress };

	progress.phase = -1;
	progress.lines = env && !strcmp(env, "1");
	if (progress.lines || (!cli_quiet && isatty(STDOUT_FILENO)))
		emu_progress_default(&o);
}

/* Clears the progress line, if one is showing. */
static void progress_clear(void)
{
	if (progress.shown)
		printf("\r\033[K");
	progress.shown = false;
	progress.phase = -1;
}

static void print_up(struct lnet *n)
{
	progress_clear();
	cli_say("lunet: %s up: %u nodes, %u links in %.2f s\n", n->topo->name,
	    n->topo->nnodes, n->topo->nlinks, n->started);
}

/* Starts the network the script returned, if it has not started it. */
static int start_returned(lua_State *L, struct lnet *n)
{
	struct err err;

	if (n->emu)
		return 0;
	if (script_method(L, -1, "start", &err))
		return cli_fail("%s", err.msg);
	lua_pop(L, 1);
	print_up(n);
	return 0;
}

static int check_reachability(lua_State *L)
{
	struct err err;
	int ok;

	if (script_method(L, -1, "pingall", &err))
		return cli_fail("%s", err.msg);
	lua_getfield(L, -1, "loss");
	ok = lua_tonumber(L, -1) == 0;
	lua_pop(L, 1);
	if (script_lib(L, "format_pingall", -1, &err))
		return cli_fail("%s", err.msg);
	cli_say("%s\n", lua_tostring(L, -1));
	lua_pop(L, 2);
	return ok ? 0 : 1;
}

/* Stops (or, for "up", leaves running) every network the script made. */
static int finish_all(lua_State *L, bool leave_up)
{
	struct lnet *n;
	struct err err;
	int rc = 0;
	double t0;
	lua_Integer i;

	lnet_push_all(L);
	for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		n = lnet_check(L, -1);
		lua_pop(L, 1);
		if (!n->emu)
			continue;
		if (leave_up) {
			if (cli_daemon(L, n)) {
				rc = 1;
				continue;
			}
			cli_say("lunet: %s is up; 'lunet down %s' removes it\n",
			    n->topo->name, n->topo->name);
			continue;
		}
		t0 = cli_now();
		lcapture_stop_net(L, n);
		err_clear(&err);
		if (emu_stop(n->emu, &err))
			rc = cli_fail("%s", err.msg);
		n->emu = NULL;
		progress_clear();
		cli_say("lunet: %s down in %.2f s\n", n->topo->name,
			cli_now() - t0);
	}
	lua_pop(L, 2);
	return rc;
}

/* Runs file (or --topo); then use, when given, gets the network it
 * started ("lunet console"); else "run" checks it and "up" leaves it. */
static int run_file(const char *file, bool leave_up,
		    int (*use)(lua_State *L, struct lnet *n))
{
	struct lnet *n = NULL;
	struct err err;
	lua_State *L;
	int rc = 0;

	if (cli_need_root())
		return 1;
	if (intr_install())
		return cli_fail("cannot install signal handlers");
	progress_install();
	L = script_new(&err);
	if (!L)
		return cli_fail("%s", err.msg);
	if (name_opt) {
		lua_pushstring(L, name_opt);
		lua_setfield(L, LUA_REGISTRYINDEX, LNET_NAME);
	}
	if (topo_opt && file) {
		rc = cli_fail("give a FILE or --topo, not both");
	} else if (topo_opt ? script_dotopo(L, topo_opt, &err) :
			      script_dofile(L, file, &err)) {
		rc = cli_fail("%s", err.msg);
	} else {
		n = luaL_testudata(L, -1, LNET_MT);
		if (n)
			rc = start_returned(L, n);
		else if (leave_up)
			cli_say("lunet: %s returned no network\n",
			    file ? file : "default");
		if (!rc && use)
			rc = use(L, n);
		else if (!rc && n && !leave_up)
			rc = check_reachability(L);
	}
	if (finish_all(L, leave_up && !rc))
		rc = 1;
	script_close(L);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	int i = common_opts(argc, argv, "run");

	if (argc - i > 1)
		cli_usage_exit("run");
	return run_file(i < argc ? argv[i] : NULL, false, NULL);
}

static int cmd_up(int argc, char **argv)
{
	int i = common_opts(argc, argv, "up");

	if (argc - i > 1)
		cli_usage_exit("up");
	return run_file(i < argc ? argv[i] : NULL, true, NULL);
}

int cli_run_file(const char *file, const char *topo, const char *name,
		 int (*use)(lua_State *L, struct lnet *n))
{
	topo_opt = topo;
	name_opt = name;
	return run_file(file, false, use);
}

static int cmd_down(int argc, char **argv)
{
	int i = common_opts(argc, argv, "down"), rc = 0;
	struct err err;
	double t0;

	if (i == argc)
		cli_usage_exit("down");
	if (cli_need_root())
		return 1;
	for (; i < argc; i++) {
		t0 = cli_now();
		err_clear(&err);
		if (emu_destroy(argv[i], &err))
			rc = cli_fail("%s", err.msg);
		else
			cli_say("lunet: %s down in %.2f s\n", argv[i],
				cli_now() - t0);
	}
	return rc;
}

static int cmd_exec(int argc, char **argv)
{
	int i = common_opts(argc, argv, "exec"), rc;
	char path[NETNS_PATHSIZ];
	struct state_info info;
	struct topo *t;
	struct err err;

	if (argc - i < 3)
		cli_usage_exit("exec");
	if (cli_need_root())
		return 1;
	err_clear(&err);
	rc = state_read(argv[i], &t, &info, &err);
	if (rc == -ENOENT)
		return cli_fail("no emulation named '%s'", argv[i]);
	if (rc)
		return cli_fail("%s", err.msg);
	if (topo_node_find(t, argv[i + 1]) == TOPO_NONE) {
		topo_free(t);
		return cli_fail("no node '%s' in emulation '%s'", argv[i + 1],
			    argv[i]);
	}
	topo_free(t);
	netns_path(path, sizeof(path), argv[i], argv[i + 1]);
	rc = proc_exec(path, argv + i + 2);
	cli_fail("%s: %s", argv[i + 2], strerror(-rc));
	return rc == -ENOENT ? 127 : 126;
}

static void format_age(char *buf, size_t len, long long created)
{
	long long s = (long long)time(NULL) - created;

	if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%lldh", s / 3600);
}

static int cmd_ls(int argc, char **argv)
{
	struct state_info info;
	char **names, age[32], owner[16];
	size_t n, i;
	int rc;

	common_opts(argc, argv, "ls");
	rc = state_list(&names, &n);
	if (rc)
		return cli_fail("%s: %s", state_dir(), strerror(-rc));
	if (n)
		printf("%-20s %-9s %7s %7s %8s %5s\n", "NAME", "STATUS",
		       "NODES", "LINKS", "OWNER", "AGE");
	for (i = 0; i < n; i++) {
		if (state_read_info(names[i], &info))
			continue;
		format_age(age, sizeof(age), info.created);
		snprintf(owner, sizeof(owner), "%d", (int)info.owner);
		printf("%-20s %-9s %7u %7u %8s %5s\n", names[i],
		       state_is_stale(&info) ? "stale" :
					       state_status_name(info.status),
		       info.nnodes, info.nlinks, info.owner ? owner : "-",
		       age);
	}
	state_list_free(names, n);
	return 0;
}

/* A directory claimed by a lunet that died before writing any state. */
static bool empty_claim(const char *name)
{
	char path[256];
	struct stat st;

	if (state_path(path, sizeof(path), name, NULL) || stat(path, &st))
		return false;
	return time(NULL) - st.st_mtime > 10;
}

static int clean_one(const char *name, bool all, bool named)
{
	struct state_info info;
	struct err err;
	int rc;

	rc = state_read_info(name, &info);
	if (rc == -ENOENT && (named || empty_claim(name))) {
		state_remove(name);
		cli_say("lunet: removed the empty record of %s\n", name);
		return 0;
	}
	if (rc)
		return named ? cli_fail("no emulation named '%s'", name) : 0;
	if (!named && !all && !state_is_stale(&info))
		return 0;
	err_clear(&err);
	if (emu_destroy(name, &err))
		return cli_fail("%s", err.msg);
	cli_say("lunet: removed %s (%u nodes)\n", name, info.nnodes);
	return 0;
}

static int cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	char **names;
	size_t n, k;
	int c, i, rc = 0;

	while ((c = getopt_long(argc, argv, "ahq", longopts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'q')
			cli_quiet = true;
		else if (c == 'h')
			cli_help_exit("clean");
		else
			cli_usage_exit("clean");
	}
	if (cli_need_root())
		return 1;
	for (i = optind; i < argc; i++)
		rc |= clean_one(argv[i], false, true);
	if (optind == argc) {
		if (state_list(&names, &n))
			return cli_fail("%s: cannot list", state_dir());
		for (k = 0; k < n; k++)
			rc |= clean_one(names[k], all, false);
		state_list_free(names, n);
	}
	neigh_release(NULL);
	return rc;
}

static int cmd_help(int argc, char **argv);

static int cmd_doctor(int argc, char **argv)
{
	const char *path, *missing;
	int f, p, has, rc = 0;

	common_opts(argc, argv, "doctor");
	if (cli_need_root())
		return 1;
	printf("%-9s %-8s %-24s %s\n", "FEATURE", "KERNEL", "CONFIG",
	       "USED FOR");
	for (f = 0; f < FEAT_COUNT; f++) {
		has = feature_has(f);
		printf("%-9s %-8s %-24s %s\n", feature_name(f),
		       has > 0 ? "yes" : has == 0 ? "missing" : "unknown",
		       feature_config(f), feature_use(f));
		if (has <= 0 && (f == FEAT_VETH || f == FEAT_BRIDGE))
			rc = 1;
	}
	/* Which way each link impairment goes on this kernel. */
	printf("\n%-10s %s\n", "IMPAIRMENT", "PATH ON THIS KERNEL");
	for (p = 0; p < IMP_NPARAMS; p++) {
		path = impair_path(p, &missing);
		if (path)
			printf("%-10s %s\n", impair_param_name(p), path);
		else
			printf("%-10s refused: the kernel lacks %s\n",
			       impair_param_name(p), missing);
	}
	return rc;
}

static int cmd_version(int argc, char **argv)
{
	printf("lunet 0.1.0\n");
	return 0;
}

static const struct cmd cmds[] = {
	{ "run", cmd_run, "[FILE]",
	  "Build the topology FILE returns (the built-in default without\n"
	  "FILE), check that every host reaches every other, print the\n"
	  "result and tear it all down.  A script that starts networks\n"
	  "itself has them torn down when it ends or fails.\n"
	  "  -n, --name NAME  name the emulation NAME, whatever the file says\n"
	  "  -t, --topo SPEC  a generated topology instead of FILE, Mininet\n"
	  "                   style: fattree,k=4  linear,100  leafspine,spines=2\n"
	  "  -q, --quiet      print only errors" },
	{ "up", cmd_up, "[FILE]",
	  "Build the topology and leave it running (state under\n"
	  "/run/lunet/NAME), owned by a daemon that 'lunet console\n"
	  "--attach NAME' talks to.  'lunet down NAME' removes it.\n"
	  "  -n, --name NAME  name the emulation NAME, whatever the file says\n"
	  "  -t, --topo SPEC  a generated topology instead of FILE\n"
	  "  -q, --quiet      print only errors" },
	{ "console", cmd_console, "[FILE] | --topo SPEC | --attach NAME",
	  "Build the topology and open a console on it (nodes, pingall,\n"
	  "h1 ping h2, link s1 r1 down, lua ...; 'help' lists them); exit\n"
	  "tears it down.  With --attach, a console on an emulation left up\n"
	  "by 'lunet up' (or run by another console); exit leaves it up.\n"
	  "Commands may come from a pipe or a file: the exit status is the\n"
	  "last failing command's.  See docs/console.md.\n"
	  "  -a, --attach NAME  attach to the running emulation NAME\n"
	  "  -n, --name NAME    name the emulation NAME, whatever the file says\n"
	  "  -t, --topo SPEC    a generated topology instead of FILE\n"
	  "  -q, --quiet        print only errors" },
	{ "test", cmd_test, "[OPTIONS] FILE|DIR...",
	  "Run the lunet.test() cases of scenario files (every *.lua under a\n"
	  "DIR), resetting networks between cases; TAP on stdout, exit\n"
	  "status 0 only when all pass.  See docs/scenarios.md.\n"
	  "  --junit FILE      also write a JUnit XML report to FILE\n"
	  "  --seed N          the seed of all randomness (printed otherwise)\n"
	  "  --artifacts DIR   write each file's event log (JSON lines) to DIR\n"
	  "  --fresh           rebuild networks between cases, not reset\n"
	  "  --timeout SECS    a case's default time limit (300)\n"
	  "  -n, --name NAME   name the first network of each file NAME" },
	{ "down", cmd_down, "NAME...",
	  "Tear down running emulations, from their recorded state alone." },
	{ "exec", cmd_exec, "NAME NODE COMMAND [ARG...]",
	  "Run COMMAND inside NODE of emulation NAME, with the terminal\n"
	  "and exit status of the command." },
	{ "ls", cmd_ls, "", "List emulations: status, nodes, links, owner." },
	{ "impair", cmd_impair, "NAME A B [SETTINGS] | NAME [A B]",
	  "Set the impairments of the link between A and B of emulation\n"
	  "NAME (run by 'lunet up' or a console), both directions unless\n"
	  "--from names one; without SETTINGS, show them.  Settings replace\n"
	  "those the direction had; 'clear' removes them.  See\n"
	  "docs/links.md.\n"
	  "  --delay D      added latency (20ms, 500us)\n"
	  "  --jitter D     +/- D around the delay, uniform\n"
	  "  --loss P       lost packets: 5% or 0.05\n"
	  "  --corrupt P    packets with one bit flipped\n"
	  "  --duplicate P  packets sent twice\n"
	  "  --reorder P    packets sent at once, ahead of the delayed ones\n"
	  "  --rate R       a cap: 10mbit, 1gbit\n"
	  "  --limit N      packets the delay holds (1000)\n"
	  "  --seed N       the draws' seed: the same seed, the same losses\n"
	  "  --from A       only what A sends" },
	{ "capture", cmd_capture,
	  "NAME TARGET... [-w FILE|-] [-c N] [-C SIZE [-W N]] [-s LEN] "
	  "[FILTER...]",
	  "Capture packets of emulation NAME into pcap files (tcpdump -r\n"
	  "reads them) until Ctrl-C, -c or the emulation's end.  TARGET is\n"
	  "NODE:IF, NODE (every interface: one file per interface,\n"
	  "FILE-IF.pcap, or DIR/NODE-IF.pcap when FILE is a directory) or\n"
	  "A-B / A,B (the link: what each end sends, so every packet once).\n"
	  "  -w FILE      write to FILE; '-': a pcap stream on stdout\n"
	  "  -f FILTER    a BPF filter (or the words after the targets)\n"
	  "  -c N         stop after N packets\n"
	  "  -C SIZE      files of SIZE (millions of bytes, or 100k, 2m):\n"
	  "               FILE0, FILE1...\n"
	  "  -W N         with -C, a ring of N files, FILE0 reused\n"
	  "  -s LEN       keep LEN bytes of each packet (262144)\n"
	  "  -q           no messages, only errors" },
	{ "stats", cmd_stats,
	  "NAME [--top] [--json] [--interval S [--count N]] [--sort F] [-n N]",
	  "Packet, byte, drop and error counters of every link of emulation\n"
	  "NAME, read from the kernel: a table (A>B is what end A sent).\n"
	  "  --json          one JSON document, both ends of every link\n"
	  "  --interval S    a CSV time series: every S seconds, per link,\n"
	  "                  what it carried since the last row and rates\n"
	  "  --count N       stop after N rows of links (N intervals)\n"
	  "  --top           refresh like top, busiest links first (every\n"
	  "                  second, or --interval)\n"
	  "  --sort FIELD    link, packets, bytes, drops or errors\n"
	  "  -n N            show N links" },
	{ "clean", cmd_clean, "[--all] [NAME...]",
	  "Remove what a lunet that crashed or was killed left behind:\n"
	  "its processes, namespaces and records.  Without NAME, only\n"
	  "emulations whose owner is gone; --all also removes those left\n"
	  "up by 'lunet up' and those still owned by a running lunet." },
	{ "doctor", cmd_doctor, "",
	  "Probe the kernel for the features lunet uses and say which are\n"
	  "missing, and which way each link impairment goes on it.  Exit\n"
	  "status 1 when one lunet cannot do without is missing." },
	{ "help", cmd_help, "[COMMAND]", "Show help." },
	{ "version", cmd_version, "", "Print the version." },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: lunet COMMAND [ARGS]\n\n"
		   "A network emulator: Lua topologies built as network "
		   "namespaces.\n\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].args);
	fprintf(f, "\n'lunet help COMMAND' or 'lunet COMMAND --help' tells "
		   "more.\n");
}

static void cmd_usage(FILE *f, const char *name)
{
	const struct cmd *c = find_cmd(name);

	fprintf(f, "usage: lunet %s %s\n\n%s\n", c->name, c->args, c->help);
}

/* Wrong arguments: usage on stderr, exit status 1. */
void cli_usage_exit(const char *name)
{
	cmd_usage(stderr, name);
	exit(1);
}

/* --help: usage on stdout, exit status 0. */
void cli_help_exit(const char *name)
{
	cmd_usage(stdout, name);
	exit(0);
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		cli_help_exit("help");
	if (argc > 1 && find_cmd(argv[1]))
		cli_help_exit(argv[1]);
	if (argc > 1)
		return cli_fail("unknown command '%s'", argv[1]);
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	c = find_cmd(argv[1]);
	if (!c) {
		cli_fail("unknown command '%s'", argv[1]);
		usage(stderr);
		return 1;
	}
	return c->fn(argc - 1, argv + 1);
}
