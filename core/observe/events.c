#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include "core/observe/events.h"

struct events {
	struct timespec start; /* CLOCK_MONOTONIC */
	int fd;                /* -1: no file */
};

struct events *events_new(void)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &ev->start);
	ev->fd = -1;
	return ev;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	if (ev->fd >= 0)
		close(ev->fd);
	free(ev);
}

int events_open(struct events *ev, const char *path)
{
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = -1;
	if (!path)
		return 0;
	ev->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		      0644);
	return ev->fd < 0 ? -errno : 0;
}

double events_clock(const struct events *ev)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - ev->start.tv_sec) +
	       (double)(now.tv_nsec - ev->start.tv_nsec) / 1e9;
}

int events_write(struct events *ev, const struct event_line *l)
{
	struct iovec iov[2] = {
		{ .iov_base = l->buf, .iov_len = l->len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	ssize_t n;

	if (ev->fd < 0)
		return 0;
	if (l->err || !l->buf)
		return l->err ? l->err : -EINVAL;
	/* One call for the line and its newline, so that lines of two
	 * writers never interleave (O_APPEND). */
	n = writev(ev->fd, iov, 2);
	if (n < 0)
		return -errno;
	return (size_t)n == l->len + 1 ? 0 : -EIO;
}

/* ---- Building a line ---------------------------------------------------- */

/* Keeps room for n more bytes and the terminating NUL. */
static bool room(struct event_line *l, size_t n)
{
	size_t cap = l->cap ? l->cap : 256;
	char *buf;

	if (l->err)
		return false;
	if (l->len + n + 1 <= l->cap)
		return true;
	while (l->len + n + 1 > cap)
		cap *= 2;
	buf = realloc(l->buf, cap);
	if (!buf) {
		l->err = -ENOMEM;
		return false;
	}
	l->buf = buf;
	l->cap = cap;
	return true;
}

static void put(struct event_line *l, const char *s, size_t n)
{
	if (!room(l, n))
		return;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void sep(struct event_line *l)
{
	if (l->comma)
		put(l, ",", 1);
	l->comma = false;
}

static void quoted(struct event_line *l, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, run = 0;

	put(l, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\t')
			rep = "\\t";
		else if (c == '\r')
			rep = "\\r";
		else if (c >= 0x20 && c != 0x7f)
			continue;
		put(l, s + run, i - run);
		run = i + 1;
		if (rep) {
			put(l, rep, strlen(rep));
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(l, esc, 6);
		}
	}
	put(l, s + run, len - run);
	put(l, "\"", 1);
}

void event_begin(struct event_line *l, double t, double wall,
		 const char *kind)
{
	char num[64];

	memset(l, 0, sizeof(*l));
	put(l, "{", 1);
	event_key(l, "t");
	snprintf(num, sizeof(num), "%.6f", t);
	put(l, num, strlen(num));
	l->comma = true;
	if (wall >= 0) {
		event_key(l, "ts");
		snprintf(num, sizeof(num), "%.3f", wall);
		put(l, num, strlen(num));
		l->comma = true;
	}
	event_key(l, "event");
	event_str(l, kind, strlen(kind));
}

void event_key(struct event_line *l, const char *key)
{
	sep(l);
	quoted(l, key, strlen(key));
	put(l, ":", 1);
}

void event_str(struct event_line *l, const char *s, size_t len)
{
	sep(l);
	quoted(l, s, len);
	l->comma = true;
}

void event_num(struct event_line *l, double v)
{
	char num[64];

	sep(l);
	if (isfinite(v)) {
		snprintf(num, sizeof(num), "%.9g", v);
		put(l, num, strlen(num));
	} else {
		put(l, "null", 4);
	}
	l->comma = true;
}

void event_int(struct event_line *l, long long v)
{
	char num[32];

	sep(l);
	snprintf(num, sizeof(num), "%lld", v);
	put(l, num, strlen(num));
	l->comma = true;
}

void event_bool(struct event_line *l, bool v)
{
	sep(l);
	put(l, v ? "true" : "false", v ? 4 : 5);
	l->comma = true;
}

void event_null(struct event_line *l)
{
	sep(l);
	put(l, "null", 4);
	l->comma = true;
}

void event_open(struct event_line *l, char c)
{
	sep(l);
	put(l, &c, 1);
}

void event_close(struct event_line *l, char c)
{
	put(l, &c, 1);
	l->comma = true;
}

int event_end(struct event_line *l)
{
	put(l, "}", 1);
	return l->err;
}

void event_line_free(struct event_line *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
