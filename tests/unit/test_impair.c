/*
 * Link impairments: the settings as text (core/impair/impair_spec.c) and
 * the tc requests (core/netlink/tc.c).  The BPF program itself, run by the
 * kernel, is tested as root in tests/root/test_impair_prog.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "core/impair/impair.h"
#include "core/netlink/tc.h"

static struct impair_spec parse1(enum impair_param p, const char *text,
				 int want)
{
	struct impair_spec s;
	struct err err;

	memset(&s, 0, sizeof(s));
	err_clear(&err);
	assert_int_equal(impair_spec_parse(&s, p, text, &err), want);
	if (want)
		assert_true(err.msg[0] != 0);
	return s;
}

static void test_parse(void **state)
{
	assert_int_equal(parse1(IMP_DELAY, "2ms", 0).delay_ns, 2000000);
	assert_int_equal(parse1(IMP_DELAY, "500us", 0).delay_ns, 500000);
	assert_int_equal(parse1(IMP_DELAY, "1.5s", 0).delay_ns, 1500000000);
	assert_int_equal(parse1(IMP_JITTER, "0", 0).jitter_ns, 0);
	parse1(IMP_DELAY, "5", -EINVAL);
	parse1(IMP_DELAY, "-1ms", -EINVAL);
	parse1(IMP_DELAY, "2 parsecs", -EINVAL);
	parse1(IMP_DELAY, "61s", -EINVAL);
	assert_true(parse1(IMP_LOSS, "5%", 0).loss == 0.05);
	assert_true(parse1(IMP_LOSS, "0.25", 0).loss == 0.25);
	assert_true(parse1(IMP_DUP, "100%", 0).dup == 1);
	parse1(IMP_LOSS, "150%", -EINVAL);
	parse1(IMP_LOSS, "1.5", -EINVAL);
	parse1(IMP_LOSS, "5%%", -EINVAL);
	parse1(IMP_CORRUPT, "lots", -EINVAL);
	assert_int_equal(parse1(IMP_RATE, "1gbit", 0).rate, 1000000000);
	assert_int_equal(parse1(IMP_RATE, "64kbit", 0).rate, 64000);
	assert_int_equal(parse1(IMP_RATE, "10mbps", 0).rate, 80000000);
	assert_int_equal(parse1(IMP_RATE, "100000", 0).rate, 100000);
	parse1(IMP_RATE, "10", -EINVAL);
	parse1(IMP_RATE, "1furlong", -EINVAL);
	assert_int_equal(parse1(IMP_LIMIT, "50", 0).limit, 50);
	parse1(IMP_LIMIT, "0", -EINVAL);
	assert_true(parse1(IMP_SEED, "7", 0).seeded);
	parse1(IMP_SEED, "-7", -EINVAL);
}

static void test_args(void **state)
{
	char *ok[] = { "--delay", "20ms", "loss=5%", "jitter", "1ms",
		       "--from", "s1", "--seed=3" };
	char *bad[] = { "--wobble", "3" };
	char *noval[] = { "--delay" };
	char *reorder[] = { "reorder", "10%" };
	char *clear[] = { "clear" };
	struct impair_spec s;
	const char *from;
	struct err err;
	char text[128];

	memset(&s, 0, sizeof(s));
	assert_int_equal(impair_args_parse(8, ok, &s, &from, &err), 0);
	assert_string_equal(from, "s1");
	impair_spec_format(&s, text, sizeof(text));
	assert_string_equal(text, "delay 20ms jitter 1ms loss 5% seed 3");
	assert_true(impair_needs_relay(&s) && impair_needs_bpf(&s));
	memset(&s, 0, sizeof(s));
	assert_int_equal(impair_args_parse(2, bad, &s, &from, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown impairment 'wobble'"));
	assert_int_equal(impair_args_parse(1, noval, &s, &from, &err), -EINVAL);
	memset(&s, 0, sizeof(s));
	assert_int_equal(impair_args_parse(2, reorder, &s, &from, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "reorder needs a delay"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(impair_args_parse(1, clear, &s, &from, &err), 0);
	assert_true(impair_spec_empty(&s));
	impair_spec_format(&s, text, sizeof(text));
	assert_string_equal(text, "none");
	s.rate = 1000000000;
	assert_false(impair_needs_bpf(&s));
	impair_spec_format(&s, text, sizeof(text));
	assert_string_equal(text, "rate 1gbit");
}

static const struct nlattr *find_attr(const struct nlmsghdr *nlh,
				      uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct tcmsg))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static void test_tc(void **state)
{
	char buf[512];
	struct nlmsghdr *nlh;
	const struct tcmsg *tcm;
	const struct nlattr *a, *o;
	const struct tc_tbf_qopt *q;
	int seen = 0;

	nlh = tc_clsact_new(buf, sizeof(buf), 7);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	tcm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(tcm->tcm_ifindex, 7);
	assert_int_equal(tcm->tcm_parent, TC_H_CLSACT);
	assert_string_equal(mnl_attr_get_str(find_attr(nlh, TCA_KIND)),
			    "clsact");

	nlh = tc_bpf_new(buf, sizeof(buf), 7, true, 42, "x");
	tcm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(tcm->tcm_parent,
			 TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	o = find_attr(nlh, TCA_OPTIONS);
	assert_non_null(o);
	mnl_attr_for_each_nested(a, o) {
		if (mnl_attr_get_type(a) == TCA_BPF_FD)
			seen |= (mnl_attr_get_u32(a) == 42);
		if (mnl_attr_get_type(a) == TCA_BPF_FLAGS)
			seen |= (mnl_attr_get_u32(a) ==
				 TCA_BPF_FLAG_ACT_DIRECT) << 1;
	}
	assert_int_equal(seen, 3);

	/* 40 Gbit/s does not fit the 32-bit rate: RATE64 carries it */
	nlh = tc_tbf_new(buf, sizeof(buf), 3, 40000000000ull / 8, 9000,
			 100000);
	o = find_attr(nlh, TCA_OPTIONS);
	seen = 0;
	mnl_attr_for_each_nested(a, o) {
		if (mnl_attr_get_type(a) == TCA_TBF_PARMS) {
			q = mnl_attr_get_payload(a);
			assert_int_equal(q->limit, 100000);
			assert_int_equal(q->rate.linklayer,
					 TC_LINKLAYER_ETHERNET);
			seen |= 1;
		}
		if (mnl_attr_get_type(a) == TCA_TBF_RATE64)
			seen |= (mnl_attr_get_u64(a) == 5000000000ull) << 1;
		if (mnl_attr_get_type(a) == TCA_TBF_BURST)
			seen |= (mnl_attr_get_u32(a) == 9000) << 2;
	}
	assert_int_equal(seen, 7);
	assert_null(tc_tbf_new(buf, 40, 3, 1000, 1000, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_tc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
