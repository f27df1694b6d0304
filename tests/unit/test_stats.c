/*
 * Unit tests for the pure parts of link counters: the RTM_GETSTATS
 * request byte for byte, canned RTM_NEWSTATS replies parsed into counters
 * (full, short, foreign and malformed), ports of interfaces, deltas, and
 * the table, JSON and CSV printing (core/observe/stats_msg.c, core/observe/stats_fmt.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "core/observe/stats.h"
#include "topo/topo.h"

static void test_request_bytes(void **state)
{
	/* nlmsghdr (16), then if_stats_msg: family 0, pads, ifindex 0,
	 * filter_mask = bit of IFLA_STATS_LINK_64 (1 << 0). */
	static const unsigned char want[] = {
		28, 0, 0, 0, RTM_GETSTATS, 0, 0x01, 0x03, 0, 0, 0, 0, 0, 0,
		0,  0, 0, 0, 0,            0, 0,    0,    0, 0, 1, 0, 0, 0,
	};
	char buf[64];
	struct nlmsghdr *nlh;

	nlh = stats_dump_req(buf, sizeof(buf));
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(nlh->nlmsg_flags & NLM_F_ACK, 0);

	errno = 0;
	assert_null(stats_dump_req(buf, 27));
	assert_int_equal(errno, ENOSPC);
}

/* A canned reply message: ifindex, then IFLA_STATS_LINK_64 with the
 * first len bytes of k (a kernel may send a shorter struct), after a pad
 * attribute as the kernel puts before 64-bit payloads. */
static struct nlmsghdr *canned(char *buf, int type, int ifindex,
			       const struct rtnl_link_stats64 *k, size_t len)
{
	struct if_stats_msg *ism;
	struct nlmsghdr *nlh;

	memset(buf, 0, 1024);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ism = mnl_nlmsg_put_extra_header(nlh, sizeof(*ism));
	ism->ifindex = ifindex;
	ism->filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	mnl_attr_put(nlh, IFLA_STATS_UNSPEC, 0, NULL);
	if (k)
		mnl_attr_put(nlh, IFLA_STATS_LINK_64, len, k);
	return nlh;
}

static void test_parse(void **state)
{
	struct rtnl_link_stats64 k = {
		.rx_packets = 1, .tx_packets = 2, .rx_bytes = 3,
		.tx_bytes = 4, .rx_errors = 5, .tx_errors = 6,
		.rx_dropped = 7, .tx_dropped = 8, .multicast = 99,
	};
	char buf[1024];
	struct stats_if s;
	int ifindex = 0;

	assert_int_equal(stats_parse(canned(buf, RTM_NEWSTATS, 4, &k,
					    sizeof(k)),
				     &ifindex, &s),
			 0);
	assert_int_equal(ifindex, 4);
	assert_int_equal(s.rx_packets, 1);
	assert_int_equal(s.tx_packets, 2);
	assert_int_equal(s.rx_bytes, 3);
	assert_int_equal(s.tx_bytes, 4);
	assert_int_equal(s.rx_errors, 5);
	assert_int_equal(s.tx_errors, 6);
	assert_int_equal(s.rx_dropped, 7);
	assert_int_equal(s.tx_dropped, 8);

	/* An older kernel's shorter struct: what we use is there. */
	memset(&s, 0xff, sizeof(s));
	assert_int_equal(stats_parse(canned(buf, RTM_NEWSTATS, 5, &k, 64),
				     &ifindex, &s),
			 0);
	assert_int_equal(ifindex, 5);
	assert_int_equal(s.tx_dropped, 8);

	/* Too short to hold the drops: malformed. */
	assert_int_equal(stats_parse(canned(buf, RTM_NEWSTATS, 5, &k, 56),
				     &ifindex, &s),
			 -EPROTO);
	/* No 64-bit counters, or another message: skipped. */
	assert_int_equal(stats_parse(canned(buf, RTM_NEWSTATS, 5, NULL, 0),
				     &ifindex, &s),
			 1);
	assert_int_equal(stats_parse(canned(buf, RTM_NEWLINK, 5, &k,
					    sizeof(k)),
				     &ifindex, &s),
			 1);
}

/* h1 -- s1 -- h2, and h1 -- h2 directly: link 0 is h1:eth0 -- s1:eth0. */
static struct topo *small_topo(void)
{
	struct topo *t = topo_new("st");
	struct err err;

	assert_non_null(t);
	assert_int_equal(topo_node_add(t, "h1", TOPO_HOST, NULL, &err), 0);
	assert_int_equal(topo_node_add(t, "s1", TOPO_SWITCH, NULL, &err), 1);
	assert_int_equal(topo_node_add(t, "h2", TOPO_HOST, NULL, &err), 2);
	assert_int_equal(topo_link_add(t, 0, 1, NULL, &err), 0);
	assert_int_equal(topo_link_add(t, 2, 1, NULL, &err), 1);
	assert_int_equal(topo_link_add(t, 0, 2, NULL, &err), 2);
	return t;
}

static void test_ports(void **state)
{
	struct topo *t = small_topo();

	assert_int_equal(stats_port_of(t, 0, TOPO_IFINDEX_LO), -1);
	assert_int_equal(stats_port_of(t, 1, TOPO_IFINDEX_BRIDGE), -1);
	assert_int_equal(stats_port_of(t, 0, TOPO_IFINDEX_PORT0), 0);
	assert_int_equal(stats_port_of(t, 0, TOPO_IFINDEX_PORT0 + 1), 1);
	assert_int_equal(stats_port_of(t, 0, TOPO_IFINDEX_PORT0 + 2), -1);
	assert_int_equal(stats_port_of(t, 1, 1000), -1);
	topo_free(t);
}

static void test_sub_and_sort(void **state)
{
	struct stats_if now = { .tx_packets = 10, .rx_packets = 3 };
	struct stats_if then = { .tx_packets = 4, .rx_packets = 5 };
	struct stats_if ends[6] = { 0 }, d;
	struct topo *t = small_topo();
	enum stats_field f;
	uint32_t order[3];

	stats_sub(&d, &now, &then);
	assert_int_equal(d.tx_packets, 6);
	/* Went back: the interface was made again, counts from zero. */
	assert_int_equal(d.rx_packets, 3);

	ends[stats_end(1, 1)].tx_packets = 50;
	ends[stats_end(2, 0)].tx_packets = 100;
	ends[stats_end(0, 0)].rx_dropped = 1;
	assert_int_equal(stats_sort(t, ends, STATS_BY_PACKETS, order), 0);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 0);
	assert_int_equal(stats_sort(t, ends, STATS_BY_DROPS, order), 0);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1); /* ties in topology order */
	assert_int_equal(stats_sort(t, ends, STATS_BY_LINK, order), 0);
	assert_int_equal(order[2], 2);

	assert_int_equal(stats_field_parse("pps", &f), 0);
	assert_int_equal(f, STATS_BY_PACKETS);
	assert_int_equal(stats_field_parse("nope", &f), -EINVAL);
	topo_free(t);
}

/* Prints with fn into a string the caller frees. */
#define PRINT(call)                                                          \
	({                                                                   \
		char *__s = NULL;                                            \
		size_t __n = 0;                                              \
		FILE *f = open_memstream(&__s, &__n);                        \
		assert_non_null(f);                                          \
		call;                                                        \
		fclose(f);                                                   \
		__s;                                                         \
	})

static void test_print(void **state)
{
	struct stats_if ends[6] = { 0 };
	struct topo *t = small_topo();
	char *s;

	ends[stats_end(0, 0)] = (struct stats_if){ .tx_packets = 52,
						  .tx_bytes = 5096,
						  .rx_packets = 51 };
	ends[stats_end(0, 1)] = (struct stats_if){ .tx_packets = 51,
						  .rx_packets = 52,
						  .rx_dropped = 2 };

	s = PRINT(stats_json(f, t, ends, 12.5));
	assert_non_null(strstr(s, "{\"emulation\": \"st\", \"time\": 12.500"));
	assert_non_null(strstr(s, "{\"link\": 0, \"a\": {\"node\": \"h1\", "
				  "\"intf\": \"eth0\", \"tx_packets\": 52, "
				  "\"rx_packets\": 51, \"tx_bytes\": 5096,"));
	assert_non_null(strstr(s, "\"b\": {\"node\": \"s1\", \"intf\": "
				  "\"eth0\", \"tx_packets\": 51, "
				  "\"rx_packets\": 52, \"tx_bytes\": 0, "
				  "\"rx_bytes\": 0, \"tx_dropped\": 0, "
				  "\"rx_dropped\": 2,"));
	assert_non_null(strstr(s, "{\"link\": 2, \"a\": {\"node\": \"h1\", "
				  "\"intf\": \"eth1\""));
	assert_string_equal(s + strlen(s) - 4, "\n]}\n");
	free(s);

	s = PRINT(stats_csv_header(f); stats_csv_rows(f, t, ends, 2, 100));
	assert_non_null(strstr(s, "time,link,a,a_intf,b,b_intf,ab_packets,"));
	assert_non_null(strstr(s, "\n100.000,0,h1,eth0,s1,eth0,52,5096,51,0,"
				  "2,0,26.0,20384.0,25.5,0.0\n"));
	assert_non_null(strstr(s, "\n100.000,1,h2,eth0,s1,eth1,0,0,0,0,0,0,"));
	free(s);

	s = PRINT(stats_table(f, t, ends, NULL, 3));
	assert_non_null(strstr(s, "LINK (A -- B)"));
	assert_non_null(strstr(s, "h1:eth0 -- s1:eth0"));
	assert_non_null(strstr(s, " 52     5.10k         51         0"));
	assert_non_null(strstr(s, "h1:eth1 -- h2:eth1"));
	free(s);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_bytes),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_sub_and_sort),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
