/*
 * proc: processes inside nodes.
 *
 * Commands run in a node see the node's network namespace and, as with
 * "ip netns exec", a private mount namespace with /sys remounted so that
 * tools reading sysfs see the node's interfaces.
 *
 * Processes are found again by the namespace they live in (the inode of
 * /proc/PID/ns/net), never by name, so lunet only ever signals processes
 * inside its own namespaces.
 */
#ifndef LUNET_PROC_H
#define LUNET_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct proc_opts {
	int in, out, err;   /* fds for the child's stdio; -1: inherit */
	int pdeathsig;      /* signal when lunet dies (0: none) */
	int new_session;    /* setsid() in the child */
	const char *hostname; /* a UTS namespace of its own, named so */
};

/* Forks a child that enters the namespace at nspath (NULL: stays in
 * ours) and execs argv (argv[0] is looked up in PATH).  Returns the pid
 * or -errno. */
pid_t proc_spawn(const char *nspath, char *const argv[],
		 const struct proc_opts *opts);

/* Enters the namespace at nspath in this process and execs argv; returns
 * only on failure, with -errno. */
int proc_exec(const char *nspath, char *const argv[]);

/* Runs argv in the node, collects stdout and stderr (merged) into a
 * malloc'd NUL-terminated *out (caller frees) and the wait status into
 * *status.  Returns 0 or -errno (-EINTR when interrupted by a signal; the
 * child is then killed). */
int proc_run(const char *nspath, char *const argv[], char **out,
	     size_t *outlen, int *status);

/* proc_run() in a UTS namespace of its own whose host name is hostname
 * (NULL: the host's), for daemons that name themselves after it. */
int proc_run_named(const char *nspath, const char *hostname,
		   char *const argv[], char **out, size_t *outlen,
		   int *status);

/* Calls fn(pid, data) for every process but this one whose network
 * namespace is one of the n inodes in sorted (ascending).  fn returns 1
 * to count the process, 0 not to, or -errno to stop.  Returns the count
 * or the first -errno. */
typedef int (*proc_netns_fn)(pid_t pid, void *data);
int proc_each_in_netns(const ino_t *sorted, size_t n, proc_netns_fn fn,
		       void *data);

/* Kills (SIGKILL) every process whose network namespace is one of the
 * n inodes, and waits until none is left (bounded).  Returns the number of
 * processes signalled, or -errno. */
int proc_kill_netns(const ino_t *inodes, size_t n);

/* The start time of pid (field 22 of /proc/PID/stat), 0 if it is gone. */
unsigned long long proc_starttime(pid_t pid);

/* The state letter of pid ('R', 'S', 'Z', ...), 0 if it is gone. */
char proc_state(pid_t pid);

/* True when pid exists and is not a zombie (a zombie is dead: it only
 * waits for its parent to reap it). */
bool proc_alive(pid_t pid);

#endif
