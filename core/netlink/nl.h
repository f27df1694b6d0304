/*
 * nl: the netlink transport.  Opens rtnetlink sockets with NETLINK_CAP_ACK
 * and NETLINK_EXT_ACK, sends batches of requests built by core/netlink/rtnl.h and
 * matches every ACK back to its request by sequence number.
 *
 * A socket lives in the network namespace of the thread that opened it, so
 * the engine opens one inside a node's namespace to configure that node.
 */
#ifndef LUNET_NL_H
#define LUNET_NL_H

#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"

struct nl;
struct nlmsghdr;

/* Opens an rtnetlink socket in the calling thread's current network
 * namespace.  Returns NULL with errno set. */
struct nl *nl_open(void);
void nl_close(struct nl *nl);

/* A batch of requests.  Each request carries a caller tag (for example a
 * link index) that comes back when the kernel refuses it. */
struct nl_batch;

/* Returns a new batch able to hold at least size bytes of requests, or
 * NULL (errno set).  It grows as requests are added. */
struct nl_batch *nl_batch_new(size_t size);
void nl_batch_free(struct nl_batch *b);

/* Room for the next request: build it at nl_batch_tail() with at most
 * nl_batch_room() bytes, then call nl_batch_push() with the returned
 * message.  nl_batch_reserve() makes sure at least len bytes are free. */
void *nl_batch_tail(struct nl_batch *b);
size_t nl_batch_room(const struct nl_batch *b);
int nl_batch_reserve(struct nl_batch *b, size_t len);

/* Accepts the request just built at the tail, with its tag.  Returns 0 or
 * -errno.
 * -EINVAL when nlh is not at the tail or overruns it.  Sets NLM_F_ACK on
 * the request: every request must be answered for the matching to end. */
int nl_batch_push(struct nl_batch *b, struct nlmsghdr *nlh, uint32_t tag);

/* Number of requests in the batch; empties it. */
size_t nl_batch_count(const struct nl_batch *b);
void nl_batch_reset(struct nl_batch *b);

/* The tag of request i (i < nl_batch_count(b)). */
uint32_t nl_batch_tag(const struct nl_batch *b, size_t i);

/* What went wrong with one request. */
struct nl_fail {
	uint32_t tag;   /* the request's tag */
	int error;      /* negative errno from the kernel */
	char msg[256];  /* the kernel's extended ACK text, or "" */
};

/* Sends every request of b on nl (in chunks that fit the socket buffers),
 * and reads one ACK per request, matched by seq.  Requests after a failed
 * one are still processed by the kernel; the first failure is reported in
 * fail.  Returns 0 when all succeeded, the first failure's -errno
 * otherwise, or another -errno for a transport error (fail->tag is then
 * UINT32_MAX).  The batch is left unchanged. */
int nl_batch_send(struct nl *nl, struct nl_batch *b, struct nl_fail *fail);

/* Parses one received buffer of ACKs/errors for seqs [seq0, seq0+n):
 * marks acked[seq - seq0] and records the first error in fail (its tag is
 * tags[seq - seq0]).  Returns the number of ACKs found, or -EPROTO for a
 * malformed buffer.  Exposed for unit tests on canned replies.
 * An error reply counts as an answer too; replies outside the range,
 * other messages and repeated answers are skipped.  fail is written only
 * while fail->error is 0, so clear it before the first buffer. */
int nl_parse_acks(const void *buf, size_t len, uint32_t seq0, size_t n,
		  const uint32_t *tags, unsigned char *acked,
		  struct nl_fail *fail);

/* nl_parse_acks() that also skips replies addressed to another port id
 * than portid (0 accepts any). */
int nl_parse_acks_portid(const void *buf, size_t len, uint32_t portid,
			 uint32_t seq0, size_t n, const uint32_t *tags,
			 unsigned char *acked, struct nl_fail *fail);

/* Sends a dump request built at req and calls cb for every message of the
 * reply until NLMSG_DONE.  cb returns MNL_CB_OK to go on.  Returns 0 or
 * -errno.
 * req gets its seq and NLM_F_DUMP here.  cb may end early with
 * MNL_CB_STOP (nl_dump returns 0) or a -errno (returned); the rest of the
 * reply is then read and dropped, so the socket is ready for the next
 * request.  -EINTR means the kernel flagged the dump as inconsistent
 * (the table changed meanwhile): cb saw every message; retry if needed. */
typedef int (*nl_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_dump_cb cb, void *data);

/* Parses one received buffer of the reply to the dump request seq,
 * skipping messages of other seqs or port ids (portid 0 accepts any), and
 * calls cb for each data message.  Returns 1 when more is to come, 0 at
 * NLMSG_DONE (or when cb returns MNL_CB_STOP), the kernel's -errno from
 * NLMSG_ERROR or NLMSG_DONE, a negative value returned by cb, -EINTR for
 * an NLMSG_DONE flagged NLM_F_DUMP_INTR, or -EPROTO for a malformed
 * buffer.  Exposed for unit tests on canned replies. */
int nl_parse_dump(const void *buf, size_t len, uint32_t seq, uint32_t portid,
		  nl_dump_cb cb, void *data);

#endif
