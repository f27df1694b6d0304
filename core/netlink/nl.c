/*
 * nl: the netlink transport.
 *
 * rtnetlink handles a request synchronously inside sendmsg(), queueing one
 * ACK (or error) per request on our socket before sendmsg() returns.  A
 * batch is therefore sent in chunks small enough for all of a chunk's ACKs
 * to fit the receive buffer at once; otherwise the kernel drops ACKs and
 * flags the socket with ENOBUFS.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "core/netlink/nl.h"

/* Socket buffers asked for: room for thousands of ACKs in flight. */
#define NL_SOCK_BUF (4 << 20)
/* Bytes of requests per sendmsg(). */
#define NL_CHUNK_BYTES (64 << 10)
/* What one queued ACK costs against the receive buffer (its skb's
 * truesize).  Measured on 6.18: 64 ACKs fit in 64 KiB, 85 do not; this
 * leaves a margin of two for error replies with text. */
#define NL_ACK_COST 2048
/* Receive buffer.  The kernel sizes dump skbs after our largest recvmsg()
 * but caps them at 32 KiB; twice that leaves room for one big message. */
#define NL_RECV_SIZE (64 << 10)

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;        /* next sequence number to hand out */
	size_t chunk_max;    /* requests whose ACKs the receive buffer holds */
};

struct nl_batch {
	char *buf;
	size_t len;
	size_t size;
	uint32_t *tags;
	unsigned char *acked;
	size_t count;
	size_t cap;
};

static int sock_flag_set(struct mnl_socket *sock, int opt)
{
	int one = 1;

	if (mnl_socket_setsockopt(sock, opt, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

/* SO_*BUFFORCE passes net.core.[rw]mem_max but needs CAP_NET_ADMIN; the
 * plain option is silently capped at the limit. */
static int sock_buf_set(int fd, int force, int opt, int size)
{
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) == 0)
		return 0;
	return -errno;
}

/* The number of ACKs the receive buffer really holds (getsockopt reports
 * the doubled value the kernel accounts against). */
static size_t sock_ack_room(int fd)
{
	socklen_t optlen;
	int size;

	optlen = sizeof(size);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &optlen) < 0 ||
	    size < NL_ACK_COST)
		return 1;
	return (size_t)size / NL_ACK_COST;
}

static int sock_setup(struct nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int err;

	err = sock_flag_set(nl->sock, NETLINK_CAP_ACK);
	if (err < 0)
		return err;
	/* Before Linux 4.12 there is no extended ACK: errors come without
	 * text, which is worse but not wrong. */
	sock_flag_set(nl->sock, NETLINK_EXT_ACK);
	err = sock_buf_set(fd, SO_SNDBUFFORCE, SO_SNDBUF, NL_SOCK_BUF);
	if (err < 0)
		return err;
	err = sock_buf_set(fd, SO_RCVBUFFORCE, SO_RCVBUF, NL_SOCK_BUF);
	if (err < 0)
		return err;
	nl->chunk_max = sock_ack_room(fd);
	return 0;
}

struct nl *nl_open(void)
{
	struct nl *nl;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = -errno;
		goto err_free;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_close;
	}
	err = sock_setup(nl);
	if (err < 0)
		goto err_close;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1;
	return nl;

err_close:
	mnl_socket_close(nl->sock);
err_free:
	free(nl);
	errno = -err;
	return NULL;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Hands out n consecutive sequence numbers.  Zero is never used: libmnl
 * and the kernel's notifications treat seq 0 as "any". */
static uint32_t seq_take(struct nl *nl, size_t n)
{
	uint32_t seq;

	if (nl->seq == 0 || (uint64_t)nl->seq + n > UINT32_MAX)
		nl->seq = 1;
	seq = nl->seq;
	nl->seq += n;
	return seq;
}

struct nl_batch *nl_batch_new(size_t size)
{
	struct nl_batch *b;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->size = size ? size : MNL_SOCKET_BUFFER_SIZE;
	b->buf = malloc(b->size);
	if (!b->buf)
		goto err_free;
	return b;

err_free:
	free(b);
	errno = ENOMEM;
	return NULL;
}

void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->tags);
	free(b->acked);
	free(b);
}

void *nl_batch_tail(struct nl_batch *b)
{
	return b->buf + b->len;
}

size_t nl_batch_room(const struct nl_batch *b)
{
	return b->size - b->len;
}

int nl_batch_reserve(struct nl_batch *b, size_t len)
{
	size_t size = b->size;
	char *buf;

	if (len <= nl_batch_room(b))
		return 0;
	if (len > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	while (size - b->len < len)
		size *= 2;
	buf = realloc(b->buf, size);
	if (!buf)
		return -ENOMEM;
	b->buf = buf;
	b->size = size;
	return 0;
}

/* Grows the per-request arrays (tags, ACK marks) to hold one more. */
static int batch_slots_grow(struct nl_batch *b)
{
	size_t cap = b->cap ? b->cap * 2 : 64;
	unsigned char *acked;
	uint32_t *tags;

	tags = realloc(b->tags, cap * sizeof(*tags));
	if (!tags)
		return -ENOMEM;
	b->tags = tags;
	acked = realloc(b->acked, cap);
	if (!acked)
		return -ENOMEM;
	b->acked = acked;
	b->cap = cap;
	return 0;
}

int nl_batch_push(struct nl_batch *b, struct nlmsghdr *nlh, uint32_t tag)
{
	int err;

	if ((char *)nlh != b->buf + b->len || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    MNL_ALIGN(nlh->nlmsg_len) > nl_batch_room(b))
		return -EINVAL;
	if (b->count == b->cap) {
		err = batch_slots_grow(b);
		if (err < 0)
			return err;
	}
	/* Matching relies on one reply per request. */
	nlh->nlmsg_flags |= NLM_F_ACK;
	b->tags[b->count++] = tag;
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	return 0;
}

size_t nl_batch_count(const struct nl_batch *b)
{
	return b->count;
}

void nl_batch_reset(struct nl_batch *b)
{
	b->len = 0;
	b->count = 0;
}

uint32_t nl_batch_tag(const struct nl_batch *b, size_t i)
{
	return b->tags[i];
}

static void fail_clear(struct nl_fail *fail)
{
	fail->tag = UINT32_MAX;
	fail->error = 0;
	fail->msg[0] = '\0';
}

/* Copies the kernel's NLMSGERR_ATTR_MSG, which follows the echoed request
 * header (or the whole request, when the socket lacks NETLINK_CAP_ACK). */
static void extack_copy(const struct nlmsghdr *nlh, char *msg, size_t size)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	if (MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(msg, size, "%s", mnl_attr_get_str(attr));
		return;
	}
}

/* One reply of a batch: 1 when it answers a request of the range for the
 * first time, 0 when it is not for us, -EPROTO when it is malformed. */
static int ack_take(const struct nlmsghdr *nlh, uint32_t portid,
		    uint32_t seq0, size_t n, const uint32_t *tags,
		    unsigned char *acked, struct nl_fail *fail)
{
	const struct nlmsgerr *err;
	uint32_t i = nlh->nlmsg_seq - seq0;

	if (nlh->nlmsg_type != NLMSG_ERROR || i >= n ||
	    (portid && nlh->nlmsg_pid != portid))
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return -EPROTO;
	err = mnl_nlmsg_get_payload(nlh);
	if (err->error > 0)
		return -EPROTO;
	if (acked[i])
		return 0;
	acked[i] = 1;
	if (err->error < 0 && fail->error == 0) {
		fail->tag = tags[i];
		fail->error = err->error;
		fail->msg[0] = '\0';
		extack_copy(nlh, fail->msg, sizeof(fail->msg));
	}
	return 1;
}

int nl_parse_acks_portid(const void *buf, size_t len, uint32_t portid,
			 uint32_t seq0, size_t n, const uint32_t *tags,
			 unsigned char *acked, struct nl_fail *fail)
{
	const struct nlmsghdr *nlh = buf;
	int left, found = 0, ret;

	if (len > INT_MAX)
		return -EPROTO;
	left = (int)len;
	while (mnl_nlmsg_ok(nlh, left)) {
		ret = ack_take(nlh, portid, seq0, n, tags, acked, fail);
		if (ret < 0)
			return ret;
		found += ret;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	/* The last message may lack its alignment padding (left < 0), but
	 * anything left over is a truncated message. */
	return left > 0 ? -EPROTO : found;
}

int nl_parse_acks(const void *buf, size_t len, uint32_t seq0, size_t n,
		  const uint32_t *tags, unsigned char *acked,
		  struct nl_fail *fail)
{
	return nl_parse_acks_portid(buf, len, 0, seq0, n, tags, acked, fail);
}

/* Receives one datagram from the kernel.  Returns its length or -errno;
 * -ENOBUFS means the kernel dropped replies because the receive buffer
 * was full.  libmnl reports a datagram from another process as ESRCH:
 * it is not an answer, so it is skipped. */
static ssize_t sock_recv(struct nl *nl, void *buf, size_t size)
{
	ssize_t r;

	do
		r = mnl_socket_recvfrom(nl->sock, buf, size);
	while (r < 0 && (errno == EINTR || errno == ESRCH));
	if (r < 0)
		return -errno;
	return r ? r : -EPROTO;
}

/* Empties the receive queue after a failed exchange.  Once the kernel has
 * dropped a reply for lack of room it drops every later one too, without
 * a second ENOBUFS, until the queue has been emptied: the next batch
 * would wait forever for its ACKs. */
static void sock_drain(struct nl *nl, void *rbuf)
{
	int fd = mnl_socket_get_fd(nl->sock);

	while (recv(fd, rbuf, NL_RECV_SIZE, MSG_DONTWAIT) >= 0 ||
	       errno == EINTR || errno == ENOBUFS)
		;
}

/* Numbers the requests of the chunk starting at request first, byte off,
 * and returns how many it holds; *bytes gets its length.  A chunk holds
 * at least one request, however large. */
static size_t chunk_number(struct nl_batch *b, size_t first, size_t off,
			   uint32_t seq, size_t max, size_t *bytes)
{
	struct nlmsghdr *nlh;
	size_t i, end = off;

	for (i = first; i < b->count && i - first < max; i++) {
		nlh = (struct nlmsghdr *)(b->buf + end);
		if (i > first &&
		    end - off + MNL_ALIGN(nlh->nlmsg_len) > NL_CHUNK_BYTES)
			break;
		nlh->nlmsg_seq = seq + (i - first);
		nlh->nlmsg_pid = 0;
		end += MNL_ALIGN(nlh->nlmsg_len);
	}
	*bytes = end - off;
	return i - first;
}

/* Sends one chunk and reads replies until each of its n requests is
 * answered. */
static int chunk_send(struct nl *nl, struct nl_batch *b, size_t first,
		      size_t off, size_t bytes, uint32_t seq, size_t n,
		      void *rbuf, struct nl_fail *fail)
{
	size_t answered = 0;
	ssize_t r;
	int ret;

	if (mnl_socket_sendto(nl->sock, b->buf + off, bytes) < 0)
		return -errno;
	while (answered < n) {
		r = sock_recv(nl, rbuf, NL_RECV_SIZE);
		if (r < 0)
			return (int)r;
		ret = nl_parse_acks_portid(rbuf, r, nl->portid, seq, n,
					   b->tags + first, b->acked + first,
					   fail);
		if (ret < 0)
			return ret;
		answered += ret;
	}
	return 0;
}

static int batch_send_chunks(struct nl *nl, struct nl_batch *b,
			     void *rbuf, struct nl_fail *fail)
{
	size_t first = 0, off = 0, n, bytes;
	uint32_t seq0;
	int err;

	seq0 = seq_take(nl, b->count);
	memset(b->acked, 0, b->count);
	while (first < b->count) {
		n = chunk_number(b, first, off, seq0 + first, nl->chunk_max,
				 &bytes);
		err = chunk_send(nl, b, first, off, bytes, seq0 + first, n,
				 rbuf, fail);
		if (err < 0) {
			sock_drain(nl, rbuf);
			return err;
		}
		first += n;
		off += bytes;
	}
	return 0;
}

int nl_batch_send(struct nl *nl, struct nl_batch *b, struct nl_fail *fail)
{
	struct nl_fail local;
	void *rbuf;
	int err;

	if (!fail)
		fail = &local;
	fail_clear(fail);
	if (b->count == 0)
		return 0;
	rbuf = malloc(NL_RECV_SIZE);
	if (!rbuf)
		err = -ENOMEM;
	else
		err = batch_send_chunks(nl, b, rbuf, fail);
	free(rbuf);
	if (err < 0) {
		fail_clear(fail);
		fail->error = err;
		return err;
	}
	return fail->error;
}

/* NLMSG_DONE carries the dump's final status (0 or -errno) since Linux
 * 4.x; older kernels send it empty. */
static int dump_done(const struct nlmsghdr *nlh)
{
	int status = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(status))
		memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
	if (status < 0)
		return status;
	return nlh->nlmsg_flags & NLM_F_DUMP_INTR ? -EINTR : 0;
}

/* One message of a dump reply: 1 to go on, 0 at the end, or -errno. */
static int dump_take(const struct nlmsghdr *nlh, uint32_t seq,
		     uint32_t portid, nl_dump_cb cb, void *data)
{
	const struct nlmsgerr *err;

	if (nlh->nlmsg_seq != seq || (portid && nlh->nlmsg_pid != portid))
		return 1;
	switch (nlh->nlmsg_type) {
	case NLMSG_DONE:
		return dump_done(nlh);
	case NLMSG_ERROR:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
			return -EPROTO;
		err = mnl_nlmsg_get_payload(nlh);
		return err->error > 0 ? -EPROTO : err->error;
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return 1;
	default:
		return cb(nlh, data);
	}
}

int nl_parse_dump(const void *buf, size_t len, uint32_t seq, uint32_t portid,
		  nl_dump_cb cb, void *data)
{
	const struct nlmsghdr *nlh = buf;
	int left, ret;

	if (len > INT_MAX)
		return -EPROTO;
	left = (int)len;
	while (mnl_nlmsg_ok(nlh, left)) {
		ret = dump_take(nlh, seq, portid, cb, data);
		if (ret <= 0)
			return ret;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return left > 0 ? -EPROTO : 1;
}

/* The caller's callback behind a guard: once it stops, the rest of the
 * dump is still read (a socket with a dump in progress refuses the next
 * one with EBUSY) but no longer shown to it. */
struct dump_guard {
	nl_dump_cb cb;
	void *data;
	int status;  /* 1 while the caller wants more; its last answer */
	bool intr;
};

static int dump_guard_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_guard *g = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		g->intr = true;
	if (g->status == MNL_CB_OK)
		g->status = g->cb(nlh, g->data);
	return MNL_CB_OK;
}

static int dump_read(struct nl *nl, uint32_t seq, struct dump_guard *g)
{
	void *rbuf;
	ssize_t r;
	int ret;

	rbuf = malloc(NL_RECV_SIZE);
	if (!rbuf)
		return -ENOMEM;
	do {
		r = sock_recv(nl, rbuf, NL_RECV_SIZE);
		ret = r < 0 ? (int)r :
			      nl_parse_dump(rbuf, r, seq, nl->portid,
					    dump_guard_cb, g);
	} while (ret > 0);
	/* A dump left half read keeps the socket busy (EBUSY) for the next
	 * one. */
	if (ret < 0)
		sock_drain(nl, rbuf);
	free(rbuf);
	return ret;
}

int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data)
{
	struct dump_guard g = { .cb = cb, .data = data, .status = MNL_CB_OK };
	uint32_t seq;
	int ret;

	seq = seq_take(nl, 1);
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	ret = dump_read(nl, seq, &g);
	if (ret < 0)
		return ret;
	if (g.status < 0)
		return g.status;
	return g.intr ? -EINTR : 0;
}
