/* The state file: written, read back, listed, claimed, judged stale. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/sys/proc.h"
#include "core/control/state.h"
#include "topo/topo.h"

static char dir[] = "/tmp/lunet-state-test.XXXXXX";

static int setup(void **ctx)
{
	if (!mkdtemp(dir))
		return -1;
	setenv("LUNET_STATE_DIR", dir, 1);
	return 0;
}

static int teardown(void **ctx)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct topo *demo(void)
{
	struct topo_link_opts lo = { .ifname = { NULL, "uplink" }, .mtu = 1400 };
	struct topo_node_opts ro = { .lo = "10.255.9.9/32" };
	struct topo *t = topo_new("st");
	struct err err;

	assert_non_null(t);
	assert_int_equal(topo_node_add(t, "s1", TOPO_SWITCH, NULL, &err), 0);
	assert_int_equal(topo_node_add(t, "r1", TOPO_ROUTER, &ro, &err), 1);
	assert_int_equal(topo_node_add(t, "h1", TOPO_HOST, NULL, &err), 2);
	assert_int_equal(topo_link_add(t, 2, 0, NULL, &err), 0);
	assert_int_equal(topo_link_add(t, 0, 1, &lo, &err), 1);
	assert_int_equal(topo_plan(t, &err), 0);
	return t;
}

static void test_roundtrip(void **ctx)
{
	struct state_info in = { STATE_RUNNING, 1234, 99, 1700000000, 0, 0 };
	struct state_info out;
	struct topo *t = demo(), *r = NULL;
	struct err err;
	uint32_t i;

	assert_int_equal(state_claim("st"), 0);
	assert_int_equal(state_claim("st"), -EEXIST);
	assert_int_equal(state_write(t, &in), 0);
	assert_int_equal(state_read("st", &r, &out, &err), 0);
	assert_int_equal(out.status, STATE_RUNNING);
	assert_int_equal(out.owner, 1234);
	assert_int_equal(out.owner_start, 99);
	assert_int_equal(out.created, 1700000000);
	assert_int_equal(out.nnodes, 3);
	assert_int_equal(out.nlinks, 2);
	assert_int_equal(r->nnodes, t->nnodes);
	assert_int_equal(r->nlinks, t->nlinks);
	for (i = 0; i < t->nnodes; i++) {
		assert_string_equal(r->nodes[i].name, t->nodes[i].name);
		assert_int_equal(r->nodes[i].kind, t->nodes[i].kind);
	}
	for (i = 0; i < t->nports; i++) {
		assert_string_equal(r->ports[i].ifname, t->ports[i].ifname);
		assert_int_equal(r->ports[i].addr.ip, t->ports[i].addr.ip);
		assert_int_equal(r->ports[i].addr.plen, t->ports[i].addr.plen);
	}
	assert_int_equal(r->links[1].mtu, 1400);
	assert_int_equal(r->nodes[1].lo.ip, t->nodes[1].lo.ip);
	/* What lunet exec and the console need: node addresses. */
	assert_int_equal(topo_node_ip(r, 2), topo_node_ip(t, 2));
	assert_int_equal(state_read_info("st", &out), 0);
	assert_int_equal(out.nlinks, 2);
	topo_free(r);
	topo_free(t);
	assert_int_equal(state_remove("st"), 0);
	assert_int_equal(state_read_info("st", &out), -ENOENT);
}

/* A link between two unnumbered routers: recorded with no address, and
 * read back with none, the routers still unnumbered. */
static void test_unnumbered(void **ctx)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_BGP,
				       .unnumbered = true };
	struct state_info in = { STATE_RUNNING, 1234, 99, 1700000000, 0, 0 };
	struct state_info out;
	struct topo *t = topo_new("un"), *r = NULL;
	struct err err;

	assert_int_equal(topo_node_add(t, "r1", TOPO_ROUTER, NULL, &err), 0);
	assert_int_equal(topo_node_add(t, "r2", TOPO_ROUTER, NULL, &err), 1);
	assert_int_equal(topo_link_add(t, 0, 1, NULL, &err), 0);
	assert_int_equal(topo_routing_set(t, 0, &o, &err), 0);
	assert_int_equal(topo_routing_set(t, 1, &o, &err), 0);
	assert_int_equal(topo_plan(t, &err), 0);
	assert_int_equal(t->ports[0].addr.ip, 0);
	assert_int_equal(state_claim("un"), 0);
	assert_int_equal(state_write(t, &in), 0);
	assert_int_equal(state_read("un", &r, &out, &err), 0);
	assert_int_equal(r->ports[0].addr.ip, 0);
	assert_false(r->ports[1].addr_set);
	assert_true(topo_routing(r, 0)->unnumbered);
	assert_int_equal(topo_plan(r, &err), 0);
	assert_int_equal(r->ports[1].addr.ip, 0);
	topo_free(r);
	topo_free(t);
	assert_int_equal(state_remove("un"), 0);
}

static void test_list(void **ctx)
{
	char **names;
	size_t n;

	assert_int_equal(state_claim("b"), 0);
	assert_int_equal(state_claim("a"), 0);
	assert_int_equal(state_list(&names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	state_list_free(names, n);
	state_remove("a");
	state_remove("b");
}

static void test_damaged(void **ctx)
{
	struct state_info info;
	struct topo *t = NULL;
	struct err err;
	char path[256];
	FILE *f;

	assert_int_equal(state_claim("bad"), 0);
	state_path(path, sizeof(path), "bad", "state");
	f = fopen(path, "w");
	fputs("lunet-state 1\nnode h1 host\nlink h1 eth0 - h9 eth0 - 0\n", f);
	fclose(f);
	assert_int_not_equal(state_read("bad", &t, &info, &err), 0);
	assert_non_null(strstr(err.msg, ":3: damaged"));
	f = fopen(path, "w");
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(state_read("bad", &t, &info, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a lunet state file"));
	state_remove("bad");
}

static void test_stale(void **ctx)
{
	struct state_info info = { STATE_RUNNING, getpid(), 0, 0, 0, 0 };

	info.owner_start = proc_starttime(getpid());
	assert_true(info.owner_start > 0);
	assert_true(state_owner_alive(&info));
	assert_false(state_is_stale(&info));
	info.owner_start++; /* the same pid, another process */
	assert_true(state_is_stale(&info));
	info.status = STATE_UP; /* its "lunet up" daemon died */
	assert_true(state_is_stale(&info));
	info.owner_start--;
	assert_false(state_is_stale(&info)); /* the daemon lives */
	info.owner = 0; /* left up with no owner: on purpose */
	info.owner_start = 0;
	assert_false(state_is_stale(&info));
	info.status = STATE_BUILDING;
	assert_true(state_is_stale(&info));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_unnumbered),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_stale),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
