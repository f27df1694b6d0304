/*
 * daemon: starting, finding and killing the routing daemons of a router.
 *
 * FRR: zebra and the protocol's daemon (bgpd, ospfd; staticd and bfdd
 * when asked for) each have their pid file, vty socket and log in the
 * router's directory, and zebra's zserv socket is there too.  A config of
 * lunet's own is split by daemon (zebra.conf, bgpd.conf, ...; frr.conf
 * beside them is the whole, for people and vtysh) and each daemon reads
 * its part as it starts: no vtysh run, which took a third of the CPU of a
 * router's start.  A user's config, or extra lines, are vtysh's to split:
 * the daemons start empty and, once every vty socket answers, "vtysh -f
 * frr.conf" loads it, so a line a daemon refuses comes back with the
 * daemon's own words.  Either way a build starts in two steps over all
 * routers (routing_node_spawn(), then routing_node_load()): first what
 * does not route yet (zebra; every daemon when vtysh loads the config),
 * then what does, so that routers begin to route within a short time of
 * each other rather than one by one over the whole phase (every router
 * that joins late makes its neighbours send it their whole table and
 * take in its own).  FRR drops to the user frr, which must reach that
 * directory: the record's directories are made traversable (0711), never
 * listable, and the router's own is frr's.
 * BIRD: bird parses its config before it forks, so a refused config is
 * its exit status and message; it stays root, and starts in the first
 * step.
 *
 * Daemons are found again by their pid files, and believed only when the
 * pid's network namespace is the router's, so a stale pid file never
 * makes lunet signal a stranger.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/control/state.h"
#include "core/routing/routing.h"
#include "core/routing/routing_conf.h"
#include "core/sys/intr.h"
#include "core/sys/limits.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"
#include "topo/topo.h"

#define FRR_LIBEXEC "/usr/lib/frr"
#define VTYSH "/usr/bin/vtysh"
#define BIRD "/usr/sbin/bird"
#define BIRDC "/usr/sbin/birdc"
#define READY_TIMEOUT 30.0 /* seconds for a daemon's socket to appear */
#define DAEMONS_MAX 5
/* A file in a router's directory: the directory and a short name. */
#define SUBPATHSIZ (ROUTING_PATHSIZ + 32)

/* Which daemons router n runs, by name; returns how many. */
static int daemons(const struct topo *t, uint32_t n, const char **out)
{
	const struct topo_routing *r = t->nodes[n].routing;
	int k = 0;

	if (r->daemon == TOPO_DAEMON_BIRD) {
		out[k++] = "bird";
		return k;
	}
	out[k++] = "zebra";
	out[k++] = r->proto == TOPO_PROTO_BGP ? "bgpd" : "ospfd";
	/* A config of the user's may hold static routes; lunet's own never
	 * does. */
	if (r->config || r->extra)
		out[k++] = "staticd";
	if (r->bfd)
		out[k++] = "bfdd";
	return k;
}

/* Whether router n's FRR daemons read their own parts of the config as
 * they start: lunet's own configs; a user's, or extra lines, go through
 * vtysh. */
static bool reads_own(const struct topo_routing *r)
{
	return r->daemon == TOPO_DAEMON_FRR && !r->config && !r->extra;
}

int routing_dir(const struct topo *t, uint32_t n, char *buf, size_t len)
{
	int k = snprintf(buf, len, "%s/%s/routers/%s", state_dir(), t->name,
			 t->nodes[n].name);

	return k < 0 || (size_t)k >= len ? -ENAMETOOLONG : 0;
}

int routing_check_installed(const struct topo *t, struct err *err)
{
	bool frr = false, bird = false;
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		const struct topo_routing *r = t->nodes[i].routing;

		if (r && r->daemon == TOPO_DAEMON_FRR)
			frr = true;
		else if (r)
			bird = true;
	}
	if (frr && (access(FRR_LIBEXEC "/zebra", X_OK) ||
		    access(VTYSH, X_OK) || !getpwnam("frr")))
		return err_set(err, -ENOENT, "routers with daemon 'frr' need "
			       "FRR: install the Debian package frr (make "
			       "deps does)");
	if (bird && (access(BIRD, X_OK) || access(BIRDC, X_OK)))
		return err_set(err, -ENOENT, "routers with daemon 'bird' need "
			       "BIRD 2: install the Debian package bird2 (make "
			       "deps does)");
	return 0;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

static int read_file(const char *path, char **out)
{
	struct stat st;
	ssize_t got;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size > (1 << 24)) {
		close(fd);
		return -EFBIG;
	}
	*out = malloc((size_t)st.st_size + 1);
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	got = read(fd, *out, (size_t)st.st_size);
	if (got < 0)
		rc = -errno;
	else
		(*out)[got] = '\0';
	close(fd);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* The record's directories on the way to dir, traversable by FRR's user
 * (0711: entering, not listing), then dir itself, the daemon's own. */
static int make_dirs(const struct topo *t, const char *dir, bool frr)
{
	char path[ROUTING_PATHSIZ], buf[1024];
	struct passwd pwd, *pw = NULL;

	snprintf(path, sizeof(path), "%s/%s/routers", state_dir(), t->name);
	if (mkdir(path, 0711) && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	if (!frr)
		return 0;
	/* Routers start on several threads at once: getpwnam()'s static
	 * result would be overwritten under us, and the chown below get
	 * another thread's half-written uid. */
	if (getpwnam_r("frr", &pwd, buf, sizeof(buf), &pw) || !pw)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", state_dir(), t->name);
	if (chmod(state_dir(), 0711) || chmod(path, 0711) ||
	    chown(dir, pw->pw_uid, pw->pw_gid))
		return -errno;
	return 0;
}

int routing_config_read(struct topo *t, struct err *err)
{
	struct topo_routing *r;
	uint32_t i;
	int rc;

	for (i = 0; i < t->nnodes; i++) {
		r = t->nodes[i].routing;
		if (!r || !r->config || r->config_text)
			continue;
		rc = read_file(r->config, &r->config_text);
		if (rc)
			return err_set(err, rc, "router %s: config %s: %s",
				       t->nodes[i].name, r->config,
				       strerror(-rc));
	}
	return 0;
}

/* The config the router loads: the user's file with its placeholders
 * filled, or one written from the plan. */
static int make_config(const struct topo *t, uint32_t n, const char *dir,
		       char **conf, struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	char *text = NULL;
	int rc;

	if (r->config && r->config_text)
		return routing_conf_template(t, n, r->config_text, r->config,
					     conf, err);
	if (r->config) {
		rc = read_file(r->config, &text);
		if (rc)
			return err_set(err, rc, "router %s: config %s: %s",
				       t->nodes[n].name, r->config,
				       strerror(-rc));
		rc = routing_conf_template(t, n, text, r->config, conf, err);
		free(text);
		return rc;
	}
	if (r->daemon == TOPO_DAEMON_FRR)
		return routing_conf_frr(t, n, dir, conf, err);
	rc = routing_conf_bird(t, n, dir, conf);
	if (rc)
		return err_set(err, rc, "router %s: cannot write its config: "
			       "%s", t->nodes[n].name, strerror(-rc));
	return 0;
}

/* Whether a unix socket at path accepts a connection. */
static bool answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ok;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the sockets of router n's daemons to answer. */
static int wait_ready(const struct topo *t, uint32_t n, const char *dir,
		      const char **names, int count, struct err *err)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	char path[SUBPATHSIZ];
	double deadline = now() + READY_TIMEOUT;
	int i = 0;

	while (i < count) {
		if (!strcmp(names[i], "bird"))
			snprintf(path, sizeof(path), "%s/bird.ctl", dir);
		else
			snprintf(path, sizeof(path), "%s/%s.vty", dir,
				 names[i]);
		if (answers(path)) {
			i++;
			continue;
		}
		if (intr_check(err))
			return -EINTR;
		if (now() > deadline)
			return err_set(err, -ETIMEDOUT, "router %s: %s did not "
				       "answer within %.0f s (its log: "
				       "%s/%s.log)", t->nodes[n].name,
				       names[i], READY_TIMEOUT, dir, names[i]);
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* Runs argv in router n's namespace; on failure, err gets what it said. */
static int run(const struct topo *t, uint32_t n, char **argv,
	       const char *what, struct err *err)
{
	char nspath[NETNS_PATHSIZ], *out = NULL, *p;
	size_t len = 0;
	int rc, status;

	netns_path(nspath, sizeof(nspath), t->name, t->nodes[n].name);
	rc = proc_run_named(nspath, t->nodes[n].name, argv, &out, &len,
			    &status);
	if (rc) {
		free(out);
		return err_set(err, rc, "router %s: cannot run %s: %s",
			       t->nodes[n].name, argv[0], strerror(-rc));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(out);
		return 0;
	}
	/* The daemon's words, on one line. */
	for (p = out; p && *p; p++)
		if (*p == '\n')
			*p = *(p + 1) ? ';' : '\0';
	err_set(err, -EINVAL, "router %s: %s: %s", t->nodes[n].name, what,
		out && *out ? out : "failed with no message");
	free(out);
	return -EINVAL;
}

/* Starts the count FRR daemons names of router n, each reading its own
 * part of the config (own) or none, and waits for their vty sockets. */
static int start_frr(const struct topo *t, uint32_t n, const char *dir,
		     const char **names, int count, bool own,
		     struct err *err)
{
	char pid[SUBPATHSIZ], zs[SUBPATHSIZ], log[SUBPATHSIZ];
	char prog[SUBPATHSIZ], ctl[SUBPATHSIZ], conf[SUBPATHSIZ], fds[16];
	int i, rc;

	snprintf(fds, sizeof(fds), "%u", LIMITS_FRR_FDS);
	snprintf(zs, sizeof(zs), "%s/zserv.api", dir);
	for (i = 0; i < count; i++) {
		char *argv[20];
		int k = 0;

		snprintf(prog, sizeof(prog), FRR_LIBEXEC "/%s", names[i]);
		snprintf(pid, sizeof(pid), "%s/%s.pid", dir, names[i]);
		snprintf(log, sizeof(log), "file:%s/%s.log", dir, names[i]);
		snprintf(conf, sizeof(conf), "%s/%s.conf", dir, names[i]);
		argv[k++] = prog;
		argv[k++] = "-d";
		/* Empty when vtysh loads the config (load_frr()). */
		argv[k++] = "-f";
		argv[k++] = own ? conf : "/dev/null";
		argv[k++] = "-i";
		argv[k++] = pid;
		argv[k++] = "-z";
		argv[k++] = zs;
		argv[k++] = "--vty_socket";
		argv[k++] = (char *)dir;
		argv[k++] = "-P";
		argv[k++] = "0"; /* no TCP vty */
		argv[k++] = "--limit-fds";
		argv[k++] = fds;
		argv[k++] = "--log";
		argv[k++] = log;
		if (!strcmp(names[i], "bfdd")) {
			snprintf(ctl, sizeof(ctl), "%s/bfdd.sock", dir);
			argv[k++] = "--bfdctl";
			argv[k++] = ctl;
		}
		argv[k] = NULL;
		rc = run(t, n, argv, names[i], err);
		if (rc)
			return rc;
	}
	return wait_ready(t, n, dir, names, count, err);
}

/* FRR's config through vtysh, which hands each line to the daemon that
 * takes it and says which it refused. */
static int load_frr(const struct topo *t, uint32_t n, const char *dir,
		    struct err *err)
{
	char conf[SUBPATHSIZ];
	char *argv[] = { VTYSH, "--vty_socket", (char *)dir, "--config_dir",
			 (char *)dir, "-f", conf, NULL };

	snprintf(conf, sizeof(conf), "%s/frr.conf", dir);
	return run(t, n, argv, "FRR refused its config", err);
}

static int start_bird(const struct topo *t, uint32_t n, const char *dir,
		      struct err *err)
{
	char conf[SUBPATHSIZ], ctl[SUBPATHSIZ], pid[SUBPATHSIZ];
	const char *name = "bird";
	char *argv[] = { BIRD, "-c", conf, "-s", ctl, "-P", pid, NULL };
	int rc;

	snprintf(conf, sizeof(conf), "%s/bird.conf", dir);
	snprintf(ctl, sizeof(ctl), "%s/bird.ctl", dir);
	snprintf(pid, sizeof(pid), "%s/bird.pid", dir);
	rc = run(t, n, argv, "BIRD refused its config", err);
	return rc ? rc : wait_ready(t, n, dir, &name, 1, err);
}

/* The part of the config each of router n's count daemons names reads,
 * as dir/NAME.conf. */
static int write_parts(const struct topo *t, uint32_t n, const char *dir,
		       const char **names, int count, struct err *err)
{
	char path[SUBPATHSIZ], *text;
	int i, rc = 0;

	for (i = 0; i < count && !rc; i++) {
		rc = routing_conf_frr_daemon(t, n, dir, names[i], &text, err);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "%s/%s.conf", dir, names[i]);
		rc = write_file(path, text, 0644);
		free(text);
		if (rc)
			err_set(err, rc, "router %s: cannot write %s: %s",
				t->nodes[n].name, path, strerror(-rc));
	}
	return rc;
}

/* Router n's whole config from the plan, as dir/frr.conf or
 * dir/bird.conf. */
static int write_config(const struct topo *t, uint32_t n, const char *dir,
			struct err *err)
{
	bool frr = t->nodes[n].routing->daemon == TOPO_DAEMON_FRR;
	char path[SUBPATHSIZ], *conf = NULL;
	int rc;

	rc = make_config(t, n, dir, &conf, err);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, frr ? "frr.conf" :
							 "bird.conf");
	rc = write_file(path, conf, frr ? 0644 : 0600);
	free(conf);
	if (rc)
		return err_set(err, rc, "router %s: cannot write %s: %s",
			       t->nodes[n].name, path, strerror(-rc));
	return 0;
}

int routing_node_spawn(const struct topo *t, uint32_t n, struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	char dir[ROUTING_PATHSIZ], path[SUBPATHSIZ];
	const char *names[DAEMONS_MAX];
	bool frr, own;
	int count, rc;

	if (!r)
		return 0;
	frr = r->daemon == TOPO_DAEMON_FRR;
	own = reads_own(r);
	count = daemons(t, n, names);
	rc = routing_dir(t, n, dir, sizeof(dir));
	if (!rc)
		rc = make_dirs(t, dir, frr);
	if (rc)
		return err_set(err, rc, "router %s: cannot make %s: %s",
			       t->nodes[n].name, dir, strerror(-rc));
	rc = write_config(t, n, dir, err);
	if (rc)
		return rc;
	if (frr) {
		snprintf(path, sizeof(path), "%s/vtysh.conf", dir);
		rc = write_file(path, "service integrated-vtysh-config\n",
				0644);
		if (rc)
			return err_set(err, rc, "router %s: cannot write %s: "
				       "%s", t->nodes[n].name, path,
				       strerror(-rc));
	}
	if (!frr)
		return start_bird(t, n, dir, err);
	if (own)
		rc = write_parts(t, n, dir, names, count, err);
	/* zebra first, alone when the others read their configs (they
	 * route as soon as they start: routing_node_load() starts them). */
	return rc ? rc : start_frr(t, n, dir, names, own ? 1 : count, own,
				   err);
}

int routing_node_load(const struct topo *t, uint32_t n, struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	const char *names[DAEMONS_MAX];
	char dir[ROUTING_PATHSIZ];
	int count, rc;

	/* BIRD read its config when it started. */
	if (!r || r->daemon != TOPO_DAEMON_FRR)
		return 0;
	rc = routing_dir(t, n, dir, sizeof(dir));
	if (rc)
		return err_set(err, rc, "router %s: %s", t->nodes[n].name,
			       strerror(-rc));
	if (!reads_own(r))
		return load_frr(t, n, dir, err);
	count = daemons(t, n, names);
	return start_frr(t, n, dir, names + 1, count - 1, true, err);
}

int routing_node_reload(const struct topo *t, uint32_t n, struct err *err)
{
	const struct topo_routing *r = t->nodes[n].routing;
	char dir[ROUTING_PATHSIZ], ctl[SUBPATHSIZ];
	char *argv[] = { BIRDC, "-s", ctl, "configure", NULL };
	const char *names[DAEMONS_MAX];
	bool frr;
	int rc;

	if (!r)
		return 0;
	frr = r->daemon == TOPO_DAEMON_FRR;
	rc = routing_dir(t, n, dir, sizeof(dir));
	if (rc)
		return err_set(err, rc, "router %s: %s", t->nodes[n].name,
			       strerror(-rc));
	rc = write_config(t, n, dir, err);
	if (rc)
		return rc;
	/* A daemon started again (node:recover()) reads its part. */
	if (frr && reads_own(r))
		rc = write_parts(t, n, dir, names, daemons(t, n, names), err);
	if (rc)
		return rc;
	/* FRR takes the lines it lacks from the whole config; BIRD reads
	 * its config again and starts and stops protocols to match. */
	if (frr)
		return load_frr(t, n, dir, err);
	snprintf(ctl, sizeof(ctl), "%s/bird.ctl", dir);
	return run(t, n, argv, "BIRD refused its new config", err);
}

int routing_node_start(const struct topo *t, uint32_t n, struct err *err)
{
	int rc = routing_node_spawn(t, n, err);

	return rc ? rc : routing_node_load(t, n, err);
}

/* The pid in dir/NAME.pid if that process lives in router n's namespace,
 * else 0. */
static pid_t daemon_pid(const struct topo *t, uint32_t n, const char *dir,
			const char *name)
{
	char path[SUBPATHSIZ], nspath[NETNS_PATHSIZ];
	char *text = NULL;
	struct stat st;
	ino_t ino;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s.pid", dir, name);
	if (read_file(path, &text))
		return 0;
	pid = (pid_t)atoi(text);
	free(text);
	if (pid <= 0 || !proc_alive(pid))
		return 0;
	netns_path(nspath, sizeof(nspath), t->name, t->nodes[n].name);
	ino = netns_inode(nspath);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (!ino || stat(path, &st) || st.st_ino != ino)
		return 0;
	return pid;
}

int routing_node_alive(const struct topo *t, uint32_t n, int *total)
{
	const char *names[DAEMONS_MAX];
	char dir[ROUTING_PATHSIZ];
	int count, i, alive = 0;

	*total = 0;
	if (!t->nodes[n].routing || routing_dir(t, n, dir, sizeof(dir)))
		return 0;
	count = daemons(t, n, names);
	*total = count;
	for (i = 0; i < count; i++)
		alive += daemon_pid(t, n, dir, names[i]) > 0;
	return alive;
}

int routing_node_kill(const struct topo *t, uint32_t n)
{
	const char *names[DAEMONS_MAX];
	char dir[ROUTING_PATHSIZ];
	int count, i, killed = 0;
	pid_t pid;

	if (!t->nodes[n].routing || routing_dir(t, n, dir, sizeof(dir)))
		return 0;
	count = daemons(t, n, names);
	for (i = 0; i < count; i++) {
		pid = daemon_pid(t, n, dir, names[i]);
		if (pid > 0 && !kill(pid, SIGKILL))
			killed++;
	}
	return killed;
}

int routing_cli_argv(const struct topo *t, uint32_t n, const char *tool,
		     char **argv, char *buf, size_t len)
{
	const struct topo_routing *r = t->nodes[n].routing;
	char dir[ROUTING_PATHSIZ];

	if (!r || routing_dir(t, n, dir, sizeof(dir)))
		return -EINVAL;
	if (!strcmp(tool, "vtysh") && r->daemon == TOPO_DAEMON_FRR) {
		if ((size_t)snprintf(buf, len, "%s", dir) >= len)
			return -ENAMETOOLONG;
		argv[0] = VTYSH;
		argv[1] = "--vty_socket";
		argv[2] = buf;
		argv[3] = "--config_dir";
		argv[4] = buf;
		argv[5] = NULL;
		return 5;
	}
	if (!strcmp(tool, "birdc") && r->daemon == TOPO_DAEMON_BIRD) {
		if ((size_t)snprintf(buf, len, "%s/bird.ctl", dir) >= len)
			return -ENAMETOOLONG;
		argv[0] = BIRDC;
		argv[1] = "-s";
		argv[2] = buf;
		argv[3] = NULL;
		return 3;
	}
	return -EINVAL;
}

int routing_node_restart(const struct topo *t, uint32_t n, int *total,
			 struct err *err)
{
	int alive, rc;

	*total = 0;
	if (!t->nodes[n].routing)
		return 0;
	alive = routing_node_alive(t, n, total);
	if (alive == *total)
		return 0;
	/* What is left of them (a daemon of several that died) goes first. */
	routing_node_kill(t, n);
	rc = routing_node_start(t, n, err);
	return rc ? rc : *total - alive;
}
