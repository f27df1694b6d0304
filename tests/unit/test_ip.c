/* Unit tests for topo/ip.c: parsing and printing addresses and MACs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "topo/ip.h"

static struct ip_prefix pfx(const char *s, uint8_t def)
{
	struct ip_prefix p = { 0, 0 };

	assert_int_equal(ip_parse(s, def, &p), 0);
	return p;
}

static void test_parse_forms(void **state)
{
	struct ip_prefix p;

	(void)state;
	p = pfx("10.0.0.1/24", 32);
	assert_int_equal(p.ip, 0x0a000001);
	assert_int_equal(p.plen, 24);
	p = pfx("192.168.1.254", 24);
	assert_int_equal(p.ip, 0xc0a801fe);
	assert_int_equal(p.plen, 24);
	p = pfx("0.0.0.0/0", 32);
	assert_int_equal(p.ip, 0);
	assert_int_equal(p.plen, 0);
	p = pfx("255.255.255.255/32", 0);
	assert_int_equal(p.ip, 0xffffffff);
	assert_int_equal(p.plen, 32);
	p = pfx("10.255.0.1", 32);
	assert_int_equal(p.plen, 32);
}

static void test_parse_round_trip(void **state)
{
	static const char *const forms[] = {
		"0.0.0.0/0",   "10.0.0.1/24",   "10.128.0.1/31",
		"1.2.3.4/32",  "172.16.5.4/12", "255.255.255.255/32",
		"100.64.0.0/10",
	};
	char buf[IP_STRLEN];
	struct ip_prefix p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		p = pfx(forms[i], 32);
		assert_string_equal(ip_format(&p, true, buf), forms[i]);
	}
	p = pfx("10.1.2.3/8", 32);
	assert_string_equal(ip_format(&p, false, buf), "10.1.2.3");
	assert_ptr_equal(ip_format(&p, false, buf), buf);
}

static void test_parse_refused(void **state)
{
	static const char *const bad[] = {
		"",           "10",          "10.0.0",      "10.0.0.",
		"10.0.0.1.",  "10.0.0.1.2",  "256.0.0.1",   "10.0.0.256",
		"10.0.0.1/",  "10.0.0.1/33", "10.0.0.1/-1", "10.0.0.1/ 24",
		" 10.0.0.1",  "10.0.0.1 ",   "x10.0.0.1",   "10.0.0.1x",
		"10.0.0.01",  "010.0.0.1",   "10.0.0.1/08", "10.0.0.1/24/",
		"10..0.1",    ".10.0.0.1",   "10.0.0.1//24", "1000.0.0.1",
		"10.0.0.-1",  "+10.0.0.1",   "0x0a.0.0.1",  "10.0.0.1/100",
		"10.0.0.1/24x", "a.b.c.d",
	};
	struct ip_prefix p = { 0x01020304, 7 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ip_parse(bad[i], 24, &p) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(ip_parse(NULL, 24, &p), -EINVAL);
	assert_int_equal(ip_parse("10.0.0.1", 33, &p), -EINVAL);
	/* A refused string leaves the output alone. */
	assert_int_equal(p.ip, 0x01020304);
	assert_int_equal(p.plen, 7);
}

static void test_overlap(void **state)
{
	struct ip_prefix a = pfx("10.0.0.0/24", 32);
	struct ip_prefix b = pfx("10.0.0.128/25", 32);
	struct ip_prefix c = pfx("10.0.1.0/24", 32);
	struct ip_prefix d = pfx("10.0.0.0/16", 32);
	struct ip_prefix any = pfx("0.0.0.0/0", 32);
	struct ip_prefix host = pfx("10.0.1.7/32", 32);

	(void)state;
	assert_true(ip_overlap(&a, &b));
	assert_true(ip_overlap(&b, &a));
	assert_false(ip_overlap(&a, &c));
	assert_true(ip_overlap(&d, &c));
	assert_true(ip_overlap(&any, &c));
	assert_true(ip_overlap(&host, &c));
	assert_false(ip_overlap(&host, &a));
	assert_true(ip_overlap(&a, &a));
}

static void test_helpers(void **state)
{
	struct ip_prefix p = pfx("10.1.2.3/16", 32);

	(void)state;
	assert_int_equal(ip_mask(0), 0);
	assert_int_equal(ip_mask(24), 0xffffff00);
	assert_int_equal(ip_mask(32), 0xffffffff);
	assert_int_equal(ip_network(&p), 0x0a010000);
	assert_true(ip_contains(&p, 0x0a01ffff));
	assert_false(ip_contains(&p, 0x0a020000));
}

static void test_mac(void **state)
{
	static const uint8_t want[6] = { 0x02, 0x00, 0xab, 0xcd, 0xef, 0x01 };
	static const char *const bad[] = {
		"",
		"02:00:ab:cd:ef",
		"02:00:ab:cd:ef:01:02",
		"02:00:ab:cd:ef:1",
		"02-00-ab-cd-ef-01",
		"02:00:ab:cd:ef:0g",
		"020:0:ab:cd:ef:01",
		" 02:00:ab:cd:ef:01",
		"02:00:ab:cd:ef:01 ",
		"02:00:ab:cd:ef:01:",
		"0200abcdef01",
	};
	uint8_t mac[6] = { 0 }, keep[6] = { 9, 9, 9, 9, 9, 9 };
	size_t i;

	(void)state;
	assert_int_equal(mac_parse("02:00:ab:cd:ef:01", mac), 0);
	assert_memory_equal(mac, want, 6);
	memset(mac, 0, sizeof(mac));
	assert_int_equal(mac_parse("02:00:AB:Cd:eF:01", mac), 0);
	assert_memory_equal(mac, want, 6);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(mac, keep, 6);
		if (mac_parse(bad[i], mac) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_memory_equal(mac, keep, 6);
	}
	assert_int_equal(mac_parse(NULL, mac), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
