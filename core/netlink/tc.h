/*
 * tc: pure builders for the traffic-control requests of link impairments
 * (core/engine/impair.c): the clsact qdisc that carries BPF programs, a BPF
 * classifier in direct-action mode, and the tbf qdisc that caps a rate.
 *
 * Like core/netlink/rtnl.h: each builder writes one request at buf and returns it,
 * or NULL with errno ENOSPC; no I/O, so tests compare the bytes.
 */
#ifndef LUNET_TC_H
#define LUNET_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* RTM_NEWQDISC adding clsact to ifindex (NLM_F_CREATE | NLM_F_EXCL). */
struct nlmsghdr *tc_clsact_new(void *buf, size_t len, int ifindex);

/* RTM_DELQDISC of the clsact qdisc (with its filters) or, root, of the
 * root qdisc of ifindex. */
struct nlmsghdr *tc_qdisc_del(void *buf, size_t len, int ifindex, bool root);

/* RTM_NEWTFILTER: the BPF program prog_fd, direct-action, on the egress
 * (or ingress) hook of ifindex's clsact qdisc, for every protocol. */
struct nlmsghdr *tc_bpf_new(void *buf, size_t len, int ifindex, bool egress,
			    int prog_fd, const char *name);

/* RTM_NEWQDISC (create or replace) of a token bucket as the root qdisc of
 * ifindex: rate in bytes per second, burst and limit (queue) in bytes. */
struct nlmsghdr *tc_tbf_new(void *buf, size_t len, int ifindex,
			    uint64_t rate, uint32_t burst, uint32_t limit);

/* RTM_NEWQDISC of kind as the root qdisc of ifindex, with no options:
 * used to ask the kernel whether it knows the kind (core/sys/feature.c). */
struct nlmsghdr *tc_qdisc_kind_new(void *buf, size_t len, int ifindex,
				   const char *kind);

#endif
