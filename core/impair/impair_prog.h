/*
 * impair_prog: the BPF programs of link impairments, written with the
 * assembler of core/netlink/bpf.h.
 *
 * The egress program runs on a link end (a veth in a node) before its
 * qdisc.  It reads the end's settings from an array map (struct
 * impair_cfg, key baked into the program) and, packet by packet: drops
 * (loss), flips one bit past the Ethernet header (corruption), sends a
 * copy (duplication; the copy is marked so that it is not copied again),
 * and hands the packet to the delay relay when the end has one.  Packets
 * that come back from the relay pass untouched.
 *
 * Every decision is drawn from splitmix64(seed + n * golden) where n is
 * the number of packets the end has seen (counted atomically): the same
 * sequence of packets meets the same losses whenever the seed is the
 * same, which netem cannot promise.  ARP packets are counted and drawn
 * apart (from seed ^ IMPAIR_ARP_SALT), so that the neighbour refreshes
 * the kernel sends when it likes do not shift the draws of the traffic.
 */
#ifndef LUNET_IMPAIR_PROG_H
#define LUNET_IMPAIR_PROG_H

#include <stddef.h>
#include <stdint.h>

/* The map's value (offsets fixed: the program reads them). */
struct impair_cfg {
	uint64_t seed;
	uint64_t loss;    /* a packet is lost when its draw < loss (of 2^32) */
	uint64_t corrupt; /* likewise */
	uint64_t dup;     /* likewise */
	uint32_t relay;   /* ifindex of the end's relay port; 0: none */
	uint32_t pad;
	uint64_t count;   /* packets seen (written by the program) */
	uint64_t lost, corrupted, duplicated;
	uint64_t count_arp; /* ARP packets seen: drawn apart */
};

#define IMPAIR_ARP_SALT 0xa4bull

/* tc_index value marking a duplicate (tc_index is otherwise unused). */
#define IMPAIR_DUP_MARK 0x1d0e

/* splitmix64's finalizer, as the program computes it (for tests). */
uint64_t impair_mix(uint64_t z);
/* The draw of packet n under seed. */
uint64_t impair_draw(uint64_t seed, uint64_t n);

/* Loads the egress program for the end whose settings are at key in the
 * map map_fd.  Returns an fd, or -errno with the verifier's reason in
 * log. */
int impair_prog_egress(int map_fd, uint32_t key, char *log, size_t loglen);

/* Loads the program of a relay port's ingress: every packet back from
 * the relay goes out of ifindex (the link end), through its egress. */
int impair_prog_return(int ifindex, char *log, size_t loglen);

#endif
