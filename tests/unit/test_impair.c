/*
 * Link impairments: the settings as text (core/impair/impair_spec.c), the tc
 * requests (core/netlink/tc.c), and, as root, the BPF program itself
 * (core/impair/impair_prog.c) run by the kernel on test packets
 * (BPF_PROG_TEST_RUN): its losses are the draws computed here, the same
 * seed gives the same losses, and corruption flips one bit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "core/netlink/bpf.h"
#include "core/impair/impair.h"
#include "core/impair/impair_prog.h"
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

/* ---- the program, run by the kernel -------------------------------------- */

static unsigned char pkt[98];

static void make_packet(void)
{
	memset(pkt, 0, sizeof(pkt));
	memset(pkt, 0xaa, 12);
	pkt[12] = 0x08; /* IPv4 */
	pkt[14] = 0x45;
	pkt[16] = 0;
	pkt[17] = sizeof(pkt) - 14;
	pkt[22] = 64;
	pkt[23] = 1; /* ICMP */
	for (size_t i = 34; i < sizeof(pkt); i++)
		pkt[i] = (unsigned char)i;
}

static int run_once(int prog, unsigned char *out, uint32_t *retval)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog;
	attr.test.data_in = (uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.data_out = (uintptr_t)out;
	attr.test.data_size_out = sizeof(pkt);
	attr.test.repeat = 1;
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)))
		return -errno;
	*retval = attr.test.retval;
	return 0;
}

static int setup_prog(int *map, int *prog, double loss, double corrupt,
		      uint64_t seed)
{
	struct impair_cfg cfg;
	char log[4096];

	*map = bpf_array_new("t_impair", sizeof(struct impair_cfg), 4);
	if (*map < 0)
		return *map;
	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = seed;
	cfg.loss = loss >= 1 ? 1ull << 32 : (uint64_t)(loss * 4294967296.0);
	cfg.corrupt = corrupt >= 1 ? 1ull << 32 :
				     (uint64_t)(corrupt * 4294967296.0);
	assert_int_equal(bpf_map_set(*map, 2, &cfg), 0);
	*prog = impair_prog_egress(*map, 2, log, sizeof(log));
	if (*prog < 0)
		print_message("verifier: %s\n", log);
	return *prog < 0 ? *prog : 0;
}

static void test_prog_loss(void **state)
{
	unsigned char out[sizeof(pkt)];
	int map, prog, n, lost = 0;
	struct impair_cfg cfg;
	uint32_t ret;
	uint64_t d;

	if (geteuid() != 0)
		skip();
	make_packet();
	assert_int_equal(setup_prog(&map, &prog, 0.3, 0, 12345), 0);
	for (n = 0; n < 2000; n++) {
		assert_int_equal(run_once(prog, out, &ret), 0);
		d = impair_draw(12345, (uint64_t)n);
		/* lost exactly when the draw says so */
		assert_int_equal(ret, (d & 0xffffffffu) < (uint64_t)(0.3 * 4294967296.0) ?
					      TC_ACT_STOLEN : TC_ACT_OK);
		lost += ret == TC_ACT_STOLEN;
	}
	assert_true(lost > 520 && lost < 680);
	assert_int_equal(bpf_map_get(map, 2, &cfg), 0);
	assert_int_equal(cfg.count, 2000);
	assert_int_equal(cfg.lost, (uint64_t)lost);
	close(prog);
	close(map);
}

static void test_prog_corrupt(void **state)
{
	unsigned char out[sizeof(pkt)];
	int map, prog, bits, i, k;
	uint32_t ret;

	if (geteuid() != 0)
		skip();
	make_packet();
	assert_int_equal(setup_prog(&map, &prog, 0, 1, 1), 0);
	for (k = 0; k < 50; k++) {
		assert_int_equal(run_once(prog, out, &ret), 0);
		assert_int_equal(ret, TC_ACT_OK);
		for (bits = 0, i = 0; i < (int)sizeof(pkt); i++) {
			bits += __builtin_popcount(out[i] ^ pkt[i]);
			if (i < 14)
				assert_int_equal(out[i], pkt[i]);
		}
		assert_int_equal(bits, 1);
	}
	close(prog);
	close(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_tc),
		cmocka_unit_test(test_prog_loss),
		cmocka_unit_test(test_prog_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
