/* The console's commands about the network: what it is made of, whether
 * it works, and changing its links. */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/routing/routing.h"
#include "core/sys/intr.h"
#include "core/sys/proc.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"
#include "topo/topo.h"

static const struct topo_port *port(const struct topo *t, uint32_t node,
				    uint32_t k)
{
	return &t->ports[t->nodes[node].ports[k]];
}

static const struct topo_port *peer(const struct topo *t, uint32_t node,
				    uint32_t k)
{
	return &t->ports[topo_peer_port(t, t->nodes[node].ports[k])];
}

/* "routing: 8 routers run FRR, 16/16 daemons; down: leaf3 (0 of 2)". */
static int routing_line(struct console *c)
{
	const struct topo *t = c->n->topo;
	int alive = 0, total = 0, a, n, routers = 0, down = 0;
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		if (!t->nodes[i].routing)
			continue;
		routers++;
		if (!c->n->emu)
			continue;
		a = emu_daemons_alive(c->n->emu, i, &n);
		alive += a;
		total += n;
	}
	if (!routers)
		return 0;
	fprintf(c->out, "routing: %d router%s with daemons", routers,
		routers == 1 ? "" : "s");
	if (c->n->emu)
		fprintf(c->out, ", %d/%d running", alive, total);
	for (i = 0; c->n->emu && i < t->nnodes; i++) {
		if (!t->nodes[i].routing)
			continue;
		a = emu_daemons_alive(c->n->emu, i, &n);
		if (a < n)
			fprintf(c->out, "%s %s (%d of %d)",
				down++ ? "," : "; down:", t->nodes[i].name, a,
				n);
	}
	fputc('\n', c->out);
	return 0;
}

int console_nodes(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	static const char *const label[] = { "hosts", "switches", "routers" };
	const struct topo *t = c->n->topo;
	int kind, any;
	uint32_t i;

	for (kind = TOPO_HOST; kind <= TOPO_ROUTER; kind++) {
		any = 0;
		for (i = 0; i < t->nnodes; i++) {
			if (t->nodes[i].kind != (enum topo_kind)kind)
				continue;
			if (!any++)
				fputs(label[kind], c->out);
			fprintf(c->out, "%s %s", any == 1 ? ":" : "",
				t->nodes[i].name);
		}
		if (any)
			fputc('\n', c->out);
	}
	return routing_line(c);
}

int console_links(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	const struct topo *t = c->n->topo;
	const struct topo_port *a, *b;
	uint32_t l;

	for (l = 0; l < t->nlinks; l++) {
		a = topo_link_port(t, l, 0);
		b = topo_link_port(t, l, 1);
		fprintf(c->out, "%s:%s <-> %s:%s %s\n", t->nodes[a->node].name,
			a->ifname, t->nodes[b->node].name, b->ifname,
			!c->n->emu ? "(not running)" :
			emu_link_is_up(c->n->emu, l) ? "up" : "down");
	}
	return 0;
}

int console_net(struct console *c, int argc, char **argv, const char *rest,
		struct console_run *run)
{
	const struct topo *t = c->n->topo;
	uint32_t i, k;

	for (i = 0; i < t->nnodes; i++) {
		fputs(t->nodes[i].name, c->out);
		for (k = 0; k < t->nodes[i].nports; k++)
			fprintf(c->out, " %s:%s:%s", port(t, i, k)->ifname,
				t->nodes[peer(t, i, k)->node].name,
				peer(t, i, k)->ifname);
		fputc('\n', c->out);
	}
	return 0;
}

static void print_addr(struct console *c, const struct ip_prefix *p)
{
	char buf[IP_STRLEN];

	if (p->ip)
		fprintf(c->out, " %s", ip_format(p, true, buf));
}

int console_dump(struct console *c, int argc, char **argv, const char *rest,
		 struct console_run *run)
{
	const struct topo *t = c->n->topo;
	const struct topo_node *n;
	char path[NETNS_PATHSIZ];
	uint32_t i, k;

	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		netns_path(path, sizeof(path), t->name, n->name);
		fprintf(c->out, "%s %s: %s", topo_kind_name(n->kind), n->name,
			path);
		if (n->kind == TOPO_ROUTER && n->lo.ip) {
			fputs(", lo", c->out);
			print_addr(c, &n->lo);
		}
		if (n->kind == TOPO_SWITCH)
			fputs(", br0", c->out);
		for (k = 0; k < n->nports; k++) {
			fprintf(c->out, ", %s", port(t, i, k)->ifname);
			print_addr(c, &port(t, i, k)->addr);
		}
		fputc('\n', c->out);
	}
	return 0;
}

int console_intfs(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	const struct topo *t = c->n->topo;
	uint32_t i, k;

	for (i = 0; i < t->nnodes; i++) {
		fprintf(c->out, "%s: lo", t->nodes[i].name);
		if (t->nodes[i].kind == TOPO_SWITCH)
			fputs(",br0", c->out);
		for (k = 0; k < t->nodes[i].nports; k++)
			fprintf(c->out, ",%s", port(t, i, k)->ifname);
		fputc('\n', c->out);
	}
	return 0;
}

/* Bridge port numbers follow the order the ports were enslaved in, which
 * is the node's link order: port k is number k + 1. */
int console_ports(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	const struct topo *t = c->n->topo;
	uint32_t i, k;

	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].kind != TOPO_SWITCH)
			continue;
		fprintf(c->out, "%s br0:", t->nodes[i].name);
		for (k = 0; k < t->nodes[i].nports; k++)
			fprintf(c->out, "%s %u %s (%s:%s)", k ? "," : "", k + 1,
				port(t, i, k)->ifname,
				t->nodes[peer(t, i, k)->node].name,
				peer(t, i, k)->ifname);
		fputc('\n', c->out);
	}
	return 0;
}

static int parse_count(struct console *c, const char *cmd, const char *s,
		       long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || end == s || *out < min || *out > max)
		return console_fail(c, cmd, "'%s' is not a number from %ld to "
				    "%ld", s, min, max);
	return 0;
}

/* net:pingall(opts) and its text, as one protected call: returns the
 * text and whether every pair answered. */
static int l_pingall(lua_State *L)
{
	int r;

	lua_settop(L, 2);
	lping_pingall(L); /* its result on top, whatever it left below */
	r = lua_gettop(L);
	lua_getglobal(L, "lunet");
	lua_getfield(L, -1, "format_pingall");
	lua_pushvalue(L, r);
	lua_call(L, 1, 1);
	lua_getfield(L, r, "loss");
	lua_pushboolean(L, lua_tonumber(L, -1) == 0);
	lua_replace(L, -2);
	return 2;
}

int console_pingall(struct console *c, int argc, char **argv,
		    const char *rest, struct console_run *run)
{
	lua_State *L = c->L;
	long sample = 0;
	int ok;

	if (argc > 1 &&
	    parse_count(c, "pingall", argv[1], 1, 1L << 30, &sample))
		return 1;
	lua_createtable(L, 0, 1);
	lua_pushinteger(L, sample);
	lua_setfield(L, -2, "sample");
	if (console_call(c, "pingall", l_pingall, 1, 2))
		return 1;
	fprintf(c->out, "%s\n", lua_tostring(L, -2));
	ok = lua_toboolean(L, -1);
	lua_pop(L, 2);
	return ok ? 0 : 1;
}

/* "h1 -> h3: 0.071 ms" or "h1 -> h3: no reply"; returns 0 on a reply. */
static int ping_one(struct console *c, uint32_t a, uint32_t b)
{
	const struct topo *t = c->n->topo;
	lua_State *L = c->L;
	int ok;

	lua_pushstring(L, t->nodes[a].name);
	lua_pushstring(L, t->nodes[b].name);
	if (console_call(c, "ping", lping_ping, 2, 2))
		return 1;
	ok = lua_toboolean(L, -2);
	if (ok)
		fprintf(c->out, "%s -> %s: %.3f ms\n", t->nodes[a].name,
			t->nodes[b].name, lua_tonumber(L, -1));
	else
		fprintf(c->out, "%s -> %s: no reply\n", t->nodes[a].name,
			t->nodes[b].name);
	lua_pop(L, 2);
	return ok ? 0 : 1;
}

int console_ping(struct console *c, int argc, char **argv, const char *rest,
		 struct console_run *run)
{
	uint32_t a = console_node(c, "ping", argv[1]), b;

	if (a == TOPO_NONE)
		return 1;
	b = console_node(c, "ping", argv[2]);
	return b == TOPO_NONE ? 1 : ping_one(c, a, b);
}

int console_pingpair(struct console *c, int argc, char **argv,
		     const char *rest, struct console_run *run)
{
	const struct topo *t = c->n->topo;
	uint32_t h[2], i, k = 0;
	int rc;

	for (i = 0; i < t->nnodes && k < 2; i++)
		if (t->nodes[i].kind == TOPO_HOST && topo_node_ip(t, i))
			h[k++] = i;
	if (k < 2)
		return console_fail(c, "pingpair",
				    "%s has fewer than two hosts", t->name);
	rc = ping_one(c, h[0], h[1]);
	return ping_one(c, h[1], h[0]) | rc;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH"), *p;
	char file[512];
	size_t n;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p += n + (p[n] == ':')) {
		n = strcspn(p, ":");
		snprintf(file, sizeof(file), "%.*s/%s", (int)n, n ? p : ".",
			 prog);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/* The throughput on iperf3's "sender" or "receiver" summary line:
 * "[  5]   0.00-2.00  sec  2.19 GBytes  9.42 Gbits/sec   0   sender". */
static void print_rate(struct console *c, const char *out, const char *role)
{
	const char *line, *end, *unit, *num;

	for (line = out; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		unit = strstr(line, "bits/sec");
		if (!unit || unit > end ||
		    !memmem(line, end - line, role, strlen(role)))
			continue;
		while (unit > line && unit[-1] != ' ')
			unit--; /* "Gbits/sec" */
		num = unit - 1;
		while (num > line && num[-1] == ' ')
			num--;
		while (num > line && num[-1] != ' ')
			num--;
		fprintf(c->out, " %.*s %s", (int)(strcspn(unit, " \n") +
						  (unit - num)),
			num, role);
		return;
	}
}

static pid_t start_server(struct console *c, uint32_t node)
{
	struct proc_opts o = { .pdeathsig = SIGKILL };
	char path[NETNS_PATHSIZ];
	char *argv[] = { "iperf3", "-s", "-1", NULL };
	pid_t pid;

	/* Across machines, on the node's: "-1" ends it after one test, and
	 * it dies with the emulation in any case. */
	if (emu_remote(c->n->emu)) {
		struct err err;

		err_clear(&err);
		pid = emu_node_spawn(c->n->emu, node, argv, &err);
		return pid < 0 ? pid : 0;
	}
	emu_nspath(c->n->emu, node, path, sizeof(path));
	o.in = o.out = o.err = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid = proc_spawn(path, argv, &o);
	if (o.in >= 0)
		close(o.in);
	return pid;
}

/* Runs the client until the server listens (it needs a moment after it
 * starts); returns its output and status as proc_run() does. */
static int run_client(struct console *c, uint32_t a, uint32_t b,
		      const char *secs, char **out, int *status)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	struct ip_prefix p = { topo_node_ip(c->n->topo, b), 32 };
	char path[NETNS_PATHSIZ], ip[IP_STRLEN];
	char *argv[] = { "iperf3", "-c", ip, "-t", (char *)secs, NULL };
	int rc, tries;

	struct emu_command *ec = NULL;
	const char *ns = path;
	char **run = argv;

	ip_format(&p, false, ip);
	if (emu_remote(c->n->emu)) {
		/* On a's machine, through its transport. */
		ec = malloc(sizeof(*ec));
		if (!ec)
			return -ENOMEM;
		rc = emu_node_command(c->n->emu, a, argv, false, ec);
		if (rc) {
			free(ec);
			return rc;
		}
		ns = ec->nspath;
		run = ec->argv;
	} else {
		emu_nspath(c->n->emu, a, path, sizeof(path));
	}
	for (tries = 0;; tries++) {
		rc = proc_run(ns, run, out, NULL, status);
		if (rc || *status == 0 || tries == 30 ||
		    !strstr(*out, "Connection refused")) {
			free(ec);
			return rc;
		}
		free(*out);
		*out = NULL;
		nanosleep(&pause, NULL);
	}
}

int console_iperf(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	uint32_t a = console_node(c, "iperf", argv[1]), b;
	char *out = NULL;
	long secs = 2;
	int rc, status;
	pid_t server;

	if (a == TOPO_NONE)
		return 1;
	b = console_node(c, "iperf", argv[2]);
	if (b == TOPO_NONE)
		return 1;
	if (argc > 3 && parse_count(c, "iperf", argv[3], 1, 3600, &secs))
		return 1;
	if (!in_path("iperf3"))
		return console_fail(c, "iperf", "iperf3 is not installed "
				    "(apt-get install iperf3)");
	if (!topo_node_ip(c->n->topo, b))
		return console_fail(c, "iperf", "node %s has no address",
				    argv[2]);
	server = start_server(c, b);
	if (server < 0)
		return console_fail(c, "iperf", "%s: cannot start iperf3: %s",
				    argv[2], strerror(-server));
	rc = run_client(c, a, b, argc > 3 ? argv[3] : "2", &out, &status);
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	if (rc) {
		free(out);
		return console_fail(c, "iperf", "%s: iperf3: %s", argv[1],
				    strerror(-rc));
	}
	if (status) {
		console_fail(c, "iperf", "%s -> %s: %s", argv[1], argv[2],
			     out[0] ? strtok(out, "\n") : "iperf3 failed");
		free(out);
		return 1;
	}
	fprintf(c->out, "iperf %s -> %s:", argv[1], argv[2]);
	print_rate(c, out, "sender");
	print_rate(c, out, "receiver");
	fputc('\n', c->out);
	free(out);
	return 0;
}

static int parse_updown(struct console *c, const char *cmd, const char *s,
			bool *up)
{
	*up = !strcmp(s, "up");
	if (*up || !strcmp(s, "down"))
		return 0;
	return console_fail(c, cmd, "'%s': say up or down", s);
}

/* link:up() or link:down(), as a script says it: the fault layer keeps
 * it (net:reset() puts it back) and logs it (lunet replay). */
static int set_link(struct console *c, const char *cmd, uint32_t l, bool up)
{
	lua_State *L = c->L;

	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
	llink_push(L, -1, l);
	lua_remove(L, -2);
	lua_getfield(L, -1, up ? "up" : "down");
	lua_insert(L, -2);
	return console_pcall(c, cmd, 1, 0) ? 1 : 0;
}

int console_link(struct console *c, int argc, char **argv, const char *rest,
		 struct console_run *run)
{
	uint32_t a, b, l;
	bool up;

	if (parse_updown(c, "link", argv[3], &up))
		return 1;
	a = console_node(c, "link", argv[1]);
	if (a == TOPO_NONE)
		return 1;
	b = console_node(c, "link", argv[2]);
	if (b == TOPO_NONE)
		return 1;
	l = topo_link_find(c->n->topo, a, b);
	if (l == TOPO_NONE)
		return console_fail(c, "link", "no link between %s and %s",
				    argv[1], argv[2]);
	return set_link(c, "link", l, up);
}

int console_node_updown(struct console *c, int argc, char **argv,
			const char *rest, struct console_run *run)
{
	const struct topo *t = c->n->topo;
	uint32_t n, k;
	int rc = 0;
	bool up;

	if (parse_updown(c, "node", argv[2], &up))
		return 1;
	n = console_node(c, "node", argv[1]);
	if (n == TOPO_NONE)
		return 1;
	for (k = 0; k < t->nodes[n].nports; k++)
		rc |= set_link(c, "node", port(t, n, k)->link, up);
	return rc;
}
