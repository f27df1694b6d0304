/*
 * proto: the messages between a coordinator and its workers ("lunet
 * worker"), over a command's standard input and output (ssh, kubectl
 * exec, or a simulated machine's ssh).
 *
 * A message is a header line "<verb> <length>\n" and then <length> bytes
 * of payload (text, lines; the payload of "build" ends with the model in
 * topo/serial.c's format).  The worker speaks first, "hello", whose
 * payload's first line is "lunet-worker <version>"; a coordinator that
 * does not know the version stops there.  Every request gets one reply,
 * "ok" or "error" (its payload the sentence), in order; "progress" and
 * "event" messages may come between.
 */
#ifndef LUNET_PROTO_H
#define LUNET_PROTO_H

#include <stddef.h>

#include "topo/err.h"

#define PROTO_VERSION 1
#define PROTO_VERB_MAX 32
#define PROTO_MAX (256u << 20) /* the largest payload taken */

struct proto {
	int in, out;     /* fds: read from in, write to out */
	char buf[65536]; /* read ahead */
	size_t head, tail;
	int timeout_ms;  /* for each read; -1: wait for ever */
};

void proto_init(struct proto *p, int in, int out);

/* Sends one message.  Returns 0 or -errno (-EPIPE: the peer is gone). */
int proto_send(struct proto *p, const char *verb, const void *data,
	       size_t len);
/* proto_send() of a printf-formatted payload. */
int proto_sendf(struct proto *p, const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reads one message: verb into verb, the payload, NUL-terminated, into a
 * malloc'd *data (the caller frees).  Returns 0, -ENODATA at the end of
 * the stream between messages, -ETIMEDOUT, -EPROTO for a malformed header
 * (err says what came), or -errno. */
int proto_recv(struct proto *p, char verb[PROTO_VERB_MAX], char **data,
	       size_t *len, struct err *err);

#endif
