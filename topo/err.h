/*
 * err: a sentence for the user, filled by library code that must not print.
 *
 * Functions below tools/ return 0 or -errno; when the cause is something a
 * user can fix, they also describe it here ("link h1-s1: interface name
 * 'eth-very-long-name' is longer than 15 characters").  The caller decides
 * where the sentence goes.
 */
#ifndef LUNET_ERR_H
#define LUNET_ERR_H

#include <stdarg.h>
#include <stdio.h>

struct err {
	char msg[512];
};

/* Formats into err (if not NULL) and returns code, so that callers can
 * write "return err_set(err, -EINVAL, "...", ...);". */
static inline int __attribute__((format(printf, 3, 4)))
err_set(struct err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static inline void err_clear(struct err *err)
{
	if (err)
		err->msg[0] = '\0';
}

#endif
