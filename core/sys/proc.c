#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/sys/intr.h"
#include "core/sys/proc.h"

/* What "ip netns exec" does: the node's network, and a private view of
 * /sys that shows the node's interfaces.  The mount part is best effort:
 * a command that does not read sysfs works without it. */
static int enter_node(const char *nspath)
{
	int fd = open(nspath, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) == 0 &&
	    umount2("/sys", MNT_DETACH) == 0)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
	return 0;
}

static void child_stdio(int fd, int target)
{
	if (fd >= 0 && fd != target)
		dup2(fd, target);
}

pid_t proc_spawn(const char *nspath, char *const argv[],
		 const struct proc_opts *opts)
{
	pid_t parent = getpid();
	pid_t pid;
	int err;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;

	intr_reset();
	if (opts) {
		if (opts->pdeathsig) {
			prctl(PR_SET_PDEATHSIG, opts->pdeathsig);
			/* The parent may have died before prctl(). */
			if (getppid() != parent)
				_exit(127);
		}
		if (opts->new_session)
			setsid();
		/* A UTS namespace of its own: FRR names itself, and tells
		 * its peers, by the host name. */
		if (opts->hostname &&
		    (unshare(CLONE_NEWUTS) ||
		     sethostname(opts->hostname, strlen(opts->hostname))))
			_exit(126);
		child_stdio(opts->in, 0);
		child_stdio(opts->out, 1);
		child_stdio(opts->err, 2);
	}
	err = proc_exec(nspath, argv);
	dprintf(2, "lunet: %s: %s\n", argv[0], strerror(-err));
	_exit(err == -ENOENT ? 127 : 126);
}

int proc_exec(const char *nspath, char *const argv[])
{
	int err = nspath ? enter_node(nspath) : 0;

	if (err)
		return err;
	execvp(argv[0], argv);
	return -errno;
}

static int read_all(int fd, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (cap - len < 2048) {
			nbuf = realloc(buf, cap * 2);
			if (!nbuf)
				goto err_free;
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR && !intr_signal)
				continue;
			goto err_free;
		}
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;

err_free:
	n = errno ? -errno : -ENOMEM;
	free(buf);
	return n;
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (intr_signal) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -EINTR;
		}
	}
	return 0;
}

int proc_run(const char *nspath, char *const argv[], char **out,
	     size_t *outlen, int *status)
{
	return proc_run_named(nspath, NULL, argv, out, outlen, status);
}

int proc_run_named(const char *nspath, const char *hostname,
		   char *const argv[], char **out, size_t *outlen,
		   int *status)
{
	struct proc_opts opts = { .in = -1, .pdeathsig = SIGKILL,
				  .hostname = hostname };
	int pipefd[2], err, werr;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	opts.out = opts.err = pipefd[1];
	pid = proc_spawn(nspath, argv, &opts);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return pid;
	}
	err = read_all(pipefd[0], out, outlen);
	close(pipefd[0]);
	if (err)
		kill(pid, SIGKILL);
	werr = wait_child(pid, status);
	if (err) {
		return err;
	}
	if (werr) {
		free(*out);
		*out = NULL;
	}
	return werr;
}

static int cmp_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return x < y ? -1 : x > y;
}

/* Reaps the processes we killed that were our own children, so that no
 * zombie of ours outlives the emulation.  A killed child may still be on
 * its way out (its namespaces already released, not yet a zombie), so
 * wait for it a little; a pid that is not our child answers ECHILD at
 * once. */
static void reap(pid_t *pids, size_t n)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	size_t i, left = n;
	int round;

	for (round = 0; left && round < 200; round++) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (!pids[i])
				continue;
			if (waitpid(pids[i], NULL, WNOHANG) == 0)
				left++;
			else
				pids[i] = 0;
		}
		if (left)
			nanosleep(&ts, NULL);
	}
}

int proc_each_in_netns(const ino_t *sorted, size_t n, proc_netns_fn fn,
		       void *data)
{
	char path[64];
	struct dirent *de;
	struct stat st;
	int counted = 0, r;
	pid_t self = getpid(), pid;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid = atoi(de->d_name);
		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		if (stat(path, &st) < 0)
			continue;
		if (!bsearch(&st.st_ino, sorted, n, sizeof(*sorted), cmp_ino))
			continue;
		r = fn(pid, data);
		if (r < 0) {
			counted = r;
			break;
		}
		counted += r;
	}
	closedir(d);
	return counted;
}

struct killed {
	pid_t pids[256]; /* to reap: the first 256 */
	size_t n;
};

static int kill_one(pid_t pid, void *data)
{
	struct killed *k = data;

	kill(pid, SIGKILL);
	if (k->n < 256)
		k->pids[k->n++] = pid;
	return 1;
}

int proc_kill_netns(const ino_t *inodes, size_t n)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int total = 0, found, round;
	struct killed killed = { .n = 0 };
	size_t i, m = 0;
	ino_t *sorted;

	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (inodes[i])
			sorted[m++] = inodes[i];
	qsort(sorted, m, sizeof(*sorted), cmp_ino);
	/* Processes may fork while we kill; a few passes catch the
	 * children, and dying processes leave /proc shortly after. */
	for (round = 0; m && round < 300; round++) {
		found = proc_each_in_netns(sorted, m, kill_one, &killed);
		if (found < 0) {
			total = found;
			break;
		}
		if (!found)
			break;
		if (!round)
			total = found;
		nanosleep(&ts, NULL);
	}
	reap(killed.pids, killed.n);
	free(sorted);
	return total;
}

/* Reads /proc/PID/stat into buf and returns its fields from the third
 * (the state) on, or NULL when the process is gone.  The command name
 * may hold spaces and parentheses: fields are counted from the last ')'. */
static const char *stat_fields(pid_t pid, char *buf, size_t len)
{
	char path[64], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p + 2 : NULL;
}

char proc_state(pid_t pid)
{
	char buf[1024];
	const char *f = stat_fields(pid, buf, sizeof(buf));

	return f ? f[0] : 0;
}

bool proc_alive(pid_t pid)
{
	char st = proc_state(pid);

	return st && st != 'Z' && st != 'X';
}

unsigned long long proc_starttime(pid_t pid)
{
	char buf[1024];
	const char *p = stat_fields(pid, buf, sizeof(buf));
	int field;

	/* p is at field 3; field 22 is the start time. */
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}
