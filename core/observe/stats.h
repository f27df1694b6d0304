/*
 * stats: the counters of every link end of an emulation, read from the
 * kernel in one pass of the lunet process (no process per node).
 *
 * For each node lunet enters its namespace just long enough to open a
 * netlink socket there, then asks for an RTM_GETSTATS dump limited to
 * IFLA_STATS_LINK_64: about 200 bytes per interface, against the 2 KiB and
 * more of an RTM_GETLINK dump (configuration, IPv4 and IPv6 settings).
 * Nodes are spread over the worker threads of the build (core/sys/par.c) and
 * each socket is closed after its node, so no descriptor is held per node.
 *
 * Link end (l, side) is the interface of port topo->links[l].port[side];
 * its counters are at ends[stats_end(l, side)].
 *
 * Everything needed is the topology with its emulation's name (t->name):
 * the owner's (struct emu) or one read back from the record (state_read),
 * so "lunet stats" works from any process.
 */
#ifndef LUNET_STATS_H
#define LUNET_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "topo/err.h"

struct topo;
struct nlmsghdr;

/* One interface's counters, as the kernel keeps them (struct
 * rtnl_link_stats64).  tx is what the interface sent, rx what it got. */
struct stats_if {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors;
	uint64_t rx_dropped, tx_dropped;
};

static inline size_t stats_end(uint32_t link, int side)
{
	return 2 * (size_t)link + (side ? 1 : 0);
}

/* Reads the counters of every link end of emulation t->name into ends
 * (2 * t->nlinks entries), spreading the nodes over worker threads.
 * Returns 0 or -errno with err naming the node and the cause. */
int stats_read(const struct topo *t, struct stats_if *ends,
	       struct err *err);

/* Reads only the ends on node's ports (the rest of ends is untouched). */
int stats_read_node(const struct topo *t, uint32_t node,
		    struct stats_if *ends, struct err *err);

/* ---- Pure parts (core/observe/stats_msg.c): no I/O, unit-tested. ---- */

/* RTM_GETSTATS dump request for IFLA_STATS_LINK_64 of every interface.
 * Returns the message, or NULL with errno ENOSPC. */
struct nlmsghdr *stats_dump_req(void *buf, size_t len);

/* Parses one message of the reply: *ifindex and *out.  Returns 0, 1 for a
 * message that carries no 64-bit link counters (skip it), or -EPROTO. */
int stats_parse(const struct nlmsghdr *nlh, int *ifindex,
		struct stats_if *out);

/* The interface of port k of a node (ifindex - TOPO_IFINDEX_PORT0), or -1
 * for lo, br0 and anything lunet did not make. */
int stats_port_of(const struct topo *t, uint32_t node, int ifindex);

/* d = now - then, field by field; a counter that went back (an interface
 * made again) counts from zero. */
void stats_sub(struct stats_if *d, const struct stats_if *now,
	       const struct stats_if *then);

/* ---- Printing (core/observe/stats_fmt.c): pure, shared by the command line
 * and the console. ---- */

/* What a link carried, both ends folded together: ab is from end a to
 * end b (a's tx), ba the other way; drops and errors of both ends. */
struct stats_link {
	uint64_t ab_packets, ab_bytes, ba_packets, ba_bytes;
	uint64_t drops, errors;
};

void stats_link_fold(const struct stats_if *ends, uint32_t link,
		     struct stats_link *out);

enum stats_field {
	STATS_BY_LINK,    /* topology order */
	STATS_BY_PACKETS, /* both ways */
	STATS_BY_BYTES,
	STATS_BY_DROPS,
	STATS_BY_ERRORS,
};

/* Parses "link", "packets" ("pps"), "bytes" ("bps", "bits"), "drops",
 * "errors".  Returns 0 or -EINVAL. */
int stats_field_parse(const char *s, enum stats_field *f);

/* Fills order[0..t->nlinks) with link indexes, the largest first by
 * field (ties and STATS_BY_LINK in topology order).  ends may be deltas.
 * Returns 0 or -ENOMEM. */
int stats_sort(const struct topo *t, const struct stats_if *ends,
	       enum stats_field field, uint32_t *order);

/* The table of "lunet stats" and the console: a header, then one row per
 * link of order (n of them; order NULL: every link in topology order). */
void stats_table(FILE *f, const struct topo *t, const struct stats_if *ends,
		 const uint32_t *order, size_t n);

/* The same for rates: deltas d over dt seconds, as packets/s and bit/s. */
void stats_table_rates(FILE *f, const struct topo *t,
		       const struct stats_if *d, double dt,
		       const uint32_t *order, size_t n);

/* One JSON document: {"emulation", "time", "links": [{"a": {...}, "b":
 * {...}}, ...]}, each end with node, interface and its counters. */
void stats_json(FILE *f, const struct topo *t, const struct stats_if *ends,
		double when);

/* The CSV time series: its header, then one row per link for the deltas
 * d over dt seconds ending at unix time when. */
void stats_csv_header(FILE *f);
void stats_csv_rows(FILE *f, const struct topo *t, const struct stats_if *d,
		    double dt, double when);

#endif
