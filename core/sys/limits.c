#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/sys/limits.h"
#include "core/sys/sysctl.h"
#include "topo/routing.h"
#include "topo/topo.h"

/* Descriptors lunet keeps besides a batch's: stdio, netlink sockets,
 * its own namespace, Lua files.  lunet holds none per router: a daemon's
 * start holds a pipe for its words, and FIB reads one netlink socket at
 * a time. */
#define FD_MARGIN 64
/* Tasks a start makes for a while: on each worker, a daemon before it
 * detaches, and vtysh. */
#define TASK_MARGIN 64
/* An FRR daemon's own descriptors besides its sessions' sockets. */
#define FRR_FD_BASE 64

/* What LUNET_LIMITS says the machine's key is ("MemAvailable=512M,
 * kernel.pid_max=1000"; k, M, G multiply by powers of 1024).  Returns 0,
 * or -ENOENT when it does not name key. */
static int pretend(const char *key, uint64_t *v)
{
	const char *p = getenv("LUNET_LIMITS");
	size_t n = strlen(key);
	char *end;

	for (; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (strncmp(p, key, n) || p[n] != '=')
			continue;
		*v = strtoull(p + n + 1, &end, 10);
		if (*end == 'k')
			*v <<= 10;
		else if (*end == 'M')
			*v <<= 20;
		else if (*end == 'G')
			*v <<= 30;
		return 0;
	}
	return -ENOENT;
}

/* The sysctl name ("kernel.pid_max"), or what LUNET_LIMITS says. */
static int read_limit(const char *name, uint64_t *v)
{
	char path[128], *q;

	if (!pretend(name, v))
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (q = path + strlen("/proc/sys/"); *q; q++)
		if (*q == '.')
			*q = '/';
	return sysctl_read_u64(path, v);
}

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

/* The part of the topology this machine builds (limits_check_part()):
 * NULL, all of it.  Set for the length of one check. */
static const unsigned char *part;

static uint32_t node_count(const struct topo *t)
{
	uint32_t i, n = 0;

	if (!part)
		return t->nnodes;
	for (i = 0; i < t->nnodes; i++)
		n += part[i] != 0;
	return n;
}

/* Link ends here: a link with both ends here is a veth pair, one with
 * one end a VXLAN device; counted as a link each. */
static uint32_t link_count(const struct topo *t)
{
	uint32_t l, n = 0;

	if (!part)
		return t->nlinks;
	for (l = 0; l < t->nlinks; l++)
		n += part[topo_link_node(t, l, 0)] ||
		     part[topo_link_node(t, l, 1)];
	return n;
}

uint64_t limits_memory(const struct topo *t)
{
	return (uint64_t)node_count(t) * LIMITS_NETNS_BYTES +
	       (uint64_t)link_count(t) * LIMITS_VETH_BYTES;
}

void limits_daemons(const struct topo *t, struct limits_daemons *out)
{
	struct topo_routing_load l;
	uint64_t frr;

	topo_routing_load_part(t, part, &l);
	frr = (uint64_t)l.frr_bgp + l.frr_ospf;
	*out = (struct limits_daemons){
		.routers = (uint32_t)frr + l.bird,
		.daemons = 2 * (uint32_t)frr + l.frr_extra + l.bird,
		.prefixes = l.prefixes + l.speaker_prefixes,
		.max_sessions = l.max_sessions,
		.busiest = l.busiest,
	};
	out->threads = l.frr_bgp * LIMITS_FRR_BGP_THREADS +
		       l.frr_ospf * LIMITS_FRR_OSPF_THREADS +
		       l.frr_extra * LIMITS_FRR_EXTRA_THREADS +
		       l.bird * LIMITS_BIRD_THREADS;
	out->memory = (uint64_t)l.frr_bgp * LIMITS_FRR_BGP_BYTES +
		      (uint64_t)l.frr_ospf * LIMITS_FRR_OSPF_BYTES +
		      (uint64_t)l.frr_extra * LIMITS_FRR_EXTRA_BYTES +
		      (uint64_t)l.bird * LIMITS_BIRD_BYTES +
		      frr * l.prefixes * LIMITS_FRR_PREFIX_BYTES +
		      frr * l.speaker_prefixes *
			      LIMITS_FRR_SPEAKER_PREFIX_BYTES +
		      (uint64_t)l.bird * out->prefixes *
			      LIMITS_BIRD_PREFIX_BYTES +
		      (uint64_t)out->daemons * node_count(t) * LIMITS_MOUNT_BYTES;
	out->files = (uint64_t)l.frr_bgp * LIMITS_FRR_BGP_FILES +
		     (uint64_t)l.frr_ospf * LIMITS_FRR_OSPF_FILES +
		     (uint64_t)l.frr_extra * LIMITS_FRR_EXTRA_FILES +
		     (uint64_t)l.bird * LIMITS_BIRD_FILES + l.sessions;
}

static int check_memory(const struct topo *t, const struct limits_daemons *d,
			struct err *err)
{
	uint64_t avail, kernel = limits_memory(t);

	if (pretend("MemAvailable", &avail) && meminfo("MemAvailable:", &avail))
		return 0;
	if (kernel + d->memory <= avail)
		return 0;
	if (!d->routers)
		return err_set(err, -ENOMEM,
			       "%s needs about %" PRIu64 " MiB of kernel memory "
			       "(%u namespaces, %u veth pairs) and %" PRIu64
			       " MiB are available",
			       t->name, kernel >> 20, node_count(t), link_count(t),
			       avail >> 20);
	return err_set(err, -ENOMEM,
		       "%s needs about %" PRIu64 " MiB: %" PRIu64 " of kernel "
		       "memory (%u namespaces, %u veth pairs) and %" PRIu64
		       " for the %u routing daemons of its %u routers (%u "
		       "prefixes each may hold), and %" PRIu64 " MiB are "
		       "available",
		       t->name, (kernel + d->memory) >> 20, kernel >> 20,
		       node_count(t), link_count(t), d->memory >> 20, d->daemons,
		       d->routers, d->prefixes, avail >> 20);
}

/* Tasks (threads) alive on the machine: /proc/loadavg's "running/all". */
static uint64_t tasks_now(void)
{
	unsigned long long all = 0;
	FILE *f = fopen("/proc/loadavg", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%*s %*s %*s %*u/%llu", &all) != 1)
		all = 0;
	fclose(f);
	return all;
}

/* Every thread takes a pid: the daemons' against kernel.pid_max and
 * kernel.threads-max, whichever is lower, with the tasks there are. */
static int check_threads(const struct topo *t, const struct limits_daemons *d,
			 struct err *err)
{
	const char *name = "kernel.pid_max";
	uint64_t max, tmax, used;

	if (!d->threads || read_limit(name, &max))
		return 0;
	if (!read_limit("kernel.threads-max", &tmax) && tmax < max) {
		name = "kernel.threads-max";
		max = tmax;
	}
	used = tasks_now();
	if (used + d->threads + TASK_MARGIN <= max)
		return 0;
	return err_set(err, -EAGAIN,
		       "%s's %u routing daemons run about %u threads, each a "
		       "pid; %" PRIu64 " tasks run already and %s is %" PRIu64
		       " (raise it with sysctl)",
		       t->name, d->daemons, d->threads, used, name, max);
}

/* An FRR daemon keeps LIMITS_FRR_FDS descriptors at most, a socket per
 * session among them. */
static int check_sessions(const struct topo *t, const struct limits_daemons *d,
			  struct err *err)
{
	if (d->busiest >= t->nnodes ||
	    d->max_sessions + FRR_FD_BASE <= LIMITS_FRR_FDS)
		return 0;
	return err_set(err, -EMFILE,
		       "router %s has %u sessions and an FRR daemon keeps at "
		       "most %u open files (--limit-fds), about %u of them "
		       "for sessions (give it daemon 'bird', or fewer peers)",
		       t->nodes[d->busiest].name, d->max_sessions,
		       LIMITS_FRR_FDS, LIMITS_FRR_FDS - FRR_FD_BASE);
}

static int check_fds(uint32_t need, uint64_t daemons, struct err *err)
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
	pretend("fs.file-max", &nr[2]);
	if (rc != 3 || (nr[2] > nr[0] && nr[2] - nr[0] >= need + daemons))
		return 0;
	if (!daemons)
		return err_set(err, -ENFILE,
			       "the machine has %" PRIu64 " of %" PRIu64
			       " open files in use and the build needs %u more "
			       "(raise fs.file-max)",
			       nr[0], nr[2], need);
	return err_set(err, -ENFILE,
		       "the machine has %" PRIu64 " of %" PRIu64 " open files "
		       "in use, the build needs %u more and its routing "
		       "daemons about %" PRIu64 " (raise fs.file-max)",
		       nr[0], nr[2], need, daemons);
}

static int check_all(const struct topo *t, uint32_t fds, struct err *err)
{
	struct limits_daemons d;
	uint64_t max, used;
	uint32_t nodes = node_count(t);
	int rc;

	limits_daemons(t, &d);
	if (!read_limit("user.max_net_namespaces", &max) && nodes > max)
		return err_set(err, -EUSERS,
			       "%s has %u nodes%s, each a network namespace, "
			       "and user.max_net_namespaces is %" PRIu64
			       " (raise it with sysctl)",
			       t->name, nodes, part ? " here" : "", max);
	/* Each namespace is bind-mounted under /run/netns, and fs.mount-max
	 * counts the mounts of one mount namespace. */
	used = count_lines("/proc/self/mountinfo");
	if (!read_limit("fs.mount-max", &max) && used + nodes > max)
		return err_set(err, -ENOSPC,
			       "%s has %u nodes%s, each a mount under "
			       "/run/netns, %" PRIu64 " mounts exist and "
			       "fs.mount-max is %" PRIu64 " (raise it with "
			       "sysctl)",
			       t->name, nodes, part ? " here" : "", used, max);
	rc = check_memory(t, &d, err);
	if (!rc)
		rc = check_threads(t, &d, err);
	if (!rc)
		rc = check_sessions(t, &d, err);
	return rc ? rc : check_fds(fds, d.files, err);
}

int limits_check(const struct topo *t, uint32_t fds, struct err *err)
{
	part = NULL;
	return check_all(t, fds, err);
}

int limits_check_part(const struct topo *t, const unsigned char *mine,
		      uint32_t fds, struct err *err)
{
	int rc;

	part = mine;
	rc = check_all(t, fds, err);
	part = NULL;
	return rc;
}
