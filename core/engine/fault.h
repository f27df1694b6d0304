/*
 * fault: what a node failure does to the processes inside the node.
 *
 * A failed node's processes are frozen (SIGSTOP) and thawed (SIGCONT) on
 * recovery, or killed (proc_kill_netns()) and started again by the caller.
 * Processes are found by the namespace they live in (the inode of
 * /proc/PID/ns/net), as teardown finds them, never by name.
 */
#ifndef LUNET_FAULT_H
#define LUNET_FAULT_H

#include <stddef.h>
#include <sys/types.h>

struct fault_proc {
	pid_t pid;
	unsigned long long start; /* its start time, against pid reuse */
};

/* Sends sig to every process in the namespace whose inode is ino, looking
 * again until a pass finds nobody new (a process may fork meanwhile), and
 * returns the processes signalled in *procs (malloc'd, caller frees).
 * Returns their count or -errno. */
int fault_signal_netns(ino_t ino, int sig, struct fault_proc **procs);

/* Sends sig to each of procs still alive as the same process.  Returns
 * how many were signalled. */
size_t fault_signal(const struct fault_proc *procs, size_t n, int sig);

/* Whether p is alive as the same process (a zombie is not). */
int fault_alive(const struct fault_proc *p);

#endif
