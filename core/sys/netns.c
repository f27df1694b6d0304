#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/sys/netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_path(char *buf, size_t len, const char *emu, const char *node)
{
	int n = snprintf(buf, len, NETNS_RUN_DIR "/" NETNS_PREFIX "%s-%s", emu,
			 node);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int netns_setup(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* Making the directory shared fails with EINVAL until it is a mount
	 * point of its own: bind it onto itself once, then retry. */
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC,
		  NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

int netns_create(const char *path, int home)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		goto err_unlink;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		err = -errno;
	/* Going home must not fail silently: every later step would act on
	 * the wrong namespace. */
	if (setns(home, CLONE_NEWNET) < 0)
		return -errno;
	if (err)
		goto err_unlink;
	return 0;

err_unlink:
	unlink(path);
	return err;
}

int netns_delete(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL) {
		if (errno == ENOENT)
			return -ENOENT;
		return -errno;
	}
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

int netns_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int netns_enter(const char *path)
{
	int fd, err = 0;

	fd = netns_open(path);
	if (fd < 0)
		return fd;
	if (setns(fd, CLONE_NEWNET) < 0)
		err = -errno;
	close(fd);
	return err;
}

int netns_open_self(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int netns_return(int home)
{
	return setns(home, CLONE_NEWNET) < 0 ? -errno : 0;
}

ino_t netns_inode(const char *path)
{
	struct statfs sfs;
	struct stat st;

	/* A file left without its mount is no namespace: its inode would
	 * match nothing, or worse, something else. */
	if (statfs(path, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
		return 0;
	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}
