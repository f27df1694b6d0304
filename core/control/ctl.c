#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/control/ctl.h"

#define HDR 5

struct ctl_conn {
	ev_io io;
	int fd;
	bool broken;    /* a reply failed: close once the handler returns */
	char *buf;      /* bytes received, not yet a whole frame */
	size_t len, cap;
	struct ctl_server *srv;
	struct ctl_conn *next;
};

struct ctl_server {
	ev_io io; /* the listening socket */
	struct ev_loop *loop;
	char *path;
	char *hello;
	ctl_handler *fn;
	void *arg;
	int held;
	struct ctl_conn *conns;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int ctl_send(int fd, int type, const void *buf, size_t len)
{
	unsigned char hdr[HDR];
	int rc;

	if (len > CTL_MAX_FRAME)
		return -EMSGSIZE;
	hdr[0] = type;
	hdr[1] = len >> 24;
	hdr[2] = len >> 16;
	hdr[3] = len >> 8;
	hdr[4] = len;
	rc = write_all(fd, hdr, HDR);
	return rc || !len ? rc : write_all(fd, buf, len);
}

static void encode_status(unsigned char b[4], int status)
{
	b[0] = (unsigned)status >> 24;
	b[1] = (unsigned)status >> 16;
	b[2] = (unsigned)status >> 8;
	b[3] = (unsigned)status;
}

int ctl_send_status(int fd, int status)
{
	unsigned char b[4];

	encode_status(b, status);
	return ctl_send(fd, CTL_EXIT, b, sizeof(b));
}

int ctl_status(const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;

	if (len != 4)
		return 1;
	return (int)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		     (uint32_t)b[2] << 8 | b[3]);
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

static size_t frame_len(const unsigned char *hdr)
{
	return (size_t)hdr[1] << 24 | (size_t)hdr[2] << 16 |
	       (size_t)hdr[3] << 8 | hdr[4];
}

int ctl_recv(int fd, int *type, char **buf, size_t *len)
{
	unsigned char hdr[HDR];
	size_t n;
	char *p;
	int rc;

	rc = read_all(fd, hdr, HDR);
	if (rc)
		return rc;
	n = frame_len(hdr);
	if (n > CTL_MAX_FRAME)
		return -EPROTO;
	p = malloc(n + 1);
	if (!p)
		return -ENOMEM;
	rc = read_all(fd, p, n);
	if (rc) {
		free(p);
		return rc == -ECONNRESET ? -EPROTO : rc;
	}
	p[n] = '\0';
	*type = hdr[0];
	*buf = p;
	*len = n;
	return 0;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	rc = fill_addr(&sa, path);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = errno == ECONNREFUSED ? -ENOENT : -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void conn_close(struct ctl_conn *c)
{
	struct ctl_server *s = c->srv;
	struct ctl_conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ev_io_stop(s->loop, &c->io);
	close(c->fd);
	free(c->buf);
	free(c);
}

int ctl_reply(struct ctl_conn *c, int type, const void *buf, size_t len)
{
	int rc;

	if (c->broken)
		return -EPIPE;
	rc = ctl_send(c->fd, type, buf, len);
	if (rc)
		c->broken = true;
	return rc;
}

int ctl_reply_status(struct ctl_conn *c, int status)
{
	unsigned char b[4];

	encode_status(b, status);
	return ctl_reply(c, CTL_EXIT, b, sizeof(b));
}

/* Hands every whole frame received so far to the handler.  Returns -1
 * when the connection must be closed. */
static int dispatch(struct ctl_conn *c)
{
	struct ctl_server *s = c->srv;
	size_t n, off = 0;
	char save;

	while (c->len - off >= HDR) {
		n = frame_len((unsigned char *)c->buf + off);
		if (n > CTL_MAX_FRAME)
			return -1;
		if (c->len - off - HDR < n)
			break;
		/* The payload is NUL-terminated in place for the handler:
		 * the byte after it is saved and put back. */
		save = c->buf[off + HDR + n];
		c->buf[off + HDR + n] = '\0';
		ctl_server_hold(s, true);
		s->fn(s->arg, c, (unsigned char)c->buf[off], c->buf + off + HDR,
		      n);
		ctl_server_hold(s, false);
		c->buf[off + HDR + n] = save;
		off += HDR + n;
		if (c->broken)
			return -1;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

static void on_conn(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_conn *c = (struct ctl_conn *)w;
	size_t ncap;
	char *nbuf;
	ssize_t n;

	if (c->cap - c->len < 4096) {
		ncap = c->cap * 2;
		if (ncap > CTL_MAX_FRAME + 2 * HDR)
			goto err_close;
		nbuf = realloc(c->buf, ncap);
		if (!nbuf)
			goto err_close;
		c->buf = nbuf;
		c->cap = ncap;
	}
	/* One byte is kept free for dispatch()'s terminating NUL. */
	n = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		goto err_close;
	c->len += n;
	if (dispatch(c))
		goto err_close;
	return;

err_close:
	conn_close(c);
}

/* Only root, or the user the server runs as, may talk to it; the mode of
 * the socket says the same, this says it again. */
static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_server *s = (struct ctl_server *)w;
	struct timeval tv = { 10, 0 };
	struct ctl_conn *c;
	int fd;

	fd = accept4(s->io.fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* Replies are written blocking; a client that stops reading must
	 * not hang the emulation's owner for ever. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c = calloc(1, sizeof(*c));
	if (c)
		c->buf = malloc(8192);
	if (!c || !c->buf || !peer_allowed(fd) ||
	    ctl_send(fd, CTL_HELLO, s->hello, strlen(s->hello))) {
		if (c)
			free(c->buf);
		free(c);
		close(fd);
		return;
	}
	c->cap = 8192;
	c->fd = fd;
	c->srv = s;
	c->next = s->conns;
	s->conns = c;
	ev_io_init(&c->io, on_conn, fd, EV_READ);
	if (!s->held)
		ev_io_start(loop, &c->io);
}

struct ctl_server *ctl_server_new(struct ev_loop *loop, const char *path,
				  const char *hello, ctl_handler *fn,
				  void *arg, int *err)
{
	struct sockaddr_un sa;
	struct ctl_server *s;
	int fd = -1;

	*err = fill_addr(&sa, path);
	if (*err)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto err_nomem;
	s->path = strdup(path);
	s->hello = strdup(hello);
	if (!s->path || !s->hello)
		goto err_nomem;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto err_errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err_errno;
	if (chmod(path, 0600) < 0 || listen(fd, 16) < 0)
		goto err_unlink;
	s->loop = loop;
	s->fn = fn;
	s->arg = arg;
	ev_io_init(&s->io, on_accept, fd, EV_READ);
	ev_io_start(loop, &s->io);
	return s;

err_unlink:
	*err = -errno;
	unlink(path);
	goto err_free;
err_errno:
	*err = -errno;
	goto err_free;
err_nomem:
	*err = -ENOMEM;
err_free:
	if (fd >= 0)
		close(fd);
	if (s) {
		free(s->path);
		free(s->hello);
	}
	free(s);
	return NULL;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_close(s->conns);
	ev_io_stop(s->loop, &s->io);
	close(s->io.fd);
	unlink(s->path);
	free(s->path);
	free(s->hello);
	free(s);
}

void ctl_server_hold(struct ctl_server *s, bool hold)
{
	struct ctl_conn *c;

	if (!s)
		return;
	if (hold && s->held++)
		return;
	if (!hold && --s->held)
		return;
	if (hold)
		ev_io_stop(s->loop, &s->io);
	else
		ev_io_start(s->loop, &s->io);
	for (c = s->conns; c; c = c->next) {
		if (hold)
			ev_io_stop(s->loop, &c->io);
		else
			ev_io_start(s->loop, &c->io);
	}
}
