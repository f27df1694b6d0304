#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "core/sys/limits.h"
#include "core/sys/sysctl.h"
#include "topo/topo.h"

/* Descriptors lunet keeps besides a batch's: stdio, netlink sockets,
 * its own namespace, Lua files. */
#define FD_MARGIN 64

/* The value of key (e.g. "MemAvailable:") in /proc/meminfo, in bytes. */
static int meminfo(const char *key, uint64_t *bytes)
{
	char line[256];
	uint64_t kb;
	FILE *f = fopen("/proc/meminfo", "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    sscanf(line + strlen(key), "%" SCNu64, &kb) == 1) {
			*bytes = kb << 10;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

static uint64_t count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	uint64_t n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

uint64_t limits_memory(const struct topo *t)
{
	return (uint64_t)t->nnodes * LIMITS_NETNS_BYTES +
	       (uint64_t)t->nlinks * LIMITS_VETH_BYTES;
}

static int check_fds(uint32_t need, struct err *err)
{
	uint64_t nr[3] = { 0 };
	struct rlimit rl;
	FILE *f;
	int rc;

	need += FD_MARGIN;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < need && rl.rlim_max >= need) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		return err_set(err, -EMFILE,
			       "the build needs %u open files at once and "
			       "this process may have %llu (raise it with "
			       "'ulimit -n %u')",
			       need, (unsigned long long)rl.rlim_cur, need);
	/* allocated, unused, maximum */
	f = fopen("/proc/sys/fs/file-nr", "re");
	if (!f)
		return 0;
	rc = fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64, &nr[0], &nr[1],
		    &nr[2]);
	fclose(f);
	if (rc == 3 && nr[2] - nr[0] < need)
		return err_set(err, -ENFILE,
			       "the machine has %" PRIu64 " of %" PRIu64
			       " open files in use and the build needs %u more "
			       "(raise fs.file-max)",
			       nr[0], nr[2], need);
	return 0;
}

int limits_check(const struct topo *t, uint32_t fds, struct err *err)
{
	uint64_t max, used, avail;

	if (!sysctl_read_u64("/proc/sys/user/max_net_namespaces", &max) &&
	    t->nnodes > max)
		return err_set(err, -EUSERS,
			       "%s has %u nodes, each a network namespace, and "
			       "user.max_net_namespaces is %" PRIu64
			       " (raise it with sysctl)",
			       t->name, t->nnodes, max);
	/* Each namespace is bind-mounted under /run/netns, and fs.mount-max
	 * counts the mounts of one mount namespace. */
	used = count_lines("/proc/self/mountinfo");
	if (!sysctl_read_u64("/proc/sys/fs/mount-max", &max) &&
	    used + t->nnodes > max)
		return err_set(err, -ENOSPC,
			       "%s has %u nodes, each a mount under /run/netns, "
			       "%" PRIu64 " mounts exist and fs.mount-max is %"
			       PRIu64 " (raise it with sysctl)",
			       t->name, t->nnodes, used, max);
	if (!meminfo("MemAvailable:", &avail) &&
	    limits_memory(t) > avail)
		return err_set(err, -ENOMEM,
			       "%s needs about %" PRIu64 " MiB of kernel memory "
			       "(%u namespaces, %u veth pairs) and %" PRIu64
			       " MiB are available",
			       t->name, limits_memory(t) >> 20, t->nnodes,
			       t->nlinks, avail >> 20);
	return check_fds(fds, err);
}
