/*
 * impair: link impairments (delay, jitter, loss, corruption, duplication,
 * reordering, rate) on one direction of a link: what leaves one end.
 *
 * This kernel has no netem, and netem cannot seed its draws; lunet uses
 * its own paths on every kernel:
 *   loss, corruption, duplication   a tc BPF program on the end's egress
 *                                   (clsact), seeded (core/impair/impair_prog.h)
 *   delay, jitter, reordering       the relay (core/impair/relay.h): the same BPF
 *                                   program hands packets to lunet's own
 *                                   delay line and takes them back
 *   rate                            a tbf qdisc as the end's root qdisc
 * A parameter whose path the kernel lacks is refused, naming what is
 * missing; none is accepted and ignored.
 *
 * The parsing and checking of settings here are pure (no kernel); the
 * engine side is emu_impair() in core/engine/engine.h.
 */
#ifndef LUNET_IMPAIR_H
#define LUNET_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"

/* The settings of one direction; all zero: none. */
struct impair_spec {
	uint64_t delay_ns, jitter_ns;
	double loss, corrupt, dup, reorder; /* probabilities, 0 to 1 */
	uint64_t rate;                      /* bits per second; 0: none */
	uint32_t limit;                     /* packets the delay holds */
	uint64_t seed;
	bool seeded;                        /* seed given (else drawn) */
};

/* What an end has done since its settings were last set. */
struct impair_counts {
	uint64_t seen, lost, corrupted, duplicated;
	uint64_t delayed, held, reordered, overflow;
};

enum impair_param {
	IMP_DELAY,
	IMP_JITTER,
	IMP_LOSS,
	IMP_CORRUPT,
	IMP_DUP,
	IMP_REORDER,
	IMP_RATE,
	IMP_LIMIT,
	IMP_SEED,
	IMP_NPARAMS,
};

const char *impair_param_name(enum impair_param p);
/* The parameter called name ("delay", "loss", "duplicate" or "dup", ...);
 * IMP_NPARAMS when none is. */
enum impair_param impair_param_find(const char *name);

/* Sets parameter p of s from text: durations "2ms", "500us", "1.5s", "0";
 * probabilities "5%" or "0.05"; rates "1gbit", "100mbit", "64kbit",
 * "10mbps" (bytes, as tc says), or bits per second; limit and seed as
 * integers.  Returns 0 or -EINVAL with err saying what is wrong. */
int impair_spec_parse(struct impair_spec *s, enum impair_param p,
		      const char *text, struct err *err);

/* Reads settings from words, as the command line and the console give
 * them: "--delay 20ms", "delay 20ms" or "delay=20ms" for each parameter,
 * "--from NODE" (*from; NULL when absent) for one direction, and "clear"
 * or "none" for no impairment.  Returns 0 or -EINVAL with err. */
int impair_args_parse(int argc, char *const *argv, struct impair_spec *s,
		      const char **from, struct err *err);

/* Checks s as a whole (reordering needs a delay; jitter at most 10 s...)
 * Returns 0 or -EINVAL with err. */
int impair_spec_check(const struct impair_spec *s, struct err *err);

bool impair_spec_empty(const struct impair_spec *s);

/* "delay 2ms jitter 500us loss 1% rate 1gbit", or "none". */
void impair_spec_format(const struct impair_spec *s, char *buf, size_t len);

/* Whether the direction needs each path. */
static inline bool impair_needs_relay(const struct impair_spec *s)
{
	return s->delay_ns || s->jitter_ns || s->reorder > 0;
}

static inline bool impair_needs_bpf(const struct impair_spec *s)
{
	return s->loss > 0 || s->corrupt > 0 || s->dup > 0 ||
	       impair_needs_relay(s);
}

/* The path parameter p takes on this kernel ("tc bpf (clsact), seeded"),
 * or NULL when the kernel lacks it; *missing then names what it lacks. */
const char *impair_path(enum impair_param p, const char **missing);

/* Refuses s when this kernel lacks the path of one of its parameters. */
int impair_spec_supported(const struct impair_spec *s, struct err *err);

#endif
