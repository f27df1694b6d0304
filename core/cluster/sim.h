/*
 * sim: simulated machines on this one ("--machines local:N"), for tests and
 * for a laptop demo of an emulation across machines.
 *
 * A simulated machine is a network namespace of its own (named
 * "lunet-<emu>-+m<k>") joined to the others by an underlay: a bridge in
 * the namespace "lunet-<emu>-+underlay", with the machine k at
 * 198.18.0.<k>/16 (RFC 2544's benchmarking range, which no real network
 * routes).  Each machine runs a real sshd on its underlay address, in a
 * mount namespace of its own with a private /run, so the lunet worker
 * that ssh starts there sees none of the host's namespaces or records, and
 * none of the other machines': everything it makes is named and recorded
 * in that /run.  sshd holds the machine's mount namespace: when it and the
 * workers are gone, so is that /run.
 *
 * The coordinator's ssh runs in the underlay namespace, which has
 * 198.18.255.254, with a key made for the emulation.
 *
 * The links between machines (VXLAN) run on a second network of their
 * own, as a data plane beside the management network ssh uses: machine k
 * is 198.19.0.<k>/16 on its eth1, on a second bridge.  A machine's
 * failure (sim_machine_set()) cuts its data plane alone, so that every
 * link to it goes dark at once while its worker still answers.
 */
#ifndef LUNET_SIM_H
#define LUNET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo/err.h"

#define SIM_MAX 250
#define SIM_NET 0xc6120000u  /* 198.18.0.0/16 */
#define SIM_PLEN 16
#define SIM_HOST 0xc612fffeu /* 198.18.255.254, the underlay's own */
#define SIM_DATA 0xc6130000u /* 198.19.0.0/16: the machines' data plane */

struct sim_machine {
	char name[16];  /* "m1" */
	uint32_t addr;  /* underlay address, host byte order */
	pid_t sshd;     /* 0: not started */
	unsigned long long sshd_start;
};

/* "/run/netns/lunet-<emu>-+<machine>" ("+underlay" for the underlay). */
int sim_nspath(char *buf, size_t len, const char *emu, const char *machine);

/* Makes n machines m1..mn for emulation emu, with their ssh keys, known
 * hosts and logs in dir (which exists): dir/client_key (what the
 * coordinator's ssh gives), dir/known_hosts, dir/m<k>.log (sshd's log).
 * Returns 0 with m[0..n) filled, or -errno with err set; on failure what
 * was made is left for sim_down(), which m describes as far as it got. */
int sim_up(const char *emu, const char *dir, uint32_t n,
	   struct sim_machine *m, struct err *err);

/* Removes the machines of emu: in each whose sshd still runs, first runs
 * clean_argv (e.g. "lunet clean <emu>") inside it, so that its worker's
 * record is cleaned in that machine's /run; then kills every process in
 * the machines' and the underlay's namespaces and removes them.  m may
 * come from a record (after a crash); n may be 0 to find the machines
 * by their namespaces alone.  Returns 0 or the first -errno. */
int sim_down(const char *emu, uint32_t n, const struct sim_machine *m,
	     char *const clean_argv[]);

/* Cuts (up false) or restores machine k's (0-based) data plane. */
int sim_machine_set(const char *emu, uint32_t k, bool up, struct err *err);

#endif
