/* stream tests: the outage arithmetic, and option checks (no root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include <ev.h>

#include "core/observe/stream.h"

#define MS 1000000ULL

/* Probes every 10 ms from t = 10 ms; ok says which were answered. */
static double outage(const char *ok, uint64_t *count)
{
	uint64_t sent[64];
	uint8_t got[64];
	size_t n, i;

	for (n = 0; ok[n]; n++) {
		sent[n] = ok[n] == '-' ? 0 : (n + 1) * 10 * MS;
		got[n] = ok[n] == '1';
	}
	for (i = n; i < 64; i++)
		sent[i] = got[i] = 0;
	return stream_outage(sent, got, n, (n + 1) * 10 * MS, count);
}

static void test_outage(void **state)
{
	uint64_t count;

	assert_float_equal(outage("1111", &count), 0, 1e-9);
	assert_int_equal(count, 0);
	/* Lost from the send of probe 2 to that of probe 5. */
	assert_float_equal(outage("1100011", &count), 0.030, 1e-9);
	assert_int_equal(count, 1);
	/* The longest of two; a lost tail lasts until the end. */
	assert_float_equal(outage("10110000", &count), 0.040, 1e-9);
	assert_int_equal(count, 2);
	assert_float_equal(outage("0000", &count), 0.040, 1e-9);
	assert_int_equal(count, 1);
	/* Skipped slots (never sent) neither start nor end an outage. */
	assert_float_equal(outage("10--01", &count), 0.040, 1e-9);
	assert_int_equal(count, 1);
	assert_float_equal(outage("1--1", &count), 0, 1e-9);
	assert_int_equal(count, 0);
	assert_float_equal(outage("", &count), 0, 1e-9);
}

static void test_bins(void **state)
{
	/* 7 slots, 3 to a bin: the last bin has one slot.  Slot 4 was not
	 * sent (a skipped probe); slots 1 and 5 got no answer. */
	const uint64_t sent[7] = { 1, 2, 3, 4, 0, 6, 7 };
	const uint8_t ok[7] = { 1, 0, 1, 1, 0, 0, 1 };
	const uint64_t rtt[7] = { 2 * MS, 0, 4 * MS, 1 * MS, 0, 0, 5 * MS };
	struct stream_bin b[4];

	assert_int_equal(stream_bins(sent, ok, rtt, 7, 3, b, 4), 3);
	assert_int_equal(b[0].sent, 3);
	assert_int_equal(b[0].received, 2);
	assert_true(b[0].rtt > 0.00299 && b[0].rtt < 0.00301);
	assert_int_equal(b[1].sent, 2);
	assert_int_equal(b[1].received, 1);
	assert_true(b[1].rtt > 0.00099 && b[1].rtt < 0.00101);
	assert_int_equal(b[2].sent, 1);
	assert_int_equal(b[2].received, 1);
	/* No more bins than asked for; per 0 is one slot a bin. */
	assert_int_equal(stream_bins(sent, ok, rtt, 7, 3, b, 2), 2);
	assert_int_equal(stream_bins(sent, ok, rtt, 3, 0, b, 4), 3);
	assert_int_equal(b[1].sent, 1);
	assert_int_equal(b[1].received, 0);
	assert_true(b[1].rtt == 0);
	assert_int_equal(stream_bins(sent, ok, rtt, 0, 3, b, 4), 0);
}

static void test_opts(void **state)
{
	struct stream_opts o = { .proto = STREAM_ICMP, .rate = 10,
				 .duration = 1 };
	struct stream *s = NULL;

	assert_int_equal(stream_new(EV_DEFAULT, &o, &s), 0);
	stream_free(s);
	o.rate = 0;
	assert_int_equal(stream_new(EV_DEFAULT, &o, &s), -EINVAL);
	o.rate = 10;
	o.duration = -1;
	assert_int_equal(stream_new(EV_DEFAULT, &o, &s), -EINVAL);
	o.duration = 1e7;
	o.rate = 10000;
	assert_int_equal(stream_new(EV_DEFAULT, &o, &s), -E2BIG);
	o.duration = 1;
	o.proto = 7;
	assert_int_equal(stream_new(EV_DEFAULT, &o, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outage),
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
