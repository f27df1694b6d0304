/*
 * netns: named network namespaces, the way iproute2 keeps them, so that
 * "ip netns exec lunet-demo-h1 ..." works on lunet's nodes.
 *
 * A named namespace is a file under /run/netns on which the namespace is
 * bind-mounted; it lives until that mount and every process and socket in
 * it are gone.
 */
#ifndef LUNET_NETNS_H
#define LUNET_NETNS_H

#include <stddef.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_PREFIX "lunet-"
#define NETNS_PATHSIZ 128

/* Writes "/run/netns/lunet-<emu>-<node>" into buf.  Returns 0 or
 * -ENAMETOOLONG. */
int netns_path(char *buf, size_t len, const char *emu, const char *node);

/* Makes /run/netns exist and be a shared mount point, as iproute2 does, so
 * that namespace mounts propagate to every mount namespace.  Returns 0 or
 * -errno. */
int netns_setup(void);

/* Creates a new namespace bound at path; the calling thread is left in the
 * namespace whose fd is home (open on its own namespace).  Returns 0,
 * -EEXIST when path exists (it is then not touched), or -errno. */
int netns_create(const char *path, int home);

/* Unmounts and removes the namespace file at path.  Returns 0, -ENOENT
 * when there is none, or -errno. */
int netns_delete(const char *path);

/* Opens the namespace at path (for IFLA_NET_NS_FD, setns()).  Returns an
 * fd or -errno. */
int netns_open(const char *path);

/* Moves the calling thread into the namespace at path (open, setns,
 * close).  Returns 0 or -errno. */
int netns_enter(const char *path);

/* Opens the calling thread's own network namespace (for going back with
 * netns_return()).  Returns an fd or -errno. */
int netns_open_self(void);
int netns_return(int home);

/* The namespace inode of path, 0 when it does not exist. */
ino_t netns_inode(const char *path);

#endif
