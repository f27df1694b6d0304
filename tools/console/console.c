/* The console's commands: parsing, help, completion, Lua and node commands.
 * The commands about the network itself are in console_net.c. */
#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine/engine.h"
#include "core/sys/intr.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "topo/topo.h"

#define MAX_WORDS 16

enum arg_kind {
	ARG_NONE,
	ARG_CMD,    /* a console command */
	ARG_NODE,   /* a node of the network */
	ARG_PEER,   /* a node linked to the previous argument */
	ARG_UPDOWN, /* "up" or "down" */
	ARG_FILE,   /* a file name */
	ARG_LINE,   /* a whole command line */
	ARG_ROUTER, /* a router that runs a routing daemon */
	ARG_GRAPH,  /* graph's options, and -o's file */
	ARG_ADD,    /* what "add" makes: host, switch, router, link */
	ARG_REMOVE, /* what "remove" takes: node, link */
};

struct ccmd {
	const char *name;
	console_fn *fn;
	int min, max;         /* number of words after the name; -1: any */
	bool live;            /* needs the network running */
	enum arg_kind arg[3]; /* what each argument is, for completion */
	const char *args;
	const char *help;     /* first line: the summary */
};

static console_fn cmd_help, cmd_sh, cmd_lua, cmd_source, cmd_time, cmd_exit;

static const struct ccmd cmds[] = {
	{ "help", cmd_help, 0, 1, false, { ARG_CMD }, "[COMMAND]",
	  "List the commands, or describe one." },
	{ "nodes", console_nodes, 0, 0, false, { 0 }, "",
	  "List the nodes, by kind." },
	{ "links", console_links, 0, 0, false, { 0 }, "",
	  "List the links and whether they are up.\n"
	  "Each link as its two ends, node:interface, and up or down." },
	{ "net", console_net, 0, 0, false, { 0 }, "",
	  "Show who connects to whom.\n"
	  "For every node, each interface as interface:peer:peer-interface." },
	{ "dump", console_dump, 0, 0, false, { 0 }, "",
	  "Show every node's namespace, interfaces and addresses." },
	{ "intfs", console_intfs, 0, 0, false, { 0 }, "",
	  "List every node's interfaces." },
	{ "ports", console_ports, 0, 0, false, { 0 }, "",
	  "List the switches' bridge ports.\n"
	  "Port number, interface and what is at its other end." },
	{ "pingall", console_pingall, 0, 1, true, { 0 }, "[PAIRS]",
	  "Ping between every pair of hosts.\n"
	  "Every ordered pair (or PAIRS pairs drawn at random), with\n"
	  "lunet's own prober.  Fails when a pair gets no reply." },
	{ "pingpair", console_pingpair, 0, 0, true, { 0 }, "",
	  "Ping between the first two hosts, both ways." },
	{ "ping", console_ping, 2, 2, true, { ARG_NODE, ARG_NODE }, "A B",
	  "Ping B from A.\n"
	  "Up to 3 echo requests, 1 s each, to B's address; prints the\n"
	  "round-trip time.  Fails without a reply." },
	{ "iperf", console_iperf, 2, 3, true, { ARG_NODE, ARG_NODE },
	  "A B [SECONDS]",
	  "Measure TCP throughput from A to B.\n"
	  "With iperf3: a server in B, a client in A, for 2 s unless\n"
	  "SECONDS." },
	{ "link", console_link, 3, 3, true, { ARG_NODE, ARG_PEER, ARG_UPDOWN },
	  "A B up|down", "Set the link between A and B up or down." },
	{ "node", console_node_updown, 2, 2, true, { ARG_NODE, ARG_UPDOWN },
	  "NAME up|down", "Set every link of node NAME up or down." },
	{ "add", console_add, 2, MAX_WORDS - 1, true, { ARG_ADD, ARG_NONE, ARG_NODE },
	  "host|switch|router NAME [PEER...] | link A B [KEY=VALUE...]",
	  "Add a node or a link to the running network, built at once.\n"
	  "A node is linked to each PEER; addresses come from the plan\n"
	  "(a host on a switch gets the next free address of its subnet)\n"
	  "and only the nodes whose routes change are touched.  A link\n"
	  "takes net:link()'s options: add link h1 s2 delay=10ms mtu=9000" },
	{ "remove", console_remove, 2, 3, true, { ARG_REMOVE, ARG_NODE, ARG_PEER },
	  "node NAME | link A B",
	  "Remove a node (its links, and what runs in it) or a link from\n"
	  "the running network; the neighbours' routes follow." },
	{ "apply", console_apply, 1, 2, true, { ARG_FILE }, "FILE [--dry-run]",
	  "Make the running network what the edited topology FILE says.\n"
	  "Nodes and links are compared by name; the difference is\n"
	  "printed (- removed, + added, ~ impairments set in place) and\n"
	  "made, or only printed with --dry-run." },
	{ "impair", console_impair, 0, 15, false, { ARG_NODE, ARG_PEER },
	  "[A B [SETTINGS]]",
	  "Show or set the impairments of the link between A and B.\n"
	  "SETTINGS: delay 20ms, jitter 5ms, loss 5%, corrupt 1%,\n"
	  "duplicate 1%, reorder 25%, rate 10mbit, limit N, seed N\n"
	  "(each also as --delay 20ms or delay=20ms), --from A for one\n"
	  "direction only (both otherwise), clear for none.  Settings\n"
	  "replace those the direction had.  Without SETTINGS, shows the\n"
	  "link's; without A B, every impaired link's, with what each did.\n"
	  "See docs/links.md." },
	{ "stats", console_stats, 0, 2, true, { ARG_NODE, ARG_PEER }, "[A B]",
	  "Show the packet counters of every link, or of A-B.\n"
	  "Packets and bytes each way (A>B is what A sent), drops and\n"
	  "errors of both ends, since the link was made." },
	{ "capture", console_capture, 0, MAX_WORDS - 1, true,
	  { ARG_NODE, ARG_PEER, ARG_FILE }, "[A B|NODE FILE|stop]",
	  "Capture packets into pcap files while you go on.\n"
	  "'capture A B' captures the link between A and B (what each\n"
	  "end sends), into FILE or /tmp/lunet-NET-A-B.pcap; 'capture\n"
	  "h1:eth0 FILE' one interface, 'capture s1 FILE' every interface\n"
	  "of s1 (FILE-eth0.pcap...).  Words after that are a BPF filter\n"
	  "(FILE must hold a '/' or end in .pcap to tell it from one).\n"
	  "'capture' lists the captures, 'capture stop [ID]' stops them.\n"
	  "  capture A B [FILE] [FILTER...]\n"
	  "  capture NODE[:IF] FILE [FILTER...]" },
	{ "vtysh", console_vtysh, 1, -1, true, { ARG_ROUTER }, "NODE [CMD...]",
	  "Run an FRR command in router NODE (vtysh -c CMD).\n"
	  "Reaches that router's own daemons; without CMD, vtysh's own\n"
	  "shell on your terminal.  'NODE vtysh -c CMD' is the same.\n"
	  "  vtysh leaf1 show bgp summary" },
	{ "birdc", console_birdc, 1, -1, true, { ARG_ROUTER }, "NODE [CMD...]",
	  "Run a BIRD command in router NODE (birdc CMD).\n"
	  "  birdc leaf1 show protocols" },
	{ "routes", console_routes, 1, 1, true, { ARG_NODE }, "NODE",
	  "Show the kernel FIB of NODE: what it forwards with.\n"
	  "One route a line: prefix, next hop or paths, interface, and\n"
	  "who put it there (kernel, static, bgp, ospf, bird)." },
	{ "graph", console_graph, 0, 4, false, { ARG_GRAPH },
	  "[-o FILE] [--ifnames] [--full]",
	  "Draw the network into FILE (.svg, .png or .dot).\n"
	  "With Graphviz, as 'lunet graph' does: down links red and\n"
	  "dashed; --ifnames labels link ends with their interfaces, --full\n"
	  "draws every node of a large network (a summary by pod or rack\n"
	  "otherwise).  FILE is /tmp/lunet-NET.svg unless given; it is\n"
	  "written by the process that runs the network (give a full path\n"
	  "when attached).  See docs/pictures.md." },
	{ "sh", cmd_sh, 1, -1, false, { ARG_FILE }, "COMMAND...",
	  "Run a shell command on the host.\n"
	  "Outside the emulation, on your terminal." },
	{ "lua", cmd_lua, 1, -1, false, { 0 }, "CODE",
	  "Run Lua code on the live network.\n"
	  "The global 'net' is the network; the values of an expression\n"
	  "are printed:\n"
	  "  lua #net:nodes()\n"
	  "  lua for _, n in ipairs(net:hosts()) do print(n.name, n.ip) end" },
	{ "source", cmd_source, 1, 1, false, { ARG_FILE }, "FILE.lua",
	  "Run a Lua file on the live network.\n"
	  "The global 'net' is the network." },
	{ "time", cmd_time, 1, -1, false, { ARG_LINE }, "COMMAND...",
	  "Run a command and say how long it took." },
	{ "exit", cmd_exit, 0, 0, false, { 0 }, "",
	  "Leave the console.\n"
	  "A network the console built is torn down; one it attached to\n"
	  "keeps running.  Also: quit, Ctrl-D." },
	{ "quit", cmd_exit, 0, 0, false, { 0 }, "", "Same as exit." },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const char node_help[] =
	"Run COMMAND in node NODE, on your terminal (Ctrl-C stops it, not\n"
	"the console).  Node names among the arguments become the nodes'\n"
	"addresses, so 'h1 ping -c1 h3' pings h3.  NODE alone opens a shell\n"
	"in the node.";

static const struct ccmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

struct console *console_new(lua_State *L, int net)
{
	struct console *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->L = L;
	c->n = lnet_check(L, net);
	lua_pushvalue(L, net);
	c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	c->out = stdout;
	c->err = stderr;
	return c;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	luaL_unref(c->L, LUA_REGISTRYINDEX, c->ref);
	free(c);
}

const char *console_name(const struct console *c)
{
	return c->n->topo->name;
}

static int cmd_help(struct console *c, int argc, char **argv,
		    const char *rest, struct console_run *run)
{
	const struct ccmd *k;
	const char *nl;
	size_t i;

	if (argc == 1) {
		fputs("Commands (help COMMAND tells more):\n", c->out);
		for (i = 0; i < NCMDS; i++) {
			nl = strchr(cmds[i].help, '\n');
			fprintf(c->out, "  %-8s %-14s %.*s\n", cmds[i].name,
				cmds[i].args,
				nl ? (int)(nl - cmds[i].help) :
				     (int)strlen(cmds[i].help),
				cmds[i].help);
		}
		fprintf(c->out, "  %-23s %s\n", "NODE COMMAND...",
			"Run COMMAND in NODE ('h1 ping h2').");
		return 0;
	}
	k = find_cmd(argv[1]);
	if (k) {
		fprintf(c->out, "usage: %s%s%s\n%s\n", k->name,
			*k->args ? " " : "", k->args, k->help);
		return 0;
	}
	if (!strcmp(argv[1], "NODE") ||
	    topo_node_find(c->n->topo, argv[1]) != TOPO_NONE) {
		fprintf(c->out, "usage: NODE [COMMAND...]\n%s\n", node_help);
		return 0;
	}
	return console_fail(c, "help", "no command '%s'", argv[1]);
}

static int cmd_sh(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	run->nspath[0] = '\0';
	snprintf(run->who, sizeof(run->who), "sh");
	run->cmd = strdup(rest);
	return run->cmd ? CONSOLE_RUN : console_fail(c, "sh", "out of memory");
}

/* print() of the console's Lua code: to the command's output, which for
 * an attached console is a socket, not lunet's stdout. */
static int l_print(lua_State *L)
{
	struct console *c = lua_touserdata(L, lua_upvalueindex(1));
	int i, n = lua_gettop(L);
	const char *s;
	size_t len;

	for (i = 1; i <= n; i++) {
		s = luaL_tolstring(L, i, &len);
		if (i > 1)
			fputc('\t', c->out);
		fwrite(s, 1, len, c->out);
		lua_pop(L, 1);
	}
	fputc('\n', c->out);
	return 0;
}

/* Runs the chunk on top of the stack with 'net' and print() set for the
 * console, and prints what it returns. */
static int run_chunk(struct console *c, const char *cmd)
{
	lua_State *L = c->L;
	int base = lua_gettop(L), rc, n;

	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
	lua_setglobal(L, "net");
	lua_getglobal(L, "print");
	lua_insert(L, base); /* the user's print, put back afterwards */
	lua_pushlightuserdata(L, c);
	lua_pushcclosure(L, l_print, 1);
	lua_setglobal(L, "print");
	rc = console_pcall(c, cmd, 0, LUA_MULTRET);
	n = lua_gettop(L) - base;
	if (!rc && n > 0 && lua_checkstack(L, 2)) {
		lua_getglobal(L, "print");
		lua_insert(L, base + 1);
		rc = console_pcall(c, cmd, n, 0);
	}
	lua_setglobal(L, "print");
	lua_settop(L, base - 1);
	return rc ? 1 : 0;
}

static int cmd_lua(struct console *c, int argc, char **argv,
		   const char *rest, struct console_run *run)
{
	lua_State *L = c->L;
	const char *code;

	/* As the Lua interpreter does: an expression's values are shown. */
	code = lua_pushfstring(L, "return %s;", rest);
	if (luaL_loadbuffer(L, code, strlen(code), "=lua") == LUA_OK) {
		lua_remove(L, -2);
		return run_chunk(c, NULL);
	}
	lua_pop(L, 2);
	if (luaL_loadbuffer(L, rest, strlen(rest), "=lua") != LUA_OK) {
		console_fail(c, NULL, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return 1;
	}
	return run_chunk(c, NULL);
}

static int cmd_source(struct console *c, int argc, char **argv,
		      const char *rest, struct console_run *run)
{
	lua_State *L = c->L;

	if (luaL_loadfile(L, argv[1]) != LUA_OK) {
		console_fail(c, "source", "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return 1;
	}
	return run_chunk(c, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The front ends time commands themselves (so that a command run on the
 * terminal is timed too); this serves a client that sends "time" on. */
static int cmd_time(struct console *c, int argc, char **argv,
		    const char *rest, struct console_run *run)
{
	double t0 = now();
	int rc = console_exec(c, rest, c->out, c->err, run);

	if (rc != CONSOLE_RUN)
		fprintf(c->out, "time: %.3f s\n", now() - t0);
	return rc;
}

static int cmd_exit(struct console *c, int argc, char **argv,
		    const char *rest, struct console_run *run)
{
	return 0; /* the front end leaves; nothing to do here */
}

/* The words of a node command with node names made addresses (not the
 * command's own name), as Mininet does: "ping -c1 h3" -> "ping -c1
 * 10.0.1.1". */
static char *node_args(const struct topo *t, const char *s)
{
	char ipbuf[IP_STRLEN], word[128];
	struct ip_prefix p = { 0, 32 };
	size_t len = strlen(s), cap = len + 1, n = 0, w;
	char *out = malloc(cap), *nout;
	bool first = true;
	uint32_t i;

	while (out && *s) {
		w = isspace((unsigned char)*s) ? 1 : strcspn(s, " \t");
		p.ip = 0;
		if (!isspace((unsigned char)*s) && !first && w < sizeof(word)) {
			memcpy(word, s, w);
			word[w] = '\0';
			i = topo_node_find(t, word);
			if (i != TOPO_NONE)
				p.ip = topo_node_ip(t, i);
		}
		if (!isspace((unsigned char)*s))
			first = false;
		if (p.ip) {
			ip_format(&p, false, ipbuf);
			cap += strlen(ipbuf);
			nout = realloc(out, cap);
			if (!nout) {
				free(out);
				return NULL;
			}
			out = nout;
			memcpy(out + n, ipbuf, strlen(ipbuf));
			n += strlen(ipbuf);
		} else {
			memcpy(out + n, s, w);
			n += w;
		}
		s += w;
	}
	if (out)
		out[n] = '\0';
	return out;
}

int console_remote_wrap(struct console *c, uint32_t node,
			struct console_run *run)
{
	char *sh[] = { "sh", "-c", run->cmd, NULL };
	struct emu_command *ec;
	size_t len = 0, k;
	char *line, *p;
	int rc, i;

	if (!emu_remote(c->n->emu))
		return 0;
	if (!run->cmd)
		sh[1] = NULL; /* an interactive shell there */
	ec = malloc(sizeof(*ec));
	if (!ec)
		return -ENOMEM;
	rc = emu_node_command(c->n->emu, node, sh, true, ec);
	for (i = 0; !rc && ec->argv[i]; i++)
		len += 4 * strlen(ec->argv[i]) + 3;
	line = rc ? NULL : malloc(len + 1);
	if (!rc && !line)
		rc = -ENOMEM;
	/* One shell line for the front end: every word quoted. */
	for (i = 0, p = line; !rc && ec->argv[i]; i++) {
		*p++ = '\'';
		for (k = 0; ec->argv[i][k]; k++) {
			if (ec->argv[i][k] == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else
				*p++ = ec->argv[i][k];
		}
		*p++ = '\'';
		*p++ = ' ';
	}
	if (!rc) {
		*p = '\0';
		free(run->cmd);
		run->cmd = line;
		snprintf(run->nspath, sizeof(run->nspath), "%s",
			 ec->nspath ? ec->nspath : "");
	}
	free(ec);
	return rc;
}

static int node_cmd(struct console *c, uint32_t node, const char *rest,
		    struct console_run *run)
{
	const char *name = c->n->topo->nodes[node].name;

	if (!c->n->emu)
		return console_fail(c, name, "network '%s' is not running",
				    c->n->topo->name);
	emu_nspath(c->n->emu, node, run->nspath, sizeof(run->nspath));
	snprintf(run->who, sizeof(run->who), "%s", name);
	run->cmd = NULL;
	if (!*rest)
		return console_remote_wrap(c, node, run) ?
			console_fail(c, name, "cannot reach its machine") :
			CONSOLE_RUN; /* an interactive shell */
	/* "leaf1 vtysh -c ..." reaches leaf1's own daemons. */
	run->cmd = console_routing_argv(c, node, rest);
	if (!run->cmd)
		run->cmd = node_args(c->n->topo, rest);
	if (run->cmd && console_remote_wrap(c, node, run))
		return console_fail(c, name, "cannot reach its machine");
	return run->cmd ? CONSOLE_RUN : console_fail(c, name, "out of memory");
}

size_t console_first_word(const char *line, const char **start,
			  const char **rest)
{
	size_t n;

	while (isspace((unsigned char)*line))
		line++;
	n = strcspn(line, " \t\r\n");
	*start = line;
	line += n;
	while (isspace((unsigned char)*line))
		line++;
	*rest = line;
	return n;
}

/* Splits s into at most max words, in buf.  Returns the count, or -1
 * when there are more. */
static int split(const char *s, char *buf, size_t len, char **argv, int max)
{
	int argc = 0;
	char *p;

	snprintf(buf, len, "%s", s);
	for (p = strtok(buf, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
		if (argc == max)
			return -1;
		argv[argc++] = p;
	}
	return argc;
}

static int exec_cmd(struct console *c, const struct ccmd *k, const char *line,
		    const char *rest, struct console_run *run)
{
	char *argv[MAX_WORDS + 1], *buf;
	int argc, rc;
	bool ok;

	buf = malloc(strlen(line) + 1);
	if (!buf)
		return console_fail(c, k->name, "out of memory");
	if (k->max < 0) { /* the rest of the line is one argument */
		argv[0] = (char *)k->name;
		argc = 1;
		ok = !k->min || *rest;
	} else {
		argc = split(line, buf, strlen(line) + 1, argv, MAX_WORDS);
		ok = argc > 0 && argc - 1 >= k->min && argc - 1 <= k->max;
	}
	if (!ok && k->max >= 0 && argc - 1 > k->max) {
		/* a word too many is named, not taken silently */
		rc = console_fail(c, k->name, "unexpected '%s' (usage: %s%s%s)",
				  argv[k->max + 1], k->name,
				  *k->args ? " " : "", k->args);
		free(buf);
		return rc;
	}
	if (!ok) {
		free(buf);
		return console_fail(c, NULL, "usage: %s%s%s", k->name,
				    *k->args ? " " : "", k->args);
	}
	argv[argc] = NULL;
	if (k->live && !c->n->emu)
		rc = console_fail(c, k->name, "network '%s' is not running",
				  c->n->topo->name);
	else
		rc = k->fn(c, argc, argv, rest, run);
	free(buf);
	return rc;
}

int console_exec(struct console *c, const char *line, FILE *out, FILE *err,
		 struct console_run *run)
{
	FILE *saved_out = c->out, *saved_err = c->err;
	const char *start, *rest;
	const struct ccmd *k;
	char name[128];
	uint32_t node;
	size_t n;
	int rc;

	n = console_first_word(line, &start, &rest);
	if (!n)
		return 0;
	if (*start == '#')
		return 0; /* a comment, in a file of commands */
	c->out = out;
	c->err = err;
	if (c->hold)
		c->hold(c->hold_arg, true);
	snprintf(name, sizeof(name), "%.*s", (int)n, start);
	k = find_cmd(name);
	if (k) {
		rc = exec_cmd(c, k, start, rest, run);
	} else if ((node = topo_node_find(c->n->topo, name)) != TOPO_NONE) {
		rc = node_cmd(c, node, rest, run);
	} else {
		rc = console_fail(c, NULL, "unknown command or node '%s' "
				  "(try 'help')", name);
	}
	/* Ctrl-C stopped this command, not the console. */
	if (intr_signal == SIGINT)
		intr_signal = 0;
	fflush(c->out);
	fflush(c->err);
	if (c->hold)
		c->hold(c->hold_arg, false);
	c->out = saved_out;
	c->err = saved_err;
	return rc;
}

/* Completion. */

struct words {
	char **v;
	size_t n, cap;
	int rc;
};

static void add_word(struct words *w, const char *prefix, const char *s)
{
	char **nv;

	if (w->rc || strncmp(s, prefix, strlen(prefix)))
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 32;
		nv = realloc(w->v, w->cap * sizeof(*nv));
		if (!nv) {
			w->rc = -ENOMEM;
			return;
		}
		w->v = nv;
	}
	w->v[w->n] = strdup(s);
	if (!w->v[w->n]) {
		w->rc = -ENOMEM;
		return;
	}
	w->n++;
}

static void add_nodes(struct words *w, const struct topo *t,
		      const char *prefix)
{
	uint32_t i;

	for (i = 0; i < t->nnodes && !w->rc; i++)
		add_word(w, prefix, t->nodes[i].name);
}

static void add_routers(struct words *w, const struct topo *t,
			const char *prefix)
{
	uint32_t i;

	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].routing)
			add_word(w, prefix, t->nodes[i].name);
}

static void add_peers(struct words *w, const struct topo *t, const char *node,
		      const char *prefix)
{
	uint32_t i = topo_node_find(t, node), k;

	if (i == TOPO_NONE)
		return;
	for (k = 0; k < t->nodes[i].nports; k++)
		add_word(w, prefix,
			 t->nodes[t->ports[topo_peer_port(
					  t, t->nodes[i].ports[k])].node].name);
}

static void add_intfs(struct words *w, const struct topo *t, uint32_t i,
		      const char *prefix)
{
	uint32_t k;

	add_word(w, prefix, "lo");
	if (t->nodes[i].kind == TOPO_SWITCH)
		add_word(w, prefix, "br0");
	for (k = 0; k < t->nodes[i].nports; k++)
		add_word(w, prefix, t->ports[t->nodes[i].ports[k]].ifname);
}

static void complete_line(struct console *c, const char *line,
			  struct words *w, bool *files)
{
	const struct topo *t = c->n->topo;
	char *argv[MAX_WORDS + 1], buf[1024];
	const char *prefix, *start, *rest;
	const struct ccmd *k;
	enum arg_kind kind;
	uint32_t node;
	size_t i;
	int argc;

	prefix = line + strlen(line);
	while (prefix > line && !isspace((unsigned char)prefix[-1]))
		prefix--;
	argc = split(line, buf, sizeof(buf), argv, MAX_WORDS);
	if (argc < 0)
		return;
	if (*prefix)
		argc--; /* the word being completed */
	if (argc == 0) {
		for (i = 0; i < NCMDS; i++)
			add_word(w, prefix, cmds[i].name);
		add_nodes(w, t, prefix);
		return;
	}
	k = find_cmd(argv[0]);
	if (!k) {
		node = topo_node_find(t, argv[0]);
		if (node == TOPO_NONE)
			return;
		add_nodes(w, t, prefix);
		add_intfs(w, t, node, prefix);
		return;
	}
	kind = argc - 1 < 3 ? k->arg[argc - 1] : ARG_NONE;
	if (k->arg[0] == ARG_GRAPH) {
		if (argc > 1 && !strcmp(argv[argc - 1], "-o"))
			*files = true;
		else
			for (i = 0; i < 3; i++)
				add_word(w, prefix, (const char *[]){
					"-o", "--ifnames", "--full" }[i]);
		return;
	}
	if (k->arg[0] == ARG_LINE) {
		console_first_word(line, &start, &rest);
		complete_line(c, rest, w, files);
		return;
	}
	if (kind == ARG_CMD)
		for (i = 0; i < NCMDS; i++)
			add_word(w, prefix, cmds[i].name);
	else if (kind == ARG_NODE)
		add_nodes(w, t, prefix);
	else if (kind == ARG_ROUTER)
		add_routers(w, t, prefix);
	else if (kind == ARG_PEER)
		add_peers(w, t, argv[argc - 1], prefix);
	else if (kind == ARG_ADD) {
		add_word(w, prefix, "host");
		add_word(w, prefix, "switch");
		add_word(w, prefix, "router");
		add_word(w, prefix, "link");
	} else if (kind == ARG_REMOVE) {
		add_word(w, prefix, "node");
		add_word(w, prefix, "link");
	} else if (k->fn == console_add && argc >= 3 &&
		   (argc > 3 || !strcmp(argv[1], "link")))
		add_nodes(w, t, prefix);
	else if (kind == ARG_UPDOWN) {
		add_word(w, prefix, "up");
		add_word(w, prefix, "down");
	} else if (kind == ARG_FILE || k->arg[0] == ARG_FILE)
		*files = true;
}

int console_complete(struct console *c, const char *line, char ***words,
		     size_t *n, bool *files)
{
	struct words w = { 0 };

	*files = false;
	complete_line(c, line, &w, files);
	if (w.rc) {
		console_words_free(w.v, w.n);
		*words = NULL;
		*n = 0;
		return w.rc;
	}
	*words = w.v;
	*n = w.n;
	return 0;
}

void console_words_free(char **words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
}
