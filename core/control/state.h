/*
 * state: what lunet records of a running emulation, under
 * /run/lunet/<name>/state, so that "lunet down", "exec", "ls" and "clean"
 * work without the topology file and after a crash.
 *
 * The state is written before the first kernel object is made and
 * rewritten atomically as the build goes on, so a crash at any point
 * leaves enough to find everything lunet made.  The directory itself is
 * the emulation's claim on its name: mkdir() either wins or reports that
 * the name is taken.
 */
#ifndef LUNET_STATE_H
#define LUNET_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "topo/err.h"

struct topo;

#define STATE_DIR_DEFAULT "/run/lunet"

enum state_status {
	STATE_BUILDING, /* being built by owner */
	STATE_RUNNING,  /* up, owned by a lunet process (run, console) */
	STATE_UP,       /* up, left running by "lunet up": owned by its
			 * daemon (or by nobody) */
	STATE_STOPPING, /* being torn down */
};

struct state_info {
	enum state_status status;
	pid_t owner;                   /* 0 when none */
	unsigned long long owner_start; /* the owner's start time */
	long long created;             /* unix time */
	unsigned nnodes, nlinks;
};

/* The directory holding every emulation's state: $LUNET_STATE_DIR or
 * /run/lunet. */
const char *state_dir(void);

/* Writes the path of file (NULL: the directory) of emulation name. */
int state_path(char *buf, size_t len, const char *name, const char *file);

/* Claims name: creates its directory.  Returns 0, or -EEXIST when another
 * emulation holds the name, or -errno. */
int state_claim(const char *name);

/* Writes the topology (nodes, links, interface names and addresses) and
 * info, atomically.  Returns 0 or -errno. */
int state_write(const struct topo *t, const struct state_info *info);

/* Reads emulation name back into a new topo (unplanned; its addresses are
 * marked as given) and info.  Returns 0, -ENOENT when there is no such
 * emulation, or -errno with err saying what is wrong with the file. */
int state_read(const char *name, struct topo **t, struct state_info *info,
	       struct err *err);

/* Reads only info (cheap, for "lunet ls").  Returns 0 or -errno. */
int state_read_info(const char *name, struct state_info *info);

/* Removes the emulation's state directory and everything in it. */
int state_remove(const char *name);

/* Lists the names of all recorded emulations, sorted.  *names is a
 * malloc'd array of malloc'd strings; free with state_list_free(). */
int state_list(char ***names, size_t *n);
void state_list_free(char **names, size_t n);

/* True when the owner recorded in info is still the same live process. */
bool state_owner_alive(const struct state_info *info);

/* True when an emulation was abandoned: its owner died (a "lunet up"
 * daemon included), unless it was left up with no owner at all. */
bool state_is_stale(const struct state_info *info);

const char *state_status_name(enum state_status s);

#endif
