/* Unit tests for core/sys/limits.c: what routing daemons take, counted
 * from the plan (topo_routing_load()) by the figures of limits.h, and the
 * refusals with the machine's values pretended by LUNET_LIMITS. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sys/limits.h"
#include "topo/routing.h"
#include "topo/topo.h"

/* A machine where only the limit a test lowers is in the way. */
#define ROOMY                                                              \
	"user.max_net_namespaces=10000000,fs.mount-max=10000000,"          \
	"MemAvailable=1000G,kernel.pid_max=10000000,"                     \
	"kernel.threads-max=10000000"

static int setup(void **state)
{
	*state = topo_new("fab");
	unsetenv("LUNET_LIMITS");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	topo_free(*state);
	unsetenv("LUNET_LIMITS");
	return 0;
}

static uint32_t add(struct topo *t, const char *name, enum topo_kind k)
{
	struct err err;
	int n = topo_node_add(t, name, k, NULL, &err);

	if (n < 0)
		fail_msg("%s", err.msg);
	return (uint32_t)n;
}

static void join(struct topo *t, uint32_t a, uint32_t b)
{
	struct err err;

	if (topo_link_add(t, a, b, NULL, &err) < 0)
		fail_msg("%s", err.msg);
}

/* One spine, leaves leaf1.. each with a host, every router running o. */
static void fabric(struct topo *t, uint32_t leaves,
		   const struct topo_routing_opts *o)
{
	uint32_t spine = add(t, "spine1", TOPO_ROUTER), leaf, i;
	char name[32];
	struct err err;

	if (topo_routing_set(t, spine, o, &err))
		fail_msg("%s", err.msg);
	for (i = 1; i <= leaves; i++) {
		snprintf(name, sizeof(name), "leaf%u", i);
		leaf = add(t, name, TOPO_ROUTER);
		snprintf(name, sizeof(name), "h%u", i);
		join(t, leaf, spine);
		join(t, add(t, name, TOPO_HOST), leaf);
		if (topo_routing_set(t, leaf, o, &err))
			fail_msg("%s", err.msg);
	}
	if (topo_plan(t, &err))
		fail_msg("%s", err.msg);
}

/* 3 routers (6 daemons), 5 nodes; each announces its loopback and the
 * leaves their host's subnet: 5 prefixes; sessions 2 + 1 + 1. */
static void test_frr_bgp(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct limits_daemons d;
	struct topo *t = *state;

	fabric(t, 2, &o);
	limits_daemons(t, &d);
	assert_int_equal(d.routers, 3);
	assert_int_equal(d.daemons, 6);
	assert_int_equal(d.prefixes, 5);
	assert_int_equal(d.threads, 3 * LIMITS_FRR_BGP_THREADS);
	assert_int_equal(d.memory, 3 * (uint64_t)LIMITS_FRR_BGP_BYTES +
					   3 * 5 * LIMITS_FRR_PREFIX_BYTES +
					   6 * 5 * LIMITS_MOUNT_BYTES);
	assert_int_equal(d.files, 3 * LIMITS_FRR_BGP_FILES + 4);
	assert_int_equal(d.max_sessions, 2);
	assert_int_equal(d.busiest, topo_node_find(t, "spine1"));
}

/* OSPF with BFD: bfdd on every router; a user's extra lines add staticd
 * to none here. */
static void test_frr_ospf_bfd(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_OSPF, .bfd = true };
	struct limits_daemons d;
	struct topo *t = *state;

	fabric(t, 2, &o);
	limits_daemons(t, &d);
	assert_int_equal(d.daemons, 9);
	assert_int_equal(d.threads, 3 * (LIMITS_FRR_OSPF_THREADS +
					 LIMITS_FRR_EXTRA_THREADS));
	assert_int_equal(d.memory,
			 3 * (uint64_t)(LIMITS_FRR_OSPF_BYTES +
					LIMITS_FRR_EXTRA_BYTES) +
				 3 * 5 * LIMITS_FRR_PREFIX_BYTES +
				 9 * 5 * LIMITS_MOUNT_BYTES);
}

static void test_bird(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP,
				       .daemon = TOPO_DAEMON_BIRD };
	struct limits_daemons d;
	struct topo *t = *state;

	fabric(t, 2, &o);
	limits_daemons(t, &d);
	assert_int_equal(d.daemons, 3);
	assert_int_equal(d.threads, 3);
	assert_int_equal(d.memory, 3 * (uint64_t)LIMITS_BIRD_BYTES +
					   3 * 5 * LIMITS_BIRD_PREFIX_BYTES +
					   3 * 5 * LIMITS_MOUNT_BYTES);
	assert_int_equal(d.files, 3 * LIMITS_BIRD_FILES + 4);
	/* Only FRR's descriptors are capped. */
	assert_int_equal(d.busiest, TOPO_NONE);
}

/* A speaker's prefixes, one path each, cost less than the fabric's. */
static void test_speaker(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct topo_routing_opts sp = { .proto = TOPO_PROTO_BGP,
					.speaker = true, .nprefixes = 1000 };
	struct topo_routing_load l;
	struct limits_daemons d;
	struct topo *t = *state;
	uint32_t s, leaf;
	struct err err;

	leaf = add(t, "leaf1", TOPO_ROUTER);
	s = add(t, "isp", TOPO_ROUTER);
	join(t, leaf, s);
	if (topo_routing_set(t, leaf, &o, &err) ||
	    topo_routing_set(t, s, &sp, &err) || topo_plan(t, &err))
		fail_msg("%s", err.msg);
	topo_routing_load(t, &l);
	assert_int_equal(l.speaker_prefixes, 1000);
	assert_int_equal(l.prefixes, 2); /* the loopbacks */
	limits_daemons(t, &d);
	assert_int_equal(d.prefixes, 1002);
	assert_int_equal(d.memory,
			 2 * (uint64_t)LIMITS_FRR_BGP_BYTES +
				 2 * 2 * LIMITS_FRR_PREFIX_BYTES +
				 2 * 1000 * LIMITS_FRR_SPEAKER_PREFIX_BYTES +
				 4 * 2 * LIMITS_MOUNT_BYTES);
}

/* Routers with lunet's static routes run nothing. */
static void test_static_nothing(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_STATIC };
	struct limits_daemons d;
	struct topo *t = *state;

	fabric(t, 2, &o);
	limits_daemons(t, &d);
	assert_int_equal(d.routers, 0);
	assert_int_equal(d.memory, 0);
	assert_int_equal(d.threads, 0);
	assert_int_equal(limits_check(t, 0, &(struct err){ 0 }), 0);
}

static void test_refused_memory(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct topo *t = *state;
	struct err err;

	fabric(t, 2, &o);
	setenv("LUNET_LIMITS", "MemAvailable=20M", 1);
	assert_int_equal(limits_check(t, 0, &err), -ENOMEM);
	assert_string_equal(err.msg,
			    "fab needs about 55 MiB: 1 of kernel memory (5 "
			    "namespaces, 4 veth pairs) and 54 for the 6 "
			    "routing daemons of its 3 routers (5 prefixes "
			    "each may hold), and 20 MiB are available");
	/* Without daemons, the sentence of old. */
	teardown(state);
	setup(state);
	t = *state;
	o.proto = TOPO_PROTO_STATIC;
	fabric(t, 2, &o);
	setenv("LUNET_LIMITS", "kernel.pid_max=1,MemAvailable=1k", 1);
	assert_int_equal(limits_check(t, 0, &err), -ENOMEM);
	assert_string_equal(err.msg, "fab needs about 1 MiB of kernel memory "
			    "(5 namespaces, 4 veth pairs) and 0 MiB are "
			    "available");
}

static void test_refused_threads(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct topo *t = *state;
	struct err err;

	fabric(t, 2, &o);
	setenv("LUNET_LIMITS", "MemAvailable=1000G,kernel.pid_max=40", 1);
	assert_int_equal(limits_check(t, 0, &err), -EAGAIN);
	assert_non_null(strstr(err.msg, "fab's 6 routing daemons run about "
				       "30 threads, each a pid; "));
	assert_non_null(strstr(err.msg, "tasks run already and "
				       "kernel.pid_max is 40 (raise it with "
				       "sysctl)"));
	/* The lower of the two limits is the one named. */
	setenv("LUNET_LIMITS", "MemAvailable=1000G,kernel.pid_max=100000000,"
	       "kernel.threads-max=50", 1);
	assert_int_equal(limits_check(t, 0, &err), -EAGAIN);
	assert_non_null(strstr(err.msg, "kernel.threads-max is 50"));
}

/* A spine with more sessions than an FRR daemon keeps descriptors. */
static void test_refused_sessions(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct topo *t = *state;
	struct err err;

	fabric(t, LIMITS_FRR_FDS, &o);
	setenv("LUNET_LIMITS", ROOMY, 1);
	assert_int_equal(limits_check(t, 0, &err), -EMFILE);
	assert_string_equal(err.msg,
			    "router spine1 has 1024 sessions and an FRR daemon "
			    "keeps at most 1024 open files (--limit-fds), "
			    "about 960 of them for sessions (give it daemon "
			    "'bird', or fewer peers)");
}

static void test_refused_files(void **state)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP };
	struct topo *t = *state;
	struct err err;

	fabric(t, 2, &o);
	setenv("LUNET_LIMITS", ROOMY ",fs.file-max=1", 1);
	assert_int_equal(limits_check(t, 0, &err), -ENFILE);
	assert_non_null(strstr(err.msg, " open files in use, the build "
				       "needs 64 more and its routing daemons "
				       "about 178 (raise fs.file-max)"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_frr_bgp),
		T(test_frr_ospf_bfd),
		T(test_bird),
		T(test_speaker),
		T(test_static_nothing),
		T(test_refused_memory),
		T(test_refused_threads),
		T(test_refused_sessions),
		T(test_refused_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
