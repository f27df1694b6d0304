/*
 * ip: IPv4 addresses and prefixes, parsed and printed.
 *
 * Addresses are kept in host byte order so that subnet arithmetic reads
 * naturally; the netlink builders convert when they write attributes.
 */
#ifndef LUNET_IP_H
#define LUNET_IP_H

#include <stdbool.h>
#include <stdint.h>

#define IP_STRLEN 19 /* "255.255.255.255/32" + NUL */

struct ip_prefix {
	uint32_t ip; /* host byte order */
	uint8_t plen;
};

/* Parses "a.b.c.d" or "a.b.c.d/len".  Without "/len", plen is def_plen.
 * Returns 0 or -EINVAL. */
int ip_parse(const char *s, uint8_t def_plen, struct ip_prefix *out);

/* Writes "a.b.c.d/len" (with_plen) or "a.b.c.d" into buf (IP_STRLEN bytes);
 * returns buf. */
char *ip_format(const struct ip_prefix *p, bool with_plen, char *buf);

static inline uint32_t ip_mask(uint8_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

static inline uint32_t ip_network(const struct ip_prefix *p)
{
	return p->ip & ip_mask(p->plen);
}

/* True when a and b overlap (one contains the other). */
bool ip_overlap(const struct ip_prefix *a, const struct ip_prefix *b);

/* True when ip lies inside p. */
static inline bool ip_contains(const struct ip_prefix *p, uint32_t ip)
{
	return (ip & ip_mask(p->plen)) == ip_network(p);
}

/* Parses "02:00:00:00:00:01".  Returns 0 or -EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);

#endif
