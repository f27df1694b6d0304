/*
 * coord: the coordinator of an emulation across machines (see coord.h):
 * the workers started and spoken to, their requests and replies.  The
 * records and the teardown of every machine from them are in record.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cluster/coord.h"
#include "core/cluster/coord_int.h"
#include "core/cluster/proto.h"
#include "core/cluster/sim.h"
#include "core/control/state.h"
#include "core/sys/proc.h"
#include "topo/machines.h"
#include "topo/serial.h"
#include "topo/topo.h"

#define HELLO_TIMEOUT_MS 60000
#define VXLAN_OVERHEAD 50 /* outer Ethernet 14, IPv4 20, UDP 8, VXLAN 8 */

static void say(struct cluster *c, uint32_t k, const char *what)
{
	if (c->opts && c->opts->progress)
		c->opts->progress(c->opts->arg, c->m[k].name, what);
}

static void worker_close(struct worker *w)
{
	int status, i;

	if (w->p.out >= 0)
		close(w->p.out);
	if (w->p.in >= 0)
		close(w->p.in);
	w->p.in = w->p.out = -1;
	if (w->pid <= 0)
		return;
	/* The worker ends when its input does; then the transport.  One
	 * started by another process (a "lunet up" that handed the
	 * emulation to its daemon) is not ours to reap: watched instead. */
	for (i = 0; i < 300; i++) {
		pid_t r = waitpid(w->pid, &status, WNOHANG);

		if (r == w->pid || (r < 0 && !proc_alive(w->pid))) {
			w->pid = 0;
			return;
		}
		usleep(100 * 1000);
	}
	kill(w->pid, SIGKILL);
	waitpid(w->pid, &status, 0);
	w->pid = 0;
}

/* --push: this lunet copied to machine k as /var/tmp/lunet/lunet-HASH
 * (the same binary, the same name: copied once), which its workers then
 * run.  Returns 0 or -errno with err set. */
#define PUSH_DIR "/var/tmp/lunet"
static int push_binary(struct cluster *c, uint32_t k, const char *path,
		       struct err *err)
{
	char script[512], *args[] = { "sh", "-c", script, NULL };
	char *argv[48], store[4096], ns[128];
	struct proc_opts o = { .out = -1, .err = -1, .new_session = 1 };
	const char *nspath;
	int fd, rc, status;
	pid_t pid;

	snprintf(script, sizeof(script),
		 "mkdir -p " PUSH_DIR " && t=" PUSH_DIR "/.push.$$ && "
		 "cat >\"$t\" && chmod 755 \"$t\" && mv -f \"$t\" '%s'",
		 path);
	rc = transport_argv(&c->m[k], c->dir, c->t->name, NULL, false, args,
			    argv, 48, store, sizeof(store), &nspath, ns,
			    sizeof(ns));
	if (rc < 0)
		return err_set(err, rc, "machine %s: %s", c->m[k].name,
			       strerror(-rc));
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -errno, "cannot read this lunet: %s",
			       strerror(errno));
	o.in = fd;
	pid = proc_spawn(nspath, argv, &o);
	close(fd);
	if (pid < 0)
		return err_set(err, pid, "machine %s: cannot run %s: %s",
			       c->m[k].name, argv[0], strerror(-pid));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return err_set(err, -EIO, "machine %s (%s): --push could not "
			       "copy lunet to %s", c->m[k].name,
			       c->m[k].target, path);
	return 0;
}

/* Where --push puts this binary: named after its contents, so that
 * every build is its own file and a copy is made only once. */
static int push_path(char *buf, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	unsigned char b[65536];
	ssize_t n;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, b, sizeof(b))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ b[i]) * 1099511628211ull;
	close(fd);
	snprintf(buf, len, PUSH_DIR "/lunet-%016" PRIx64, h);
	return n < 0 ? -errno : 0;
}

static int worker_start(struct cluster *c, uint32_t k, struct err *err)
{
	char *args[] = { "worker", c->t->name, NULL };
	char *argv[48], store[4096], ns[128];
	const char *nspath;
	int to[2], from[2], rc;
	struct proc_opts o = { .err = -1, .new_session = 1 };
	struct worker *w = &c->w[k];
	char log[400];

	rc = transport_argv(&c->m[k], c->dir, c->t->name, c->lunet, false,
			    args, argv, 48, store, sizeof(store), &nspath, ns,
			    sizeof(ns));
	if (rc < 0)
		return err_set(err, rc, "machine %s: %s", c->m[k].name,
			       strerror(-rc));
	if (pipe2(to, O_CLOEXEC) < 0)
		return err_set(err, -errno, "pipe: %s", strerror(errno));
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]);
		close(to[1]);
		return err_set(err, -errno, "pipe: %s", strerror(errno));
	}
	o.in = to[0];
	o.out = from[1];
	/* What ssh and the worker say goes to a log of the record: ssh's
	 * multiplexing master lives on in the background and would hold a
	 * terminal or pipe of ours open. */
	snprintf(log, sizeof(log), "%s/%s.worker.log", c->dir, c->m[k].name);
	o.err = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	w->pid = proc_spawn(nspath, argv, &o);
	if (o.err >= 0)
		close(o.err);
	close(to[0]);
	close(from[1]);
	proto_init(&w->p, from[0], to[1]);
	if (w->pid < 0) {
		rc = w->pid;
		w->pid = 0;
		worker_close(w);
		return err_set(err, rc, "machine %s: cannot run %s: %s",
			       c->m[k].name, argv[0], strerror(-rc));
	}
	return 0;
}

/* Worker k is gone: the emulation is degraded, in the record, with why. */
static void mark_gone(struct cluster *c, uint32_t k)
{
	char path[256];
	FILE *f;

	if (c->w[k].gone)
		return;
	c->w[k].gone = true;
	if (state_path(path, sizeof(path), c->t->name, "degraded"))
		return;
	f = fopen(path, "ae");
	if (!f)
		return;
	fprintf(f, "machine %s (%s): its worker is gone\n", c->m[k].name,
		c->m[k].target);
	fclose(f);
}

/* The reply to the last request sent to worker k, skipping progress; a
 * reply "error" becomes err. */
static int worker_reply(struct cluster *c, uint32_t k, char **data,
			struct err *err)
{
	struct worker *w = &c->w[k];
	char verb[PROTO_VERB_MAX];
	struct err perr;
	size_t len;
	int rc;

	for (;;) {
		err_clear(&perr);
		rc = proto_recv(&w->p, verb, data, &len, &perr);
		if (rc == -ENODATA || rc == -EPIPE) {
			mark_gone(c, k);
			return err_set(err, -EPIPE, "machine %s: its worker is "
				       "gone (see %s/%s.worker.log); the "
				       "emulation is degraded", c->m[k].name,
				       c->dir, c->m[k].name);
		}
		if (rc)
			return err_set(err, rc, "machine %s: %s", c->m[k].name,
				       perr.msg[0] ? perr.msg : strerror(-rc));
		if (!strcmp(verb, "progress")) {
			say(c, k, *data);
			free(*data);
			continue;
		}
		if (!strcmp(verb, "ok"))
			return 0;
		rc = err_set(err, -EIO, "machine %s: %s", c->m[k].name,
			     strcmp(verb, "error") ? "unexpected reply" :
						     *data);
		free(*data);
		*data = NULL;
		return rc;
	}
}

/* The last line of file path, for an error message. */
static void last_line(const char *path, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\n')
			snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"),
				 line);
	fclose(f);
}

static int worker_hello(struct cluster *c, uint32_t k, struct err *err)
{
	struct worker *w = &c->w[k];
	char verb[PROTO_VERB_MAX], *data, *p, ip[64];
	unsigned version, mtu;
	struct err perr;
	struct in_addr a;
	size_t len;
	int rc;

	err_clear(&perr);
	w->p.timeout_ms = HELLO_TIMEOUT_MS;
	rc = proto_recv(&w->p, verb, &data, &len, &perr);
	w->p.timeout_ms = -1;
	if (rc == -ENODATA) {
		char log[400], last[200] = "";

		snprintf(log, sizeof(log), "%s/%s.worker.log", c->dir,
			 c->m[k].name);
		last_line(log, last, sizeof(last));
		return err_set(err, -EHOSTUNREACH, "machine %s (%s): no "
			       "worker answered%s%s (is lunet installed "
			       "there, and can this machine reach it? see "
			       "%s)", c->m[k].name, c->m[k].target,
			       last[0] ? ": " : "", last, log);
	}
	if (rc)
		return err_set(err, rc, "machine %s: %s", c->m[k].name,
			       perr.msg[0] ? perr.msg : strerror(-rc));
	rc = strcmp(verb, "hello") ||
	     sscanf(data, "lunet-worker %u", &version) != 1;
	if (!rc && version != PROTO_VERSION) {
		free(data);
		return err_set(err, -EPROTO, "machine %s: its lunet speaks "
			       "version %u, this one %u: install the same "
			       "lunet there", c->m[k].name, version,
			       PROTO_VERSION);
	}
	p = rc ? NULL : strstr(data, "\naddr ");
	if (!p || sscanf(p, "\naddr %63s", ip) != 1 ||
	    inet_pton(AF_INET, ip, &a) != 1) {
		free(data);
		return err_set(err, -EPROTO, "machine %s: no underlay address "
			       "in its hello", c->m[k].name);
	}
	w->addr = ntohl(a.s_addr);
	p = strstr(data, "\nmtu ");
	w->mtu = p && sscanf(p, "\nmtu %u", &mtu) == 1 ? mtu : 1500;
	free(data);
	return 0;
}

/* "build": the part's settings, then the model. */
static int send_build(struct cluster *c, uint32_t k, const char *model,
		      size_t mlen, uint32_t mtu)
{
	char *head = NULL, *msg;
	size_t hlen = 0, i;
	FILE *f = open_memstream(&head, &hlen);
	int rc;

	if (!f)
		return -ENOMEM;
	fprintf(f, "self %u\nmachines %u\nport %u\nvni %u\nmtu %u\nunderlay",
		k, c->n, c->port, 1u, mtu);
	for (i = 0; i < c->n; i++)
		fprintf(f, " %" PRIu32, c->w[i].addr);
	fprintf(f, "\nplace");
	for (i = 0; i < c->t->nnodes; i++)
		fprintf(f, " %u", c->machine_of[i]);
	fprintf(f, "\n\n");
	if (fclose(f))
		return -ENOMEM;
	msg = malloc(hlen + mlen);
	if (!msg) {
		free(head);
		return -ENOMEM;
	}
	memcpy(msg, head, hlen);
	memcpy(msg + hlen, model, mlen);
	rc = proto_send(&c->w[k].p, "build", msg, hlen + mlen);
	free(msg);
	free(head);
	return rc;
}

static void cluster_free(struct cluster *c)
{
	free(c->m);
	free(c->sim);
	free(c->machine_of);
	free(c->w);
	free(c);
}

/* Removes everything: workers closed (a part not left up goes with its
 * worker), the simulated machines, the records. */
static void cluster_remove(struct cluster *c)
{
	char *clean[] = { c->lunet, "clean", c->t->name, NULL };
	uint32_t k;

	for (k = 0; c->w && k < c->n; k++)
		worker_close(&c->w[k]);
	if (c->sim)
		sim_down(c->t->name, c->n, c->sim, clean);
	state_remove(c->t->name);
}

int cluster_up(struct topo *t, const struct cluster_opts *opts,
	       struct cluster **out, struct err *err)
{
	struct cluster *c;
	char *model = NULL, *reply;
	size_t mlen;
	uint32_t k, i, mtu = 0;
	bool local = false;
	int rc;

	if (!t->planned)
		return err_set(err, -EINVAL, "network '%s' is not planned",
			       t->name);
	if (!opts->nmachines || opts->nmachines > SIM_MAX)
		return err_set(err, -EINVAL, "from 1 to %u machines", SIM_MAX);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->t = t;
	c->n = opts->nmachines;
	c->opts = opts;
	c->port = opts->port ? opts->port : CLUSTER_PORT_DEFAULT;
	c->m = calloc(c->n, sizeof(*c->m));
	c->w = calloc(c->n, sizeof(*c->w));
	c->machine_of = malloc((t->nnodes + 1) * sizeof(*c->machine_of));
	if (!c->m || !c->w || !c->machine_of) {
		cluster_free(c);
		return err_set(err, -ENOMEM, "out of memory");
	}
	memcpy(c->m, opts->machines, c->n * sizeof(*c->m));
	memcpy(c->machine_of, opts->machine_of,
	       t->nnodes * sizeof(*c->machine_of));
	for (k = 0; k < c->n; k++) {
		local |= c->m[k].kind == CLUSTER_LOCAL;
		c->w[k].p.in = c->w[k].p.out = -1;
	}
	if (opts->remote_lunet)
		snprintf(c->lunet, sizeof(c->lunet), "%s", opts->remote_lunet);
	else if (local) {
		ssize_t n = readlink("/proc/self/exe", c->lunet,
				     sizeof(c->lunet) - 1);
		c->lunet[n > 0 ? n : 0] = 0;
	} else
		snprintf(c->lunet, sizeof(c->lunet), "lunet");
	for (i = 0; i < t->nnodes; i++)
		if (c->machine_of[i] >= c->n) {
			k = c->machine_of[i];
			cluster_free(c);
			return err_set(err, -EINVAL, "node %s: no machine %u",
				       t->nodes[i].name, k + 1);
		}

	rc = state_claim(t->name);
	if (rc) {
		cluster_free(c);
		return err_set(err, rc, rc == -EEXIST ?
			       "emulation '%s' is already running; stop it "
			       "with 'lunet down %s' or choose another name" :
			       "cannot record emulation '%s': %s", t->name,
			       rc == -EEXIST ? t->name : strerror(-rc));
	}
	c->info.status = STATE_BUILDING;
	c->info.owner = getpid();
	c->info.owner_start = proc_starttime(c->info.owner);
	c->info.created = time(NULL);
	rc = record_dir(t->name, c->dir, sizeof(c->dir));
	if (!rc && mkdir(c->dir, 0700) < 0)
		rc = -errno;
	if (!rc)
		rc = state_write(t, &c->info);
	if (!rc && local && !(c->sim = calloc(c->n, sizeof(*c->sim))))
		rc = -ENOMEM;
	if (!rc)
		rc = write_record(c);
	if (rc) {
		err_set(err, rc, "cannot record emulation '%s': %s", t->name,
			strerror(-rc));
		goto fail;
	}
	if (local) {
		rc = sim_up(t->name, c->dir, c->n, c->sim, err);
		write_record(c);
		if (rc)
			goto fail;
	}
	if (opts->push) {
		rc = push_path(c->lunet, sizeof(c->lunet));
		if (rc)
			err_set(err, rc, "--push: cannot read this lunet: %s",
				strerror(-rc));
		for (k = 0; k < c->n && !rc; k++) {
			rc = push_binary(c, k, c->lunet, err);
			if (!rc)
				say(c, k, "lunet copied");
		}
		if (rc)
			goto fail;
		write_record(c);
	}
	for (k = 0; k < c->n && !rc; k++)
		rc = worker_start(c, k, err);
	for (k = 0; k < c->n && !rc; k++) {
		rc = worker_hello(c, k, err);
		if (!rc && (!mtu || c->w[k].mtu < mtu))
			mtu = c->w[k].mtu;
	}
	if (rc)
		goto fail;
	write_record(c);
	rc = topo_write(t, &model, &mlen, err);
	if (rc)
		goto fail;
	for (k = 0; k < c->n && !rc; k++) {
		rc = send_build(c, k, model, mlen, mtu - VXLAN_OVERHEAD);
		if (rc)
			err_set(err, rc, "machine %s: cannot send its part: %s",
				c->m[k].name, strerror(-rc));
		else
			say(c, k, "building");
	}
	free(model);
	/* Every machine builds at once; the replies come as they finish. */
	for (k = 0; k < c->n && !rc; k++) {
		rc = worker_reply(c, k, &reply, err);
		if (!rc) {
			say(c, k, reply);
			free(reply);
		}
	}
	if (rc)
		goto fail;
	c->info.status = STATE_RUNNING;
	state_write(t, &c->info);
	*out = c;
	return 0;
fail:
	cluster_remove(c);
	cluster_free(c);
	return rc;
}

static int all_request(struct cluster *c, const char *verb, struct err *err)
{
	char *reply;
	uint32_t k;
	int rc = 0, r;

	for (k = 0; k < c->n; k++)
		if (!c->w[k].gone)
			proto_send(&c->w[k].p, verb, "", 0);
	for (k = 0; k < c->n; k++) {
		if (c->w[k].gone)
			continue;
		r = worker_reply(c, k, &reply, rc ? NULL : err);
		if (!r)
			free(reply);
		else if (!rc)
			rc = r;
	}
	return rc;
}

int cluster_detach(struct cluster *c, struct err *err)
{
	uint32_t k;
	int rc;

	rc = all_request(c, "detach", err);
	for (k = 0; k < c->n; k++)
		worker_close(&c->w[k]);
	c->info.status = STATE_UP;
	c->info.owner = 0;
	c->info.owner_start = 0;
	state_write(c->t, &c->info);
	cluster_free(c);
	return rc;
}

int cluster_stop(struct cluster *c, struct err *err)
{
	int rc;

	c->info.status = STATE_STOPPING;
	state_write(c->t, &c->info);
	rc = all_request(c, "stop", err);
	cluster_remove(c);
	cluster_free(c);
	return rc;
}

int cluster_link_set(struct cluster *c, uint32_t l, bool up,
		     struct err *err)
{
	char msg[64], *reply;
	uint32_t side, k, done = UINT32_MAX;
	int rc = 0;

	if (l >= c->t->nlinks)
		return err_set(err, -ENOENT, "no link %u", l);
	snprintf(msg, sizeof(msg), "%u %s", l, up ? "up" : "down");
	for (side = 0; side < 2 && !rc; side++) {
		k = c->machine_of[topo_link_node(c->t, l, side)];
		if (k == done)
			continue;
		rc = cluster_request(c, k, "link", msg, strlen(msg), &reply,
				     err);
		if (!rc)
			free(reply);
		done = k;
	}
	return rc;
}

int cluster_ping(struct cluster *c, const uint32_t *src, const uint32_t *dst,
		 size_t n, int *ok, struct err *err)
{
	char **msg;
	size_t *len, i;
	FILE **f;
	uint32_t k;
	int rc = 0, got = 0;

	msg = calloc(c->n, sizeof(*msg));
	len = calloc(c->n, sizeof(*len));
	f = calloc(c->n, sizeof(*f));
	if (!msg || !len || !f) {
		rc = err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < c->n; k++)
		if (!(f[k] = open_memstream(&msg[k], &len[k]))) {
			rc = err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	for (i = 0; i < n; i++)
		fprintf(f[c->machine_of[src[i]]], "%u %" PRIu32 "\n", src[i],
			dst[i]);
	for (k = 0; k < c->n; k++) {
		fclose(f[k]);
		f[k] = NULL;
	}
	/* Every machine probes at once. */
	for (k = 0; k < c->n && !rc; k++)
		if (len[k] && c->w[k].gone)
			rc = err_set(err, -EPIPE, "machine %s is gone: the "
				     "emulation is degraded", c->m[k].name);
		else if (len[k] && (rc = proto_send(&c->w[k].p, "ping",
						    msg[k], len[k]))) {
			mark_gone(c, k);
			err_set(err, rc, "machine %s: cannot send: %s",
				c->m[k].name, strerror(-rc));
		}
	for (k = 0; k < c->n && !rc; k++) {
		char *reply, *p, *e;

		if (!len[k])
			continue;
		rc = worker_reply(c, k, &reply, err);
		if (rc)
			break;
		/* One line per pair, in the order sent: 1 or 0. */
		p = reply;
		for (i = 0; i < n; i++) {
			if (c->machine_of[src[i]] != k)
				continue;
			ok[i] = strtol(p, &e, 10) == 1;
			got += ok[i];
			p = *e ? e + 1 : e;
		}
		free(reply);
	}
out:
	for (k = 0; f && k < c->n; k++)
		if (f[k])
			fclose(f[k]);
	for (k = 0; msg && k < c->n; k++)
		free(msg[k]);
	free(msg);
	free(len);
	free(f);
	return rc ? rc : got;
}

void cluster_release(struct cluster *c)
{
	uint32_t k;

	for (k = 0; k < c->n; k++) {
		if (c->w[k].p.out >= 0)
			close(c->w[k].p.out);
		if (c->w[k].p.in >= 0)
			close(c->w[k].p.in);
	}
	cluster_free(c);
}

void cluster_adopt(struct cluster *c)
{
	c->info.owner = getpid();
	c->info.owner_start = proc_starttime(c->info.owner);
	c->info.status = STATE_UP;
	state_write(c->t, &c->info);
}

int cluster_check(struct cluster *c, uint32_t *gone, uint32_t max)
{
	struct pollfd p;
	uint32_t k, n = 0;

	for (k = 0; k < c->n; k++) {
		if (c->w[k].gone || c->w[k].p.in < 0)
			continue;
		p = (struct pollfd){ .fd = c->w[k].p.in, .events = POLLIN };
		/* A worker says nothing unasked: its input readable between
		 * requests is its end. */
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
			mark_gone(c, k);
			if (n < max)
				gone[n++] = k;
		}
	}
	return n;
}

int cluster_machine_find(const struct cluster *c, const char *name)
{
	uint32_t k;

	for (k = 0; k < c->n; k++)
		if (!strcmp(c->m[k].name, name))
			return (int)k;
	return -ENOENT;
}

int cluster_machine_set(struct cluster *c, uint32_t k, bool up,
			struct err *err)
{
	if (k >= c->n)
		return err_set(err, -ENOENT, "no machine %u", k + 1);
	if (c->m[k].kind != CLUSTER_LOCAL)
		return -EOPNOTSUPP;
	return sim_machine_set(c->t->name, k, up, err);
}

uint32_t cluster_machines(const struct cluster *c)
{
	return c->n;
}

uint32_t cluster_machine_of(const struct cluster *c, uint32_t node)
{
	return node < c->t->nnodes ? c->machine_of[node] : UINT32_MAX;
}

const char *cluster_machine_name(const struct cluster *c, uint32_t k)
{
	return k < c->n ? c->m[k].name : "?";
}

int cluster_request(struct cluster *c, uint32_t k, const char *verb,
		    const char *payload, size_t len, char **reply,
		    struct err *err)
{
	int rc;

	*reply = NULL;
	if (k >= c->n)
		return err_set(err, -ENOENT, "no machine %u", k + 1);
	if (c->w[k].gone)
		return err_set(err, -EPIPE, "machine %s: its worker is gone",
			       c->m[k].name);
	rc = proto_send(&c->w[k].p, verb, payload, len);
	if (rc) {
		mark_gone(c, k);
		return err_set(err, rc, "machine %s: cannot send: %s",
			       c->m[k].name, strerror(-rc));
	}
	return worker_reply(c, k, reply, err);
}

int cluster_node_argv(const struct cluster *c, uint32_t node, bool tty,
		      char *const args[], char **argv, int max, char *store,
		      size_t size, const char **nspath, char *nsbuf,
		      size_t nslen)
{
	if (node >= c->t->nnodes)
		return -ENOENT;
	return transport_argv(&c->m[c->machine_of[node]], c->dir, c->t->name,
			      c->lunet, tty, args, argv, max, store, size,
			      nspath, nsbuf, nslen);
}

