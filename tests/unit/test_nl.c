/*
 * Unit tests for core/netlink/nl.c.  ACK and dump parsing run on canned replies
 * built here; the batch is checked without a socket.  The tests against
 * the kernel are in test_nl_live.c.
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

#define PORTID 4242

/* Canned replies are built into this, aligned like a received buffer. */
union reply {
	struct nlmsghdr nlh;
	char buf[8192];
};

/* Appends an NLMSG_ERROR for seq at p: an ACK when error is 0.  With
 * capped, the echoed request is only its header (NETLINK_CAP_ACK);
 * otherwise its 8-byte payload follows, shaped like an NLMSGERR_ATTR_MSG
 * so that a parser starting at the wrong place would find "bad". */
static size_t put_err(char *p, uint32_t seq, uint32_t pid, int error,
		      const char *msg, bool capped)
{
	static const char fake_attr[8] = { 8, 0, NLMSGERR_ATTR_MSG, 0,
					   'b', 'a', 'd', 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = NLMSG_HDRLEN + (capped ? 0 : sizeof(fake_attr));
	e->msg.nlmsg_type = RTM_NEWLINK;
	e->msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	e->msg.nlmsg_seq = seq;
	if (!capped)
		memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(fake_attr)),
		       fake_attr, sizeof(fake_attr));
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

static size_t put_ack(char *p, uint32_t seq)
{
	return put_err(p, seq, PORTID, 0, NULL, true);
}

struct acks {
	uint32_t tags[8];
	unsigned char acked[8];
	struct nl_fail fail;
};

static void acks_init(struct acks *a)
{
	size_t i;

	for (i = 0; i < 8; i++)
		a->tags[i] = 100 + i;
	memset(a->acked, 0, sizeof(a->acked));
	a->fail.tag = UINT32_MAX;
	a->fail.error = 0;
	a->fail.msg[0] = '\0';
}

static int acks_parse(struct acks *a, const void *buf, size_t len,
		      uint32_t seq0, size_t n)
{
	return nl_parse_acks(buf, len, seq0, n, a->tags, a->acked, &a->fail);
}

static void test_ack_plain(void **state)
{
	union reply r;
	struct acks a;
	size_t len;

	acks_init(&a);
	len = put_ack(r.buf, 7);
	assert_int_equal(acks_parse(&a, r.buf, len, 7, 1), 1);
	assert_int_equal(a.acked[0], 1);
	assert_int_equal(a.fail.error, 0);
	assert_int_equal(a.fail.tag, UINT32_MAX);
}

static void test_ack_error_extack(void **state)
{
	union reply r;
	struct acks a;
	size_t len;

	acks_init(&a);
	len = put_err(r.buf, 7, PORTID, -EEXIST, "File exists: veth0", true);
	assert_int_equal(acks_parse(&a, r.buf, len, 7, 1), 1);
	assert_int_equal(a.acked[0], 1);
	assert_int_equal(a.fail.error, -EEXIST);
	assert_int_equal(a.fail.tag, 100);
	assert_string_equal(a.fail.msg, "File exists: veth0");
}

/* Without NETLINK_CAP_ACK the whole request is echoed before the TLVs. */
static void test_ack_error_uncapped(void **state)
{
	union reply r;
	struct acks a;
	size_t len;

	acks_init(&a);
	len = put_err(r.buf, 7, PORTID, -EINVAL, "Unknown device type", false);
	assert_int_equal(acks_parse(&a, r.buf, len, 7, 1), 1);
	assert_int_equal(a.fail.error, -EINVAL);
	assert_string_equal(a.fail.msg, "Unknown device type");

	/* No TLVs at all: the error without text. */
	acks_init(&a);
	len = put_err(r.buf, 7, PORTID, -ENODEV, NULL, false);
	assert_int_equal(acks_parse(&a, r.buf, len, 7, 1), 1);
	assert_int_equal(a.fail.error, -ENODEV);
	assert_string_equal(a.fail.msg, "");
}

static void test_ack_several(void **state)
{
	union reply r;
	struct acks a;
	size_t len = 0;
	int i;

	acks_init(&a);
	len += put_ack(r.buf + len, 50);
	len += put_ack(r.buf + len, 51);
	len += put_err(r.buf + len, 52, PORTID, -EEXIST, "first", true);
	len += put_ack(r.buf + len, 53);
	len += put_err(r.buf + len, 54, PORTID, -EINVAL, "second", true);
	assert_int_equal(acks_parse(&a, r.buf, len, 50, 5), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(a.acked[i], 1);
	assert_int_equal(a.acked[5], 0);
	assert_int_equal(a.fail.tag, 102);
	assert_int_equal(a.fail.error, -EEXIST);
	assert_string_equal(a.fail.msg, "first");

	/* A later buffer keeps the first failure; a repeated answer is not
	 * counted twice. */
	len = put_err(r.buf, 55, PORTID, -ENOENT, "later", true);
	len += put_ack(r.buf + len, 50);
	assert_int_equal(acks_parse(&a, r.buf, len, 50, 6), 1);
	assert_int_equal(a.acked[5], 1);
	assert_int_equal(a.fail.tag, 102);
	assert_string_equal(a.fail.msg, "first");
}

static void test_ack_foreign(void **state)
{
	union reply r;
	struct acks a;
	size_t len = 0;
	struct nlmsghdr *nlh;

	acks_init(&a);
	len += put_err(r.buf + len, 9, PORTID, -EEXIST, "old", true);
	len += put_ack(r.buf + len, 13);
	/* Not an error message: a notification or an echo. */
	nlh = mnl_nlmsg_put_header(r.buf + len);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_seq = 10;
	len += nlh->nlmsg_len;
	len += put_err(r.buf + len, 11, PORTID + 1, -EPERM, "other", true);
	len += put_ack(r.buf + len, 12);

	assert_int_equal(acks_parse(&a, r.buf, len, 10, 3), 2);
	assert_int_equal(a.acked[0], 0);
	assert_int_equal(a.acked[1], 1);
	assert_int_equal(a.acked[2], 1);
	assert_int_equal(a.fail.error, -EPERM);

	/* With our port id the other socket's reply is skipped too. */
	acks_init(&a);
	assert_int_equal(nl_parse_acks_portid(r.buf, len, PORTID, 10, 3,
					      a.tags, a.acked, &a.fail),
			 1);
	assert_int_equal(a.acked[1], 0);
	assert_int_equal(a.acked[2], 1);
	assert_int_equal(a.fail.error, 0);
}

/* The range may wrap around UINT32_MAX. */
static void test_ack_seq_wrap(void **state)
{
	union reply r;
	struct acks a;
	size_t len = 0;

	acks_init(&a);
	len += put_ack(r.buf + len, UINT32_MAX);
	len += put_ack(r.buf + len, 0);
	assert_int_equal(acks_parse(&a, r.buf, len, UINT32_MAX, 2), 2);
	assert_int_equal(a.acked[0], 1);
	assert_int_equal(a.acked[1], 1);
}

static void test_ack_truncated(void **state)
{
	union reply r;
	struct acks a;
	struct nlmsghdr *nlh;
	size_t len, one;

	acks_init(&a);
	one = put_ack(r.buf, 1);
	len = one + put_err(r.buf + one, 2, PORTID, -EEXIST, "x", true);
	assert_int_equal(acks_parse(&a, r.buf, len - 6, 1, 2), -EPROTO);
	assert_int_equal(acks_parse(&a, r.buf, one + 3, 1, 2), -EPROTO);

	/* An error message too short for its struct nlmsgerr. */
	acks_init(&a);
	nlh = mnl_nlmsg_put_header(r.buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 1;
	mnl_nlmsg_put_extra_header(nlh, 4);
	assert_int_equal(acks_parse(&a, r.buf, nlh->nlmsg_len, 1, 1),
			 -EPROTO);

	/* A header that claims more than the buffer holds. */
	len = put_ack(r.buf, 1);
	r.nlh.nlmsg_len += 8;
	assert_int_equal(acks_parse(&a, r.buf, len, 1, 1), -EPROTO);

	assert_int_equal(acks_parse(&a, r.buf, 0, 1, 1), 0);
}

/* Appends one message of a dump reply: an RTM_NEWLINK for ifindex. */
static size_t put_link(char *p, uint32_t seq, uint32_t pid, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth");
	return nlh->nlmsg_len;
}

static size_t put_done(char *p, uint32_t seq, int status, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = PORTID;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(status)), &status,
	       sizeof(status));
	return nlh->nlmsg_len;
}

struct seen {
	int ifindex[16];
	int n;
	int answer;  /* what the callback returns */
};

static int seen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct seen *s = data;

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_true(s->n < 16);
	s->ifindex[s->n++] = ifm->ifi_index;
	return s->answer;
}

static void test_dump_multipart(void **state)
{
	struct seen s = { .answer = MNL_CB_OK };
	union reply r;
	size_t len = 0, first;

	len += put_link(r.buf + len, 30, PORTID, 1);
	len += put_link(r.buf + len, 29, PORTID, 99); /* stale */
	len += put_link(r.buf + len, 30, PORTID + 1, 98); /* not ours */
	len += put_link(r.buf + len, 30, PORTID, 2);
	first = len;
	len += put_link(r.buf + len, 30, PORTID, 3);
	len += put_done(r.buf + len, 30, 0, 0);

	/* In one buffer, then split as two receives. */
	assert_int_equal(nl_parse_dump(r.buf, len, 30, PORTID, seen_cb, &s),
			 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ifindex[0], 1);
	assert_int_equal(s.ifindex[1], 2);
	assert_int_equal(s.ifindex[2], 3);

	s.n = 0;
	assert_int_equal(nl_parse_dump(r.buf, first, 30, PORTID, seen_cb, &s),
			 1);
	assert_int_equal(s.n, 2);
	assert_int_equal(nl_parse_dump(r.buf + first, len - first, 30, PORTID,
				       seen_cb, &s),
			 0);
	assert_int_equal(s.n, 3);
}

static void test_dump_errors(void **state)
{
	struct seen s = { .answer = MNL_CB_OK };
	union reply r;
	size_t len;

	/* The request refused outright. */
	len = put_err(r.buf, 5, PORTID, -EOPNOTSUPP, "no dump", true);
	assert_int_equal(nl_parse_dump(r.buf, len, 5, PORTID, seen_cb, &s),
			 -EOPNOTSUPP);

	/* A dump that failed midway reports it in NLMSG_DONE. */
	len = put_link(r.buf, 5, PORTID, 1);
	len += put_done(r.buf + len, 5, -EMSGSIZE, 0);
	assert_int_equal(nl_parse_dump(r.buf, len, 5, PORTID, seen_cb, &s),
			 -EMSGSIZE);

	/* The table changed while it was dumped. */
	len = put_done(r.buf, 5, 0, NLM_F_DUMP_INTR);
	assert_int_equal(nl_parse_dump(r.buf, len, 5, PORTID, seen_cb, &s),
			 -EINTR);

	/* The callback ends the parse. */
	len = put_link(r.buf, 5, PORTID, 1);
	len += put_link(r.buf + len, 5, PORTID, 2);
	s.n = 0;
	s.answer = -ENOMEM;
	assert_int_equal(nl_parse_dump(r.buf, len, 5, PORTID, seen_cb, &s),
			 -ENOMEM);
	assert_int_equal(s.n, 1);

	s.answer = MNL_CB_OK;
	assert_int_equal(nl_parse_dump(r.buf, len - 3, 5, PORTID, seen_cb, &s),
			 -EPROTO);
}

static void test_batch(void **state)
{
	const struct rtnl_veth_end end[2] = {
		{ "a-eth0", -1, 3, NULL, 0, true },
		{ "b-eth0", -1, 3, NULL, 0, false },
	};
	struct nl_batch *b;
	struct nlmsghdr *nlh;
	size_t total = 0, room;
	char *start, *p;
	uint32_t i;

	b = nl_batch_new(64);
	assert_non_null(b);
	assert_int_equal(nl_batch_count(b), 0);
	assert_int_equal(nl_batch_room(b), 64);

	/* Too small for a veth: the builder says so, reserve fixes it. */
	assert_null(rtnl_veth_new(nl_batch_tail(b), nl_batch_room(b), end, 0));
	assert_int_equal(errno, ENOSPC);
	for (i = 0; i < 500; i++) {
		assert_int_equal(nl_batch_reserve(b, 256), 0);
		assert_true(nl_batch_room(b) >= 256);
		nlh = i % 2 ? rtnl_addr_new(nl_batch_tail(b), nl_batch_room(b),
					    3, 0x0a000000 + i, 24) :
			      rtnl_veth_new(nl_batch_tail(b), nl_batch_room(b),
					    end, 0);
		assert_non_null(nlh);
		total += MNL_ALIGN(nlh->nlmsg_len);
		assert_int_equal(nl_batch_push(b, nlh, 1000 + i), 0);
	}
	assert_int_equal(nl_batch_count(b), 500);
	for (i = 0; i < 500; i++)
		assert_int_equal(nl_batch_tag(b, i), 1000 + i);

	/* The requests lie back to back, each asking for an ACK. */
	start = (char *)nl_batch_tail(b) - total;
	for (p = start, i = 0; p < start + total; i++) {
		nlh = (struct nlmsghdr *)p;
		assert_int_equal(nlh->nlmsg_type,
				 i % 2 ? RTM_NEWADDR : RTM_NEWLINK);
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		p += MNL_ALIGN(nlh->nlmsg_len);
	}
	assert_int_equal(i, 500);

	/* Only the message at the tail, whole, is accepted. */
	assert_int_equal(nl_batch_push(b, (struct nlmsghdr *)start, 1),
			 -EINVAL);
	assert_int_equal(nl_batch_reserve(b, 64), 0);
	nlh = nl_batch_tail(b);
	nlh->nlmsg_len = nl_batch_room(b) + 4;
	assert_int_equal(nl_batch_push(b, nlh, 1), -EINVAL);
	nlh->nlmsg_len = 8;
	assert_int_equal(nl_batch_push(b, nlh, 1), -EINVAL);

	room = nl_batch_room(b);
	nl_batch_reset(b);
	assert_int_equal(nl_batch_count(b), 0);
	assert_int_equal(nl_batch_room(b), room + total);
	nl_batch_free(b);
	nl_batch_free(NULL);
}

/* Without root, a dump of our own namespace still works. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_plain),
		cmocka_unit_test(test_ack_error_extack),
		cmocka_unit_test(test_ack_error_uncapped),
		cmocka_unit_test(test_ack_several),
		cmocka_unit_test(test_ack_foreign),
		cmocka_unit_test(test_ack_seq_wrap),
		cmocka_unit_test(test_ack_truncated),
		cmocka_unit_test(test_dump_multipart),
		cmocka_unit_test(test_dump_errors),
		cmocka_unit_test(test_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
