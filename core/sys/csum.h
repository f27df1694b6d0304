/*
 * csum: the Internet checksum (RFC 1071) over a buffer, in network byte
 * order, for the ICMP packets the prober and the streams build and check.
 * Inline so that each module's unit test links only that module.
 */
#ifndef LUNET_CSUM_H
#define LUNET_CSUM_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t inet_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

#endif
