/*
 * The BPF program of link impairments (core/impair/impair_prog.c), run by
 * the kernel on test packets (BPF_PROG_TEST_RUN), as root
 * (tests/root/root.h): its losses are the draws computed here, the same
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
#include <cmocka.h>

#include "core/netlink/bpf.h"
#include "core/impair/impair_prog.h"
#include "tests/root/root.h"

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
		cmocka_unit_test(test_prog_loss),
		cmocka_unit_test(test_prog_corrupt),
	};

	return cmocka_run_group_tests(tests, root_setup, NULL);
}
