/* Unit tests for "--machines" specs (topo/machines.c): local:N, ssh
 * lists with and without names, k8s stateful sets, and errors that name
 * the part that is wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "topo/machines.h"

static struct topo_machines parse_ok(const char *spec)
{
	struct topo_machines m;
	struct err err = { "" };

	if (topo_machines_parse(spec, &m, &err))
		fail_msg("%s: %s", spec, err.msg);
	return m;
}

static void parse_bad(const char *spec, const char *says)
{
	struct topo_machines m;
	struct err err = { "" };

	assert_int_equal(topo_machines_parse(spec, &m, &err), -EINVAL);
	if (!strstr(err.msg, says))
		fail_msg("%s: '%s' does not say '%s'", spec, err.msg, says);
	assert_null(m.v);
}

static void test_local(void **state)
{
	struct topo_machines m = parse_ok("local:3");

	assert_int_equal(m.kind, TOPO_MACHINES_LOCAL);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.v[0].name, "m1");
	assert_string_equal(m.v[2].name, "m3");
	assert_null(m.v[0].host);
	topo_machines_free(&m);
	m = parse_ok("local:1024");
	assert_string_equal(m.v[1023].name, "m1024");
	topo_machines_free(&m);
}

static void test_ssh(void **state)
{
	struct topo_machines m =
		parse_ok("ssh://a.example,ssh://root@10.0.0.2:2222,"
			 "east=ssh://[fe80::1]:22,west=ssh://u_1@b-2");

	assert_int_equal(m.kind, TOPO_MACHINES_SSH);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.v[0].name, "m1");
	assert_string_equal(m.v[0].host, "a.example");
	assert_null(m.v[0].user);
	assert_int_equal(m.v[0].port, 0);
	assert_string_equal(m.v[1].name, "m2");
	assert_string_equal(m.v[1].user, "root");
	assert_string_equal(m.v[1].host, "10.0.0.2");
	assert_int_equal(m.v[1].port, 2222);
	assert_string_equal(m.v[2].name, "east");
	assert_string_equal(m.v[2].host, "fe80::1");
	assert_int_equal(m.v[2].port, 22);
	assert_string_equal(m.v[3].name, "west");
	assert_string_equal(m.v[3].user, "u_1");
	assert_string_equal(m.v[3].host, "b-2");
	topo_machines_free(&m);
}

static void test_k8s(void **state)
{
	struct topo_machines m = parse_ok("k8s:lab/lunet:3");

	assert_int_equal(m.kind, TOPO_MACHINES_K8S);
	assert_string_equal(m.k8s_namespace, "lab");
	assert_string_equal(m.k8s_set, "lunet");
	assert_int_equal(m.n, 3);
	assert_string_equal(m.v[0].name, "lunet-0");
	assert_string_equal(m.v[2].name, "lunet-2");
	topo_machines_free(&m);
	/* without :N, the cluster says how many */
	m = parse_ok("k8s:default/emu");
	assert_int_equal(m.n, 0);
	assert_string_equal(m.k8s_set, "emu");
	topo_machines_free(&m);
}

static void test_errors(void **state)
{
	parse_bad("", "empty");
	parse_bad("local:0", "'0' is not a number of machines from 1 to");
	parse_bad("local:1025", "'1025'");
	parse_bad("local:x", "'x'");
	parse_bad("local:", "'' is not a number");
	parse_bad("remote:3", "none of local:N");
	parse_bad("ssh://a,,ssh://b", "machine 2 is empty");
	parse_bad("ssh://a,b", "'b' is not ssh://");
	parse_bad("ssh://a:0", "port '0' is not a number from 1 to 65535");
	parse_bad("ssh://a:99999", "port '99999'");
	parse_bad("ssh://a:", "port ''");
	parse_bad("ssh://", "host '' is not");
	parse_bad("ssh://bad host", "host 'bad host'");
	parse_bad("ssh://[fe80::1", "not an IPv6 address");
	parse_bad("ssh://[fe80::1]x", "after ']'");
	parse_bad("ssh://us er@a", "user 'us er'");
	parse_bad("x=ssh://a,x=ssh://b", "machines 1 and 2 are both named 'x'");
	parse_bad("ssh://a,m1=ssh://b", "both named 'm1'");
	parse_bad("a b=ssh://a", "machine name 'a b'");
	parse_bad("k8s:lab", "not NAMESPACE/STATEFULSET");
	parse_bad("k8s:Lab/x", "namespace 'Lab'");
	parse_bad("k8s:lab/-x", "stateful set '-x'");
	parse_bad("k8s:lab/x:0", "replicas '0'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_k8s),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
