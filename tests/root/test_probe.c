/*
 * probe tests.  They need root (tests/root/root.h): two namespaces joined
 * by a veth pair,
 *
 *	lunet-probetest<pid>-a  eth0 10.77.0.1/24 <-> eth0 10.77.0.2/24  ...-b
 *
 * and every probe stays inside them.  The namespaces are removed by the
 * group teardown and, should the process die on the way, by atexit().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "core/observe/probe.h"
#include "tests/root/root.h"

#define IP_A 0x0a4d0001u	/* 10.77.0.1 */
#define IP_B 0x0a4d0002u	/* 10.77.0.2 */
#define IP_NOBODY 0x0a4d0009u	/* 10.77.0.9, in the subnet, unassigned */

static char ns_a[64], ns_b[64];
static char path_a[128], path_b[128], path_missing[128];
static int made_a, made_b;

static int ip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int ip(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n, rc;

	n = snprintf(cmd, sizeof(cmd), "ip ");
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	rc = system(cmd);
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? 0 : -1;
}

static void ns_cleanup(void)
{
	if (made_a && ip("netns del %s", ns_a) == 0)
		made_a = 0;
	if (made_b && ip("netns del %s", ns_b) == 0)
		made_b = 0;
}

static int group_setup(void **state)
{
	pid_t pid = getpid();

	if (root_setup(state))
		return -1;
	snprintf(ns_a, sizeof(ns_a), "lunet-probetest%d-a", (int)pid);
	snprintf(ns_b, sizeof(ns_b), "lunet-probetest%d-b", (int)pid);
	snprintf(path_a, sizeof(path_a), "/run/netns/%s", ns_a);
	snprintf(path_b, sizeof(path_b), "/run/netns/%s", ns_b);
	snprintf(path_missing, sizeof(path_missing),
		 "/run/netns/lunet-probetest%d-missing", (int)pid);
	atexit(ns_cleanup);

	if (ip("netns add %s", ns_a))
		goto err;
	made_a = 1;
	if (ip("netns add %s", ns_b))
		goto err;
	made_b = 1;
	if (ip("link add eth0 netns %s type veth peer name eth0 netns %s",
	       ns_a, ns_b) ||
	    ip("-n %s addr add 10.77.0.1/24 dev eth0", ns_a) ||
	    ip("-n %s addr add 10.77.0.2/24 dev eth0", ns_b) ||
	    ip("-n %s link set eth0 up", ns_a) ||
	    ip("-n %s link set eth0 up", ns_b) ||
	    ip("-n %s link set lo up", ns_a) ||
	    ip("-n %s link set lo up", ns_b))
		goto err;
	return 0;
err:
	ns_cleanup();
	return -1;
}

static int group_teardown(void **state)
{
	ns_cleanup();
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(*(int *)w->data)++;
}

/* Runs probe_run() on a fresh loop that also carries a foreign timer, and
 * checks that the probe leaves no fd and no watcher of its own behind. */
static int run(const char *const *srcs, size_t nsrcs, struct probe_pair *p,
	       size_t n, const struct probe_opts *o, int *ticks)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ev_timer other;
	int fds, rc;

	assert_non_null(loop);
	*ticks = 0;
	ev_timer_init(&other, tick, 0.05, 0.05);
	other.data = ticks;
	ev_timer_start(loop, &other);

	fds = count_fds();
	rc = probe_run(loop, srcs, nsrcs, p, n, o);
	assert_int_equal(count_fds(), fds);

	ev_timer_stop(loop, &other);
	assert_int_equal(ev_run(loop, EVRUN_NOWAIT), 0);
	ev_loop_destroy(loop);
	return rc;
}

static void test_bad_args(void **state)
{
	const char *srcs[] = { "/nonexistent" };
	struct probe_pair p = { .src = 1, .dst_ip = IP_B };
	int fds = count_fds();

	assert_int_equal(probe_run(NULL, srcs, 1, &p, 0, NULL), 0);
	assert_int_equal(probe_run(NULL, srcs, 1, &p, 1, NULL), -EINVAL);
	assert_int_equal(count_fds(), fds);
}

static void test_one(void **state)
{
	const char *srcs[] = { path_a, path_b };
	struct probe_pair p = { .src = 0, .dst_ip = IP_B };
	int ticks;

	assert_int_equal(run(srcs, 2, &p, 1, NULL, &ticks), 1);
	assert_int_equal(p.ok, 1);
	assert_true(p.rtt > 0 && p.rtt < 1.0);
	assert_true(p.tries >= 1);
}

static void test_unanswered(void **state)
{
	const char *srcs[] = { path_a };
	struct probe_pair p = { .src = 0, .dst_ip = IP_NOBODY };
	struct probe_opts o = { .timeout = 0.2, .tries = 2 };
	double t0 = now(), took;
	int ticks;

	assert_int_equal(run(srcs, 1, &p, 1, &o, &ticks), 0);
	took = now() - t0;
	assert_int_equal(p.ok, 0);
	assert_int_equal(p.tries, 2);
	assert_true(took >= 0.39 && took < 2.0);
	/* The caller's own watcher kept running during the probe. */
	assert_true(ticks >= 3);
}

static void test_many(void **state)
{
	const char *srcs[] = { path_a, path_b };
	struct probe_opts o = { .inflight = 64 };
	struct probe_pair p[500];
	int i, ticks;

	memset(p, 0, sizeof(p));
	for (i = 0; i < 500; i++) {
		p[i].src = (uint32_t)(i & 1);
		p[i].dst_ip = i & 1 ? IP_A : IP_B;
	}
	assert_int_equal(run(srcs, 2, p, 500, &o, &ticks), 500);
	for (i = 0; i < 500; i++) {
		assert_int_equal(p[i].ok, 1);
		assert_true(p[i].rtt > 0);
	}
}

/* Two sources in one namespace both see every reply there: each pair must
 * still be answered once, with its own source, and a mix of good and
 * unanswered pairs must not hold the good ones back. */
static void test_shared_ns(void **state)
{
	const char *srcs[] = { path_a, path_b, path_a };
	struct probe_opts o = { .timeout = 0.2, .tries = 2, .inflight = 8 };
	struct probe_pair p[40];
	int i, ticks;

	memset(p, 0, sizeof(p));
	for (i = 0; i < 40; i++) {
		p[i].src = (uint32_t)(i % 3);
		p[i].dst_ip = p[i].src == 1 ? IP_A : IP_B;
	}
	p[5].dst_ip = IP_NOBODY;
	p[6].dst_ip = IP_NOBODY;
	assert_int_equal(run(srcs, 3, p, 40, &o, &ticks), 38);
	for (i = 0; i < 40; i++) {
		if (i == 5 || i == 6) {
			assert_int_equal(p[i].ok, 0);
			assert_int_equal(p[i].tries, 2);
		} else {
			assert_int_equal(p[i].ok, 1);
		}
	}
}

static void test_missing_ns(void **state)
{
	const char *srcs[] = { path_a, path_missing, path_b };
	struct probe_pair p[] = {
		{ .src = 0, .dst_ip = IP_B },
		{ .src = 1, .dst_ip = IP_B },
		{ .src = 2, .dst_ip = IP_A },
	};
	int ticks;

	/* The first socket is open by the time the second source fails. */
	assert_int_equal(run(srcs, 3, p, 3, NULL, &ticks), -ENOENT);
	assert_int_equal(p[0].ok, 0);
	assert_int_equal(p[0].tries, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_unanswered),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_shared_ns),
		cmocka_unit_test(test_missing_ns),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
