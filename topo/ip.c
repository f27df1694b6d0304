/*
 * ip: IPv4 addresses and prefixes, parsed and printed.
 *
 * The parsers are strict on purpose: a topology file is written by hand,
 * and "10.0.0.01" or "10.0.0.1/24 " is more likely a typo than a wish, so
 * they are refused rather than guessed at (inet_aton would read "010" as
 * octal).
 */
#include <errno.h>
#include <stdio.h>

#include "topo/ip.h"

/* Reads a decimal number of at most max_digits digits without a leading
 * zero, advancing *s.  Returns the value or -1. */
static long read_decimal(const char **s, int max_digits)
{
	const char *p = *s;
	long v = 0;
	int n = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > max_digits)
			return -1;
		v = v * 10 + (*p - '0');
		p++;
	}
	if (n == 0 || (n > 1 && **s == '0'))
		return -1;
	*s = p;
	return v;
}

int ip_parse(const char *s, uint8_t def_plen, struct ip_prefix *out)
{
	uint8_t plen = def_plen;
	uint32_t ip = 0;
	long v;
	int i;

	if (!s || def_plen > 32)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return -EINVAL;
		v = read_decimal(&s, 3);
		if (v < 0 || v > 255)
			return -EINVAL;
		ip = ip << 8 | (uint32_t)v;
	}
	if (*s == '/') {
		s++;
		v = read_decimal(&s, 2);
		if (v < 0 || v > 32)
			return -EINVAL;
		plen = (uint8_t)v;
	}
	if (*s != '\0')
		return -EINVAL;
	out->ip = ip;
	out->plen = plen;
	return 0;
}

char *ip_format(const struct ip_prefix *p, bool with_plen, char *buf)
{
	uint32_t ip = p->ip;
	int n;

	n = snprintf(buf, IP_STRLEN, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff,
		     ip >> 8 & 0xff, ip & 0xff);
	if (with_plen)
		snprintf(buf + n, IP_STRLEN - n, "/%u", p->plen);
	return buf;
}

bool ip_overlap(const struct ip_prefix *a, const struct ip_prefix *b)
{
	uint32_t mask = ip_mask(a->plen < b->plen ? a->plen : b->plen);

	return (a->ip & mask) == (b->ip & mask);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t tmp[6];
	int i, hi, lo;

	if (!s)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (i > 0 && *s++ != ':')
			return -EINVAL;
		hi = hex_digit(s[0]);
		if (hi < 0)
			return -EINVAL;
		lo = hex_digit(s[1]);
		if (lo < 0)
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s != '\0')
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = tmp[i];
	return 0;
}
