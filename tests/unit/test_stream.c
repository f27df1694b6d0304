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
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
