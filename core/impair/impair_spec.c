/* The settings of impairments as text: parsing, checking, printing.
 * Pure: core/engine/impair.c applies them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/impair/impair.h"

static const char *const names[IMP_NPARAMS] = {
	[IMP_DELAY] = "delay",   [IMP_JITTER] = "jitter",
	[IMP_LOSS] = "loss",     [IMP_CORRUPT] = "corrupt",
	[IMP_DUP] = "duplicate", [IMP_REORDER] = "reorder",
	[IMP_RATE] = "rate",     [IMP_LIMIT] = "limit",
	[IMP_SEED] = "seed",
};

const char *impair_param_name(enum impair_param p)
{
	return p < IMP_NPARAMS ? names[p] : "?";
}

enum impair_param impair_param_find(const char *name)
{
	int p;

	if (!strcmp(name, "dup"))
		return IMP_DUP;
	if (!strcmp(name, "corruption"))
		return IMP_CORRUPT;
	for (p = 0; p < IMP_NPARAMS; p++)
		if (!strcmp(name, names[p]))
			return (enum impair_param)p;
	return IMP_NPARAMS;
}

/* A number then one of units (each with its factor); a bare number is
 * a unit of "" (rates have one, durations do not). */
struct unit {
	const char *name;
	double factor;
};

static int parse_units(const char *text, const struct unit *u, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	for (; u->name; u++)
		if (!strcasecmp(end, u->name)) {
			*out = v * u->factor;
			return 0;
		}
	return -EINVAL;
}

static const struct unit durations[] = {
	{ "ns", 1 },	    { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	{ "sec", 1e9 },	    { "m", 60e9 }, { NULL, 0 },
};

static const struct unit rates[] = {
	{ "", 1 },	   { "bit", 1 },     { "kbit", 1e3 },	 { "mbit", 1e6 },
	{ "gbit", 1e9 },   { "tbit", 1e12 }, { "bps", 8 },	 { "kbps", 8e3 },
	{ "mbps", 8e6 },   { "gbps", 8e9 },  { NULL, 0 },
};

static int bad(struct err *err, enum impair_param p, const char *text,
	       const char *want)
{
	return err_set(err, -EINVAL, "%s '%s': %s", names[p], text, want);
}

static int parse_prob(double *out, enum impair_param p, const char *text,
		      struct err *err)
{
	size_t n = strlen(text);
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || !isfinite(v))
		return bad(err, p, text, "not a probability");
	if (n && text[n - 1] == '%' && end == text + n - 1)
		v /= 100;
	else if (*end)
		return bad(err, p, text,
			   "a fraction (0.05) or a percentage (\"5%\")");
	if (v < 0 || v > 1)
		return bad(err, p, text, "must be between 0 and 1 (0% and 100%)");
	*out = v;
	return 0;
}

int impair_spec_parse(struct impair_spec *s, enum impair_param p,
		      const char *text, struct err *err)
{
	unsigned long long u;
	char *end;
	double v;

	switch (p) {
	case IMP_DELAY:
	case IMP_JITTER:
		if (!strcmp(text, "0"))
			v = 0;
		else if (parse_units(text, durations, &v))
			return bad(err, p, text,
				   "a duration with its unit: 2ms, 500us, 1s");
		if (v > 60e9)
			return bad(err, p, text, "at most 60 s");
		*(p == IMP_DELAY ? &s->delay_ns : &s->jitter_ns) =
			(uint64_t)llround(v);
		return 0;
	case IMP_LOSS:
		return parse_prob(&s->loss, p, text, err);
	case IMP_CORRUPT:
		return parse_prob(&s->corrupt, p, text, err);
	case IMP_DUP:
		return parse_prob(&s->dup, p, text, err);
	case IMP_REORDER:
		return parse_prob(&s->reorder, p, text, err);
	case IMP_RATE:
		if (parse_units(text, rates, &v))
			return bad(err, p, text,
				   "a rate: 1gbit, 100mbit, 64kbit, 10mbps");
		if (v != 0 && (v < 8000 || v > 4e12))
			return bad(err, p, text,
				   "between 8kbit and 4tbit (0: no cap)");
		s->rate = (uint64_t)llround(v);
		return 0;
	case IMP_LIMIT:
	case IMP_SEED:
		errno = 0;
		u = strtoull(text, &end, 0);
		if (!*text || *end || errno || text[0] == '-')
			return bad(err, p, text, "not a whole number");
		if (p == IMP_SEED) {
			s->seed = u;
			s->seeded = true;
		} else if (u < 1 || u > 1000000) {
			return bad(err, p, text, "between 1 and 1000000");
		} else {
			s->limit = (uint32_t)u;
		}
		return 0;
	default:
		return err_set(err, -EINVAL, "no such impairment");
	}
}

int impair_spec_check(const struct impair_spec *s, struct err *err)
{
	if (s->reorder > 0 && !s->delay_ns)
		return err_set(err, -EINVAL,
			       "reorder needs a delay: reordered packets are "
			       "those sent without it");
	if (s->jitter_ns > 60000000000ull || s->delay_ns > 60000000000ull)
		return err_set(err, -EINVAL, "delay and jitter: at most 60 s");
	return 0;
}

bool impair_spec_empty(const struct impair_spec *s)
{
	return !s->delay_ns && !s->jitter_ns && !(s->loss > 0) &&
	       !(s->corrupt > 0) && !(s->dup > 0) && !(s->reorder > 0) &&
	       !s->rate;
}

static void fmt_time(char *buf, size_t len, uint64_t ns)
{
	if (ns % 1000000000ull == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ull));
	else if (ns % 1000000ull == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ull));
	else if (ns % 1000ull == 0)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000ull));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

static void fmt_rate(char *buf, size_t len, uint64_t bps)
{
	static const char *const u[] = { "bit", "kbit", "mbit", "gbit",
					 "tbit" };
	int i = 0;

	while (i < 4 && bps % 1000 == 0 && bps >= 1000) {
		bps /= 1000;
		i++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)bps, u[i]);
}

void impair_spec_format(const struct impair_spec *s, char *buf, size_t len)
{
	char v[32];
	size_t n = 0;

#define ADD(...)                                                              \
	do {                                                                  \
		if (n < len)                                                  \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
	} while (0)
	if (len)
		buf[0] = 0;
	if (s->delay_ns) {
		fmt_time(v, sizeof(v), s->delay_ns);
		ADD("%sdelay %s", n ? " " : "", v);
	}
	if (s->jitter_ns) {
		fmt_time(v, sizeof(v), s->jitter_ns);
		ADD("%sjitter %s", n ? " " : "", v);
	}
	if (s->loss > 0)
		ADD("%sloss %g%%", n ? " " : "", s->loss * 100);
	if (s->corrupt > 0)
		ADD("%scorrupt %g%%", n ? " " : "", s->corrupt * 100);
	if (s->dup > 0)
		ADD("%sduplicate %g%%", n ? " " : "", s->dup * 100);
	if (s->reorder > 0)
		ADD("%sreorder %g%%", n ? " " : "", s->reorder * 100);
	if (s->rate) {
		fmt_rate(v, sizeof(v), s->rate);
		ADD("%srate %s", n ? " " : "", v);
	}
	if (s->limit && impair_needs_relay(s))
		ADD("%slimit %u", n ? " " : "", s->limit);
	if (s->seeded && !impair_spec_empty(s))
		ADD("%sseed %llu", n ? " " : "", (unsigned long long)s->seed);
	if (!n)
		snprintf(buf, len, "none");
#undef ADD
}

int impair_args_parse(int argc, char *const *argv, struct impair_spec *s,
		      const char **from, struct err *err)
{
	char key[32];
	const char *w, *eq, *val;
	enum impair_param p;
	int i, rc;

	*from = NULL;
	for (i = 0; i < argc; i++) {
		w = argv[i];
		if (!strcmp(w, "clear") || !strcmp(w, "none"))
			continue;
		w += strspn(w, "-");
		eq = strchr(w, '=');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(eq ? (size_t)(eq - w) : strlen(w)), w);
		/* The word first: "delay 20ms bogus" is about bogus, not a
		 * value it lacks. */
		p = impair_param_find(key);
		if (p == IMP_NPARAMS && strcmp(key, "from"))
			return err_set(err, -EINVAL,
				       "unknown impairment '%s' (delay, jitter, "
				       "loss, corrupt, duplicate, reorder, rate, "
				       "limit, seed, from)",
				       key);
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return err_set(err, -EINVAL, "%s: needs a value", argv[i]);
		}
		if (p == IMP_NPARAMS) {
			*from = val;
			continue;
		}
		rc = impair_spec_parse(s, p, val, err);
		if (rc)
			return rc;
	}
	return impair_spec_check(s, err);
}
