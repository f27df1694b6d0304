/*
 * Live tests of core/netlink/nl.c against the kernel, as root
 * (tests/root/root.h): a dump in the caller's namespace, and batches of
 * real requests in a forked child inside its own network namespaces, so
 * nothing they create outlives them, whatever fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "tests/root/root.h"

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

static void test_dump_live(void **state)
{
	char buf[256];
	struct nl *nl;
	int n = 0;

	nl = nl_open();
	assert_non_null(nl);
	assert_int_equal(nl_dump(nl, rtnl_link_dump(buf, sizeof(buf)),
				 count_cb, &n),
			 0);
	assert_true(n >= 1); /* lo at least */
	nl_close(nl);
}

/*
 * The live test.  It runs in a child, where cmocka's asserts would jump
 * into the parent's stack: CHECK prints the failure and exits instead.
 */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",         \
				__FILE__, __LINE__, #cond);                  \
			_exit(1);                                            \
		}                                                            \
	} while (0)

#define CHECK_RC(call, want)                                                 \
	do {                                                                 \
		int rc_ = (call);                                            \
		if (rc_ != (want)) {                                         \
			fprintf(stderr, "%s:%d: %s = %d (%s), want %d\n",    \
				__FILE__, __LINE__, #call, rc_,              \
				strerror(-rc_), (want));                     \
			_exit(1);                                            \
		}                                                            \
	} while (0)

#define PUSH(b, call, tag)                                                   \
	do {                                                                 \
		struct nlmsghdr *nlh_;                                       \
		CHECK_RC(nl_batch_reserve(b, 1024), 0);                      \
		nlh_ = (call);                                               \
		CHECK(nlh_);                                                 \
		CHECK_RC(nl_batch_push(b, nlh_, tag), 0);                    \
	} while (0)

#define TAIL(b) nl_batch_tail(b), nl_batch_room(b)

/* What a link dump says about one link. */
struct link_info {
	char name[IFNAMSIZ];
	int ifindex;
	int master;
	unsigned int flags;
	int stp;            /* -1: not a bridge */
	uint32_t fwd_delay;
};

struct links {
	struct link_info l[32];
	int n;
};

static void bridge_data(const struct nlattr *linkinfo, struct link_info *li)
{
	const struct nlattr *a, *d;

	mnl_attr_for_each_nested(a, linkinfo) {
		if (mnl_attr_get_type(a) != IFLA_INFO_DATA)
			continue;
		mnl_attr_for_each_nested(d, a) {
			if (mnl_attr_get_type(d) == IFLA_BR_STP_STATE)
				li->stp = mnl_attr_get_u32(d);
			if (mnl_attr_get_type(d) == IFLA_BR_FORWARD_DELAY)
				li->fwd_delay = mnl_attr_get_u32(d);
		}
	}
}

static int links_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct links *ls = data;
	struct link_info *li;
	const struct nlattr *a;

	if (ls->n == 32)
		return MNL_CB_OK;
	li = &ls->l[ls->n++];
	memset(li, 0, sizeof(*li));
	li->ifindex = ifm->ifi_index;
	li->flags = ifm->ifi_flags;
	li->stp = -1;
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(li->name, sizeof(li->name), "%s",
				 mnl_attr_get_str(a));
			break;
		case IFLA_MASTER:
			li->master = mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			bridge_data(a, li);
			break;
		}
	}
	return MNL_CB_OK;
}

static void links_get(struct nl *nl, struct links *ls)
{
	char buf[256];

	ls->n = 0;
	CHECK_RC(nl_dump(nl, rtnl_link_dump(buf, sizeof(buf)), links_cb, ls),
		 0);
}

static const struct link_info *links_find(const struct links *ls,
					  const char *name)
{
	int i;

	for (i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i].name, name))
			return &ls->l[i];
	fprintf(stderr, "link %s not found\n", name);
	_exit(1);
}

static int addr_count_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (ifa->ifa_family == AF_INET)
		(*(int *)data)++;
	return MNL_CB_OK;
}

/* The number of IPv4 addresses in the socket's namespace. */
static int addr_count(struct nl *nl)
{
	char buf[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	int n = 0;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_INET;
	CHECK_RC(nl_dump(nl, nlh, addr_count_cb, &n), 0);
	return n;
}

static int stop_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_STOP;
}

/* One bridge of each kind, two veths (one enslaved at creation, one with
 * rtnl_link_set), addresses and a two-way multipath route, in one batch. */
static void live_build(struct nl *nl, struct nl_batch *b)
{
	const struct rtnl_veth_end ab[2] = {
		{ "va", -1, 20, NULL, 10, true },
		{ "vb", -1, 21, NULL, 0, false },
	};
	const struct rtnl_veth_end cd[2] = {
		{ "vc", -1, 30, NULL, 0, true },
		{ "vd", -1, 31, NULL, 0, false },
	};
	const struct rtnl_nexthop nh[2] = {
		{ 0x0a000002, 10 }, /* 10.0.0.2 via br0 */
		{ 0x0a000102, 30 }, /* 10.0.1.2 via vc */
	};
	struct nl_fail fail;

	nl_batch_reset(b);
	PUSH(b, rtnl_bridge_new(TAIL(b), "br0", 10, true, true), 1);
	PUSH(b, rtnl_bridge_new(TAIL(b), "br1", 11, false, true), 2);
	PUSH(b, rtnl_veth_new(TAIL(b), ab, 1400), 3);
	PUSH(b, rtnl_veth_new(TAIL(b), cd, 0), 4);
	PUSH(b, rtnl_link_set(TAIL(b), 21, true, -1), 5);
	PUSH(b, rtnl_link_set(TAIL(b), 31, true, 11), 6);
	PUSH(b, rtnl_addr_new(TAIL(b), 10, 0x0a000001, 24), 7);
	PUSH(b, rtnl_addr_new(TAIL(b), 30, 0x0a000101, 24), 8);
	PUSH(b, rtnl_route_new(TAIL(b), 0x0a090000, 16, nh, 2), 9);
	CHECK_RC(nl_batch_send(nl, b, &fail), 0);
	CHECK(fail.tag == UINT32_MAX);
	/* Sending twice: every creation now collides. */
	CHECK_RC(nl_batch_send(nl, b, &fail), -EEXIST);
	CHECK(fail.tag == 1);
}

static void live_check_links(struct nl *nl)
{
	const struct link_info *li;
	struct links ls;
	int n = 0;

	links_get(nl, &ls);
	li = links_find(&ls, "br0");
	CHECK(li->ifindex == 10 && li->stp == 1 && li->fwd_delay == 200);
	li = links_find(&ls, "br1");
	CHECK(li->ifindex == 11 && li->stp == 0 && li->fwd_delay == 0);
	li = links_find(&ls, "va");
	CHECK(li->ifindex == 20 && li->master == 10 && (li->flags & IFF_UP));
	li = links_find(&ls, "vb");
	CHECK(li->ifindex == 21 && li->master == 0 && (li->flags & IFF_UP));
	li = links_find(&ls, "vd");
	CHECK(li->ifindex == 31 && li->master == 11 && (li->flags & IFF_UP));

	/* A callback that stops early; the socket is still usable. */
	CHECK_RC(nl_dump(nl, rtnl_link_dump((char[64]){ 0 }, 64), stop_cb,
			 &n),
		 0);
	CHECK(n == 1);
	links_get(nl, &ls);
	CHECK(ls.n >= 7);
}

/* A failure in the middle: reported with its tag, the rest applied. */
static void live_fail_midway(struct nl *nl, struct nl_batch *b)
{
	const struct rtnl_veth_end dup[2] = {
		{ "va", -1, 0, NULL, 0, false },
		{ "vz", -1, 0, NULL, 0, false },
	};
	struct nl_fail fail;
	int before = addr_count(nl);

	nl_batch_reset(b);
	PUSH(b, rtnl_addr_new(TAIL(b), 10, 0x0a000201, 24), 20);
	PUSH(b, rtnl_veth_new(TAIL(b), dup, 0), 21);
	PUSH(b, rtnl_addr_new(TAIL(b), 10, 0x0a000001, 24), 22);
	PUSH(b, rtnl_addr_new(TAIL(b), 10, 0x0a000301, 24), 23);
	CHECK_RC(nl_batch_send(nl, b, &fail), -EEXIST);
	CHECK(fail.tag == 21 && fail.error == -EEXIST);
	CHECK(addr_count(nl) == before + 2);

	/* The kernel explains a duplicate address (not a duplicate link). */
	nl_batch_reset(b);
	PUSH(b, rtnl_addr_new(TAIL(b), 10, 0x0a000001, 24), 30);
	CHECK_RC(nl_batch_send(nl, b, &fail), -EEXIST);
	CHECK(fail.tag == 30 && fail.msg[0] != '\0');
}

/* Thousands of requests: several chunks, and as many error replies. */
static void live_big_batch(struct nl *nl, struct nl_batch *b)
{
	struct nl_fail fail;
	uint32_t i;
	int before = addr_count(nl);

	nl_batch_reset(b);
	for (i = 0; i < 5000; i++)
		PUSH(b, rtnl_addr_new(TAIL(b), 11, 0x0b000000 + i, 32), i);
	CHECK_RC(nl_batch_send(nl, b, &fail), 0);
	CHECK(addr_count(nl) == before + 5000);
	CHECK_RC(nl_batch_send(nl, b, &fail), -EEXIST);
	CHECK(fail.tag == 0);
}

/* Veths born in another namespace: both ifindexes honoured, each in its
 * own namespace, and end[0]'s master found in end[0]'s namespace. */
static void live_netns(struct nl *nl, struct nl_batch *b)
{
	const struct link_info *li;
	struct nl_fail fail;
	struct links ls;
	struct nl *nl2;
	int home, other;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(home >= 0);
	CHECK(unshare(CLONE_NEWNET) == 0);
	other = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(other >= 0);
	nl2 = nl_open();
	CHECK(nl2);
	CHECK(setns(home, CLONE_NEWNET) == 0);

	nl_batch_reset(b);
	PUSH(b, rtnl_bridge_new(TAIL(b), "brx", 2, false, true), 1);
	CHECK_RC(nl_batch_send(nl2, b, &fail), 0);

	{
		const struct rtnl_veth_end x[2] = {
			{ "x0", other, 3, NULL, 2, true },
			{ "x1", -1, 3, NULL, 0, false },
		};
		const struct rtnl_veth_end y[2] = {
			{ "y0", -1, 40, NULL, 0, false },
			{ "y1", other, 4, NULL, 0, false },
		};

		nl_batch_reset(b);
		PUSH(b, rtnl_veth_new(TAIL(b), x, 0), 1);
		PUSH(b, rtnl_veth_new(TAIL(b), y, 0), 2);
		CHECK_RC(nl_batch_send(nl, b, &fail), 0);
	}
	links_get(nl2, &ls);
	li = links_find(&ls, "x0");
	CHECK(li->ifindex == 3 && li->master == 2 && (li->flags & IFF_UP));
	CHECK(links_find(&ls, "y1")->ifindex == 4);
	links_get(nl, &ls);
	CHECK(links_find(&ls, "x1")->ifindex == 3);
	CHECK(links_find(&ls, "y0")->ifindex == 40);

	nl_close(nl2);
	close(other);
	close(home);
}

/* Behaviour rtnl.h documents.  Printed, not enforced, when it changes:
 * another kernel may lift these limits. */
static void live_quirks(struct nl *nl, struct nl_batch *b)
{
	const struct rtnl_veth_end up[2] = {
		{ "q0", -1, 0, NULL, 0, false },
		{ "q1", -1, 0, NULL, 0, true },
	};
	const struct rtnl_veth_end idx[2] = {
		{ "q2", -1, 0, NULL, 0, false },
		{ "q3", -1, 77, NULL, 0, false },
	};
	struct nl_fail fail;
	struct links ls;
	int rc;

	nl_batch_reset(b);
	PUSH(b, rtnl_veth_new(TAIL(b), up, 0), 1);
	rc = nl_batch_send(nl, b, &fail);
	if (rc != -ENOTCONN)
		fprintf(stderr, "note: veth with peer up: %d, not ENOTCONN\n",
			rc);
	nl_batch_reset(b);
	PUSH(b, rtnl_veth_new(TAIL(b), idx, 0), 1);
	CHECK_RC(nl_batch_send(nl, b, &fail), 0);
	links_get(nl, &ls);
	if (links_find(&ls, "q3")->ifindex == 77)
		fprintf(stderr, "note: peer ifindex honoured alone\n");
}

static void live_child(void)
{
	struct nl_batch *b;
	struct nl *nl;

	CHECK(unshare(CLONE_NEWNET) == 0);
	nl = nl_open();
	CHECK(nl);
	b = nl_batch_new(4096);
	CHECK(b);
	live_build(nl, b);
	live_check_links(nl);
	live_fail_midway(nl, b);
	live_big_batch(nl, b);
	live_netns(nl, b);
	live_quirks(nl, b);
	nl_batch_free(b);
	nl_close(nl);
}

static void test_live_root(void **state)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		live_child();
		exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_live),
		cmocka_unit_test(test_live_root),
	};

	return cmocka_run_group_tests(tests, root_setup, NULL);
}
