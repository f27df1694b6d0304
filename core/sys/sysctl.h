/*
 * sysctl: reading and writing /proc/sys files directly (no sysctl(8) in
 * the build path).  Files under /proc/sys/net follow the network
 * namespace of the thread that opens them.
 */
#ifndef LUNET_SYSCTL_H
#define LUNET_SYSCTL_H

#include <stdint.h>

/* Each returns 0 or -errno (-EINVAL for a file that holds no number). */
int sysctl_read_u64(const char *path, uint64_t *v);
int sysctl_write_u64(const char *path, uint64_t v);
int sysctl_write(const char *path, const char *value);

#endif
