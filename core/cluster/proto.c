/* proto: framing of the coordinator's and the workers' messages (see
 * proto.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cluster/proto.h"

void proto_init(struct proto *p, int in, int out)
{
	p->in = in;
	p->out = out;
	p->head = p->tail = 0;
	p->timeout_ms = -1;
}

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += n;
		len -= n;
	}
	return 0;
}

int proto_send(struct proto *p, const char *verb, const void *data,
	       size_t len)
{
	char head[PROTO_VERB_MAX + 32];
	int n, rc;

	n = snprintf(head, sizeof(head), "%s %zu\n", verb, len);
	if (n < 0 || (size_t)n >= sizeof(head) || strchr(verb, ' '))
		return -EINVAL;
	rc = write_all(p->out, head, n);
	return rc ? rc : write_all(p->out, data, len);
}

int proto_sendf(struct proto *p, const char *verb, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	rc = proto_send(p, verb, s, n);
	free(s);
	return rc;
}

/* More bytes into the read-ahead: 0, -ENODATA at the end, or -errno. */
static int fill(struct proto *p)
{
	struct pollfd pfd = { .fd = p->in, .events = POLLIN };
	ssize_t n;
	int r;

	if (p->head == p->tail)
		p->head = p->tail = 0;
	if (p->tail == sizeof(p->buf)) {
		memmove(p->buf, p->buf + p->head, p->tail - p->head);
		p->tail -= p->head;
		p->head = 0;
	}
	for (;;) {
		r = poll(&pfd, 1, p->timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(p->in, p->buf + p->tail, sizeof(p->buf) - p->tail);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p->tail += n;
		return 0;
	}
}

int proto_recv(struct proto *p, char verb[PROTO_VERB_MAX], char **data,
	       size_t *len, struct err *err)
{
	char *nl, *end, *out;
	unsigned long long n;
	size_t got, take;
	int rc;

	*data = NULL;
	*len = 0;
	while (!(nl = memchr(p->buf + p->head, '\n', p->tail - p->head))) {
		if (p->tail - p->head > PROTO_VERB_MAX + 24)
			goto bad;
		rc = fill(p);
		if (rc == -ENODATA && p->tail != p->head)
			return err_set(err, -EPROTO, "the stream ended inside "
				       "a message header");
		if (rc)
			return rc;
	}
	*nl = 0;
	end = strchr(p->buf + p->head, ' ');
	if (!end || end == p->buf + p->head ||
	    end - (p->buf + p->head) >= PROTO_VERB_MAX)
		goto bad;
	*end = 0;
	errno = 0;
	n = strtoull(end + 1, &out, 10);
	if (errno || *out || out == end + 1 || n > PROTO_MAX)
		goto bad;
	strcpy(verb, p->buf + p->head);
	p->head = nl + 1 - p->buf;
	*data = out = malloc(n + 1);
	if (!out)
		return err_set(err, -ENOMEM, "out of memory");
	for (got = 0; got < n;) {
		if (p->head == p->tail && (rc = fill(p))) {
			free(out);
			*data = NULL;
			return rc == -ENODATA ?
				err_set(err, -EPROTO, "the stream ended inside "
					"a '%s' message (%zu of %llu bytes)",
					verb, got, n) :
				rc;
		}
		take = p->tail - p->head;
		if (take > n - got)
			take = n - got;
		memcpy(out + got, p->buf + p->head, take);
		p->head += take;
		got += take;
	}
	out[n] = 0;
	*len = n;
	return 0;
bad:
	return err_set(err, -EPROTO, "not a lunet message: \"%.40s\"",
		       p->buf + p->head);
}
