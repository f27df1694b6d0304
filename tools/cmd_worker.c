/*
 * "lunet worker NAME": one machine's part of an emulation across machines,
 * driven by its coordinator over standard input and output (the messages
 * of core/cluster/proto.h).  Started by the coordinator through ssh or
 * kubectl exec, never by hand.
 *
 * It builds the nodes placed on this machine, with VXLAN devices for the
 * links to other machines, and owns them (the requests that watch and
 * shape traffic are in tools/worker_obs.c): when its input ends before the
 * coordinator said "detach" (the coordinator died, or the machine was cut
 * off), it tears its part down, so nothing is left behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cluster/proto.h"
#include "core/engine/engine.h"
#include "core/engine/fault.h"
#include "core/impair/impair.h"
#include "core/sys/proc.h"
#include "core/observe/capture.h"
#include "core/observe/probe.h"
#include "core/observe/stats.h"
#include "core/observe/stream.h"
#include "core/routing/routing.h"
#include "core/sys/intr.h"
#include "core/sys/netns.h"
#include "tools/cli.h"
#include "tools/worker_int.h"
#include "topo/routing.h"
#include "topo/serial.h"
#include "topo/topo.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The address the coordinator reached us on: LUNET_UNDERLAY_ADDR if set,
 * else the server's end of the ssh connection, else the pod's IP. */
static int underlay_addr(uint32_t *addr, uint32_t *mtu)
{
	const char *s = getenv("LUNET_UNDERLAY_ADDR");
	char ip[64] = "";
	struct ifaddrs *ifa, *i;
	struct in_addr a;
	struct ifreq ifr;
	int fd;

	if (s && *s)
		snprintf(ip, sizeof(ip), "%s", s);
	else if ((s = getenv("SSH_CONNECTION")))
		sscanf(s, "%*s %*s %63s", ip);
	else if ((s = getenv("POD_IP")))
		snprintf(ip, sizeof(ip), "%s", s);
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -EADDRNOTAVAIL;
	*addr = ntohl(a.s_addr);
	*mtu = 1500;
	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr !=
			    a.s_addr)
			continue;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->ifa_name);
		if (fd >= 0 && ioctl(fd, SIOCGIFMTU, &ifr) == 0)
			*mtu = ifr.ifr_mtu;
		if (fd >= 0)
			close(fd);
		break;
	}
	freeifaddrs(ifa);
	return 0;
}

int worker_reply_err(struct worker *w, const struct err *err, int rc)
{
	return proto_sendf(&w->p, "error", "%s",
			   err->msg[0] ? err->msg : strerror(-rc));
}

/* Parses "place" and "underlay" lists of n numbers. */
static int numbers(const char *s, const char *key, uint32_t *out, uint32_t n)
{
	const char *p = strstr(s, key);
	char *e;
	uint32_t i;

	if (!p)
		return -EPROTO;
	p += strlen(key);
	for (i = 0; i < n; i++) {
		out[i] = strtoul(p, &e, 10);
		if (e == p)
			return -EPROTO;
		p = e;
	}
	return 0;
}

static int do_build(struct worker *w, const char *msg, size_t len)
{
	struct emu_part part = { 0 };
	struct emu_opts opts = { .part = &part };
	uint32_t *place = NULL, *underlay = NULL;
	const char *model = strstr(msg, "\n\n");
	unsigned self, nm, port, vni, mtu;
	struct err err;
	double t0 = now();
	int rc;

	err_clear(&err);
	if (w->e || w->t)
		return proto_sendf(&w->p, "error", "this worker has built "
				   "already");
	if (!model ||
	    sscanf(msg, "self %u\nmachines %u\nport %u\nvni %u\nmtu %u", &self,
		   &nm, &port, &vni, &mtu) != 5 || !nm || nm > 65536)
		return proto_sendf(&w->p, "error", "a build with no part");
	model += 2;
	w->t = topo_read(model, len - (model - msg), &err);
	if (!w->t)
		return worker_reply_err(w, &err, -EPROTO);
	place = malloc((w->t->nnodes + 1) * sizeof(*place));
	underlay = malloc(nm * sizeof(*underlay));
	if (!place || !underlay) {
		rc = err_set(&err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (numbers(msg, "\nplace", place, w->t->nnodes) ||
	    numbers(msg, "\nunderlay", underlay, nm)) {
		rc = err_set(&err, -EPROTO, "a build with a bad placement");
		goto fail;
	}
	part = (struct emu_part){ .self = self, .nmachines = nm,
				  .machine_of = place, .underlay = underlay,
				  .port = port, .vni_base = vni, .mtu = mtu };
	rc = topo_plan(w->t, &err);
	if (!rc)
		rc = emu_start(w->t, &opts, &w->e, &err);
	if (rc)
		goto fail;
	free(place);
	free(underlay);
	uint32_t i, mine = 0;

	for (i = 0; i < w->t->nnodes; i++)
		mine += emu_node_local(w->e, i);
	return proto_sendf(&w->p, "ok", "%u nodes in %.2f s", mine,
			   now() - t0);
fail:
	free(place);
	free(underlay);
	topo_free(w->t);
	w->t = NULL;
	return worker_reply_err(w, &err, rc);
}

static int do_link(struct worker *w, const char *msg)
{
	unsigned l;
	char how[8];
	struct err err;
	int rc;

	err_clear(&err);
	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	if (sscanf(msg, "%u %7s", &l, how) != 2 || l >= w->t->nlinks)
		return proto_sendf(&w->p, "error", "a bad link request");
	rc = emu_link_set(w->e, l, !strcmp(how, "up"), &err);
	return rc ? worker_reply_err(w, &err, rc) : proto_send(&w->p, "ok", "", 0);
}

/* "ping": a line "SRC DST" per pair (a node of ours, an address); the
 * reply a line "1" or "0" per pair, in order. */
static int do_ping(struct worker *w, const char *msg)
{
	struct probe_opts po = { .timeout = 1.0, .tries = 3,
				 .inflight = 256 };
	struct probe_pair *pairs = NULL;
	uint32_t *src_of = NULL, n = 0, cap = 0, s, nsrcs = 0;
	char **srcs = NULL, *out = NULL;
	const char *p = msg;
	unsigned long long dst;
	size_t olen = 0, i;
	FILE *f;
	int rc = 0;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	src_of = malloc((w->t->nnodes + 1) * sizeof(*src_of));
	srcs = calloc(w->t->nnodes + 1, sizeof(*srcs));
	if (!src_of || !srcs)
		goto nomem;
	for (i = 0; i < w->t->nnodes; i++)
		src_of[i] = UINT32_MAX;
	while (*p) {
		char *e;

		s = strtoul(p, &e, 10);
		dst = strtoull(e, &e, 10);
		if (e == p || s >= w->t->nnodes || !emu_node_local(w->e, s))
			return proto_sendf(&w->p, "error", "a bad ping pair");
		p = *e ? e + 1 : e;
		if (src_of[s] == UINT32_MAX) {
			srcs[nsrcs] = malloc(NETNS_PATHSIZ);
			if (!srcs[nsrcs] ||
			    emu_nspath(w->e, s, srcs[nsrcs], NETNS_PATHSIZ))
				goto nomem;
			src_of[s] = nsrcs++;
		}
		if (n == cap) {
			struct probe_pair *np;

			cap = cap ? 2 * cap : 256;
			np = realloc(pairs, cap * sizeof(*np));
			if (!np)
				goto nomem;
			pairs = np;
		}
		pairs[n++] = (struct probe_pair){ .src = src_of[s],
						  .dst_ip = (uint32_t)dst };
	}
	rc = probe_run(EV_DEFAULT, (const char *const *)srcs, nsrcs, pairs,
		       n, &po);
	if (rc < 0) {
		rc = proto_sendf(&w->p, "error", "probes: %s", strerror(-rc));
		goto out;
	}
	f = open_memstream(&out, &olen);
	if (!f)
		goto nomem;
	for (i = 0; i < n; i++)
		fprintf(f, "%d\n", pairs[i].ok);
	fclose(f);
	rc = proto_send(&w->p, "ok", out, olen);
	goto out;
nomem:
	rc = proto_sendf(&w->p, "error", "out of memory");
out:
	for (i = 0; srcs && i < nsrcs; i++)
		free(srcs[i]);
	free(srcs);
	free(src_of);
	free(pairs);
	free(out);
	return rc;
}

/* "fib": "ecmp 0|1" and "down L..." (the links down now); the reply a
 * line "NODE DST/PLEN HAVE WANT" per route of our routers that differs
 * from the plan, then "routers N". */
static int do_fib(struct worker *w, const char *msg)
{
	struct routing_missing *miss = NULL;
	struct topo_expect_set set;
	size_t nmiss = 0, cap = 0, k, olen = 0;
	unsigned char *down;
	const char *p;
	char *out = NULL, dst[IP_STRLEN];
	uint32_t i, routers = 0;
	int ecmp = 0, rc = 0;
	FILE *f;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	sscanf(msg, "ecmp %d", &ecmp);
	down = calloc(w->t->nlinks + 1, 1);
	if (!down)
		return proto_sendf(&w->p, "error", "out of memory");
	p = strstr(msg, "\ndown");
	for (p = p ? p + 5 : ""; *p && *p != '\n';) {
		char *e;
		unsigned long l = strtoul(p, &e, 10);

		if (e == p)
			break;
		if (l < w->t->nlinks)
			down[l] = 1;
		p = e;
	}
	if (topo_expect_build(w->t, down, &set)) {
		free(down);
		return proto_sendf(&w->p, "error", "out of memory");
	}
	for (i = 0; i < w->t->nnodes && rc >= 0; i++) {
		if (!w->t->nodes[i].routing || !emu_node_local(w->e, i))
			continue;
		routers++;
		rc = routing_fib_check(w->t, i, &set, ecmp, &miss, &nmiss,
				       &cap);
	}
	topo_expect_set_free(&set);
	free(down);
	if (rc < 0) {
		free(miss);
		return proto_sendf(&w->p, "error", "router %s: cannot read its "
				   "FIB: %s", w->t->nodes[i - 1].name,
				   strerror(-rc));
	}
	f = open_memstream(&out, &olen);
	if (!f) {
		free(miss);
		return proto_sendf(&w->p, "error", "out of memory");
	}
	for (k = 0; k < nmiss; k++)
		fprintf(f, "%s %s %u %u\n", w->t->nodes[miss[k].node].name,
			ip_format(&miss[k].dst, true, dst), miss[k].have,
			miss[k].want);
	fprintf(f, "routers %u\n", routers);
	fclose(f);
	free(miss);
	rc = proto_send(&w->p, "ok", out, olen);
	free(out);
	return rc;
}

/* "daemons_all": a line "NODE ALIVE TOTAL" per router of ours with
 * daemons. */
static int do_daemons_all(struct worker *w)
{
	char *out = NULL;
	size_t olen = 0;
	uint32_t i;
	int total, alive, rc;
	FILE *f;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	f = open_memstream(&out, &olen);
	if (!f)
		return proto_sendf(&w->p, "error", "out of memory");
	for (i = 0; i < w->t->nnodes; i++) {
		if (!w->t->nodes[i].routing || !emu_node_local(w->e, i))
			continue;
		alive = routing_node_alive(w->t, i, &total);
		fprintf(f, "%u %d %d\n", i, alive, total);
	}
	fclose(f);
	rc = proto_send(&w->p, "ok", out ? out : "", out ? olen : 0);
	free(out);
	return rc;
}

/* "routes N": router N's FIB as a table; "daemons N": "ALIVE TOTAL". */
static int do_node(struct worker *w, const char *verb, const char *msg)
{
	char *text = NULL;
	unsigned node;
	int rc, total = 0, alive;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	if (sscanf(msg, "%u", &node) != 1 || !emu_node_local(w->e, node))
		return proto_sendf(&w->p, "error", "no such node here");
	if (!strcmp(verb, "daemons")) {
		alive = routing_node_alive(w->t, node, &total);
		return proto_sendf(&w->p, "ok", "%d %d", alive, total);
	}
	rc = routing_fib_format(w->t, node, &text);
	if (rc)
		return proto_sendf(&w->p, "error", "node %s: cannot read its "
				   "FIB: %s", w->t->nodes[node].name,
				   strerror(-rc));
	rc = proto_send(&w->p, "ok", text, strlen(text));
	free(text);
	return rc;
}

/* "fail N stop|kill": what a node failure does to the node's processes
 * (its links are the coordinator's to set down): frozen, or killed.
 * "recover N": the frozen thawed, the dead daemons started again; the
 * reply is how many.  "reset": every node recovered so. */
static int do_fault(struct worker *w, const char *verb, const char *msg)
{
	char path[NETNS_PATHSIZ], how[8] = "";
	unsigned node, first, last;
	struct err err;
	int count = 0, rc, total;
	ino_t ino;

	if (!w->e)
		return proto_sendf(&w->p, "error", "nothing is built here");
	if (!w->frozen) {
		w->frozen = calloc(w->t->nnodes + 1, sizeof(*w->frozen));
		w->nfrozen = calloc(w->t->nnodes + 1, sizeof(*w->nfrozen));
		if (!w->frozen || !w->nfrozen)
			return proto_sendf(&w->p, "error", "out of memory");
	}
	if (!strcmp(verb, "reset")) {
		first = 0;
		last = w->t->nnodes;
	} else if (sscanf(msg, "%u %7s", &node, how) >= 1 &&
		   emu_node_local(w->e, node)) {
		first = node;
		last = node + 1;
	} else {
		return proto_sendf(&w->p, "error", "no such node here");
	}
	err_clear(&err);
	for (node = first; node < last; node++) {
		if (!emu_node_local(w->e, node))
			continue;
		if (emu_nspath(w->e, node, path, sizeof(path)))
			continue;
		ino = netns_inode(path);
		if (!strcmp(verb, "fail") && !strcmp(how, "kill")) {
			rc = proc_kill_netns(&ino, 1);
			count += rc > 0 ? rc : 0;
		} else if (!strcmp(verb, "fail")) {
			free(w->frozen[node]);
			w->frozen[node] = NULL;
			rc = fault_signal_netns(ino, SIGSTOP, &w->frozen[node]);
			w->nfrozen[node] = rc > 0 ? rc : 0;
			count += w->nfrozen[node];
		} else {
			if (w->frozen[node])
				count += fault_signal(w->frozen[node],
						      w->nfrozen[node],
						      SIGCONT);
			free(w->frozen[node]);
			w->frozen[node] = NULL;
			w->nfrozen[node] = 0;
			rc = routing_node_restart(w->t, node, &total,
						  &err);
			if (rc < 0)
				return proto_sendf(&w->p, "error", "%s",
						   err.msg);
			count += rc;
		}
	}
	return proto_sendf(&w->p, "ok", "%d", count);
}

/* "spawn": "NODE", a newline, then the command's words each ended by a
 * NUL; started in the background in the node (its output to the node's
 * log in our record), as node:spawn() does; the reply its pid. */
static int do_spawn(struct worker *w, const char *msg, size_t len)
{
	struct proc_opts o = { .in = -1, .new_session = 1 };
	char path[NETNS_PATHSIZ], log[300], *argv[64];
	const char *p = strchr(msg, '\n'), *end = msg + len;
	unsigned node;
	int n = 0;
	pid_t pid;

	if (!w->e || sscanf(msg, "%u", &node) != 1 || !p ||
	    !emu_node_local(w->e, node))
		return proto_sendf(&w->p, "error", "a bad spawn");
	for (p++; p < end && n < 63; p += strlen(p) + 1)
		argv[n++] = (char *)p;
	argv[n] = NULL;
	if (!n)
		return proto_sendf(&w->p, "error", "spawn: no command");
	emu_nspath(w->e, node, path, sizeof(path));
	snprintf(log, sizeof(log), "/run/lunet/%s/%s.log", w->t->name,
		 w->t->nodes[node].name);
	o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.out = o.err = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			     0600);
	pid = proc_spawn(path, argv, &o);
	if (o.in >= 0)
		close(o.in);
	if (o.out >= 0)
		close(o.out);
	if (pid < 0)
		return proto_sendf(&w->p, "error", "node %s: %s: %s",
				   w->t->nodes[node].name, argv[0],
				   strerror(-pid));
	return proto_sendf(&w->p, "ok", "%d", (int)pid);
}

/* One request; its reply sent.  Returns 0 or -errno (the channel is
 * gone). */
static int handle(struct worker *w, const char *verb, char *msg, size_t len)
{
	struct err err;
	int rc;

	err_clear(&err);
	if (!strcmp(verb, "build"))
		return do_build(w, msg, len);
	if (!strcmp(verb, "link"))
		return do_link(w, msg);
	if (!strcmp(verb, "ping"))
		return do_ping(w, msg);
	if (!strcmp(verb, "probe") || !strcmp(verb, "probe_result"))
		return do_probe(w, verb, msg);
	if (!strcmp(verb, "fib"))
		return do_fib(w, msg);
	if (!strcmp(verb, "stats"))
		return do_stats(w, msg);
	if (!strcmp(verb, "spawn"))
		return do_spawn(w, msg, len);
	if (!strcmp(verb, "daemons_all"))
		return do_daemons_all(w);
	if (!strcmp(verb, "capture_start") || !strcmp(verb, "capture_stop"))
		return do_capture(w, verb, msg, len);
	if (!strcmp(verb, "routes") || !strcmp(verb, "daemons"))
		return do_node(w, verb, msg);
	if (!strcmp(verb, "impair") || !strcmp(verb, "impair_get"))
		return do_impair(w, verb, msg);
	if (!strcmp(verb, "fail") || !strcmp(verb, "recover") ||
	    !strcmp(verb, "reset"))
		return do_fault(w, verb, msg);
	if (!strcmp(verb, "detach")) {
		if (w->e)
			emu_detach(w->e);
		w->e = NULL;
		return proto_send(&w->p, "ok", "", 0);
	}
	if (!strcmp(verb, "stop")) {
		probes_free(w);
		captures_free(w);
		if (w->e && (rc = emu_stop(w->e, &err)))
			rc = worker_reply_err(w, &err, rc);
		else
			rc = proto_send(&w->p, "ok", "", 0);
		w->e = NULL;
		return rc;
	}
	return proto_sendf(&w->p, "error", "unknown request '%s'", verb);
}

/* The coordinator's channel is readable: every message it holds.  The
 * watcher is off meanwhile, so that a request that runs the loop itself
 * (ping) is not entered again. */
static void on_input(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = (struct worker *)((char *)io -
					     offsetof(struct worker, in));
	char verb[PROTO_VERB_MAX], *msg;
	struct err err;
	size_t len;
	int rc;

	ev_io_stop(loop, io);
	do {
		err_clear(&err);
		rc = proto_recv(&w->p, verb, &msg, &len, &err);
		if (!rc) {
			rc = handle(w, verb, msg, len);
			free(msg);
		}
	} while (!rc && w->p.head < w->p.tail);
	if (rc) {
		w->rc = rc;
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	ev_io_start(loop, io);
}

int cmd_worker(int argc, char **argv)
{
	char host[64] = "";
	uint32_t addr, mtu;
	struct worker w = { 0 };
	struct err err;
	int out, rc, i = cli_plain_opts(argc, argv, "worker", 1);

	if (argc - i != 1)
		cli_usage_exit("worker");
	if (cli_need_root())
		return 1;
	if (intr_install())
		return cli_fail("cannot install signal handlers");
	/* Standard output is the coordinator's channel: whatever else
	 * prints goes to standard error. */
	out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (out < 0 || dup2(2, 1) < 0)
		return cli_fail("cannot set up the channel: %s",
				strerror(errno));
	proto_init(&w.p, 0, out);
	if (underlay_addr(&addr, &mtu))
		return cli_fail("cannot tell this machine's underlay address: "
				"set LUNET_UNDERLAY_ADDR");
	gethostname(host, sizeof(host) - 1);
	{
		struct in_addr a = { htonl(addr) };
		char ip[INET_ADDRSTRLEN];

		rc = proto_sendf(&w.p, "hello",
				 "lunet-worker %d\naddr %s\nmtu %u\nhost %s\n",
				 PROTO_VERSION,
				 inet_ntop(AF_INET, &a, ip, sizeof(ip)), mtu,
				 host);
	}
	/* One loop: the coordinator's requests, and the probe streams that
	 * run while other requests come. */
	if (!rc) {
		w.loop = EV_DEFAULT;
		ev_io_init(&w.in, on_input, 0, EV_READ);
		ev_io_start(w.loop, &w.in);
		ev_run(w.loop, 0);
		rc = w.rc;
	}
	/* The coordinator is gone without leaving the part up: take it
	 * down, as "lunet run" does when it ends. */
	probes_free(&w);
	captures_free(&w); /* their sockets would keep the namespaces */
	if (w.e) {
		err_clear(&err);
		emu_stop(w.e, &err);
	}
	if (w.frozen)
		for (uint32_t k = 0; k < w.t->nnodes; k++)
			free(w.frozen[k]);
	free(w.frozen);
	free(w.nfrozen);
	probes_free(&w);
	captures_free(&w);
	topo_free(w.t);
	return rc == -ENODATA ? 0 : 1;
}
