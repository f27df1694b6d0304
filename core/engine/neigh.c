#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/engine/neigh.h"
#include "core/sys/sysctl.h"
#include "core/control/state.h"
#include "topo/topo.h"

#define NTHRESH 3
#define BIG_ENOUGH 1024 /* below this, the defaults do */

static const char *const families[] = { "ipv4", "ipv6" };

/* An unnumbered port keeps IPv6, and its ND table holds, besides the
 * peer's link-local address, NOARP entries for the multicast groups it
 * sends to (all-nodes, all-routers, MLDv2 reports, solicited-node
 * groups): 6 on FRR 8.4's ports with kernel 6.18, counted against the
 * thresholds like any other.  8 leaves room.  (Its IPv4 next hop, FRR's
 * 169.254.0.1, is a permanent entry, which the gc does not count.) */
#define ND_PER_UNNUMBERED 8

uint64_t neigh_estimate(const struct topo *t)
{
	uint64_t n = 0, k;
	uint32_t i;

	for (i = 0; i < t->nsegments; i++) {
		k = t->segments[i].nports;
		n += k * (k ? k - 1 : 0);
	}
	for (i = 0; i < t->nports; i++)
		if (t->ports[i].segment != TOPO_NONE &&
		    topo_port_unnumbered(t, i))
			n += ND_PER_UNNUMBERED;
	return n + 2 * (uint64_t)t->nnodes;
}

static int thresh_path(char *buf, size_t len, int fam, int i)
{
	return snprintf(buf, len, "/proc/sys/net/%s/neigh/default/gc_thresh%d",
			families[fam], i + 1);
}

/* Records n in a file of lunet's own (created if need be). */
static int record_u64(const char *path, uint64_t n)
{
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%" PRIu64 "\n", n) < 0)
		rc = -EIO;
	if (fclose(f))
		rc = -errno;
	return rc;
}

static void dir_file(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", state_dir(), name);
}

/* The machine's own thresholds, saved the first time lunet changes them.
 * Returns 0 when saved ones exist (or were read now). */
static int originals(uint64_t v[2][NTHRESH], int save)
{
	char path[256], p[128];
	int fam, i, rc = 0;
	FILE *f;

	dir_file(path, sizeof(path), ".neigh.orig");
	f = fopen(path, "re");
	if (f) {
		for (fam = 0; fam < 2 && !rc; fam++)
			for (i = 0; i < NTHRESH && !rc; i++)
				if (fscanf(f, "%" SCNu64, &v[fam][i]) != 1)
					rc = -EINVAL;
		fclose(f);
		return rc;
	}
	if (!save)
		return -ENOENT;
	for (fam = 0; fam < 2; fam++)
		for (i = 0; i < NTHRESH; i++) {
			thresh_path(p, sizeof(p), fam, i);
			rc = sysctl_read_u64(p, &v[fam][i]);
			if (rc)
				return rc;
		}
	f = fopen(path, "we");
	if (!f)
		return -errno;
	for (fam = 0; fam < 2; fam++)
		fprintf(f, "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", v[fam][0],
			v[fam][1], v[fam][2]);
	return fclose(f) ? -errno : 0;
}

static uint64_t recorded_need(void)
{
	char path[300], **names;
	uint64_t sum = 0, v;
	size_t n, i;

	if (state_list(&names, &n))
		return 0;
	for (i = 0; i < n; i++) {
		if (state_path(path, sizeof(path), names[i], "neigh"))
			continue;
		if (!sysctl_read_u64(path, &v))
			sum += v;
	}
	state_list_free(names, n);
	return sum;
}

static int apply(uint64_t orig[2][NTHRESH], uint64_t need)
{
	uint64_t want[NTHRESH];
	char p[128];
	int fam, i, rc = 0;

	for (fam = 0; fam < 2 && !rc; fam++) {
		want[0] = orig[fam][0];
		want[1] = orig[fam][1] + need * 3 / 4;
		want[2] = orig[fam][2] + need;
		/* Raise the hard limit first and lower it last, so the
		 * kernel never sees thresh2 above thresh3. */
		for (i = NTHRESH - 1; i >= 0 && !rc && need; i--) {
			thresh_path(p, sizeof(p), fam, i);
			rc = sysctl_write_u64(p, want[i]);
		}
		for (i = 0; i < NTHRESH && !rc && !need; i++) {
			thresh_path(p, sizeof(p), fam, i);
			rc = sysctl_write_u64(p, want[i]);
		}
	}
	return rc;
}

static int lock_open(void)
{
	char path[256];
	int fd;

	dir_file(path, sizeof(path), ".neigh.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

int neigh_reserve(const struct topo *t, struct err *err)
{
	uint64_t orig[2][NTHRESH], need = neigh_estimate(t);
	char path[300];
	int fd, rc;

	if (need < BIG_ENOUGH)
		return 0;
	/* The thresholds are the first namespace's, shown only there: in a
	 * simulated machine (a namespace of its own) they are its
	 * coordinator's to raise, for every machine at once. */
	thresh_path(path, sizeof(path), 0, 0);
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	fd = lock_open();
	if (fd < 0)
		return err_set(err, fd, "neighbour tables: %s", strerror(-fd));
	rc = state_path(path, sizeof(path), t->name, "neigh");
	if (!rc)
		rc = record_u64(path, need);
	if (!rc)
		rc = originals(orig, 1);
	if (!rc)
		rc = apply(orig, recorded_need());
	close(fd);
	if (rc)
		return err_set(err, rc, "cannot raise the neighbour table "
			       "thresholds (gc_thresh*): %s", strerror(-rc));
	return 0;
}

int neigh_release(struct err *err)
{
	uint64_t orig[2][NTHRESH], need;
	char path[256];
	int fd, rc;

	fd = lock_open();
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	rc = originals(orig, 0);
	if (rc) {
		close(fd);
		return rc == -ENOENT ? 0 : rc;
	}
	need = recorded_need();
	rc = apply(orig, need);
	if (!rc && !need) {
		dir_file(path, sizeof(path), ".neigh.orig");
		unlink(path);
	}
	close(fd);
	if (rc)
		return err_set(err, rc, "cannot restore gc_thresh*: %s",
			       strerror(-rc));
	return 0;
}
