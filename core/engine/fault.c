#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine/fault.h"
#include "core/sys/proc.h"

#define PASSES 5

static int seen(const struct fault_proc *procs, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return 1;
	return 0;
}

struct pass {
	int sig;
	struct fault_proc **procs;
	size_t *n, *cap;
};

/* Signals pid if it is not in the list yet, and adds it. */
static int signal_new(pid_t pid, void *data)
{
	struct pass *p = data;
	struct fault_proc *grown;

	if (seen(*p->procs, *p->n, pid))
		return 0;
	if (*p->n == *p->cap) {
		*p->cap = *p->cap ? *p->cap * 2 : 16;
		grown = realloc(*p->procs, *p->cap * sizeof(**p->procs));
		if (!grown)
			return -ENOMEM;
		*p->procs = grown;
	}
	(*p->procs)[*p->n].pid = pid;
	(*p->procs)[*p->n].start = proc_starttime(pid);
	if (kill(pid, p->sig) < 0)
		return 0;
	(*p->n)++;
	return 1;
}

/* One pass over /proc: signals the processes of namespace ino not yet in
 * *procs and adds them.  Returns how many were new, or -errno. */
static int signal_pass(ino_t ino, int sig, struct fault_proc **procs,
		       size_t *n, size_t *cap)
{
	struct pass p = { sig, procs, n, cap };

	return proc_each_in_netns(&ino, 1, signal_new, &p);
}

int fault_signal_netns(ino_t ino, int sig, struct fault_proc **procs)
{
	size_t n = 0, cap = 0;
	int pass, rc = 0;

	*procs = NULL;
	if (!ino)
		return -ENOENT;
	for (pass = 0; pass < PASSES; pass++) {
		rc = signal_pass(ino, sig, procs, &n, &cap);
		if (rc <= 0)
			break;
	}
	if (rc < 0) {
		free(*procs);
		*procs = NULL;
		return rc;
	}
	return (int)n;
}

int fault_alive(const struct fault_proc *p)
{
	if (p->pid <= 0 || proc_starttime(p->pid) != p->start)
		return 0;
	return proc_alive(p->pid);
}

size_t fault_signal(const struct fault_proc *procs, size_t n, int sig)
{
	size_t i, done = 0;

	for (i = 0; i < n; i++)
		if (fault_alive(&procs[i]) && kill(procs[i].pid, sig) == 0)
			done++;
	return done;
}
