/*
 * probe: ICMP echo from raw sockets opened inside the source namespaces.
 *
 * Every pair is in one of four states.  FRESH pairs have never been sent
 * and are taken in index order.  A WAITING pair sits in the wait list,
 * which is ordered by send time: every request has the same timeout, so
 * the head of that list is always the next one to expire and one ev_timer
 * is enough for all of them.  A pair whose request expired with tries left
 * goes to the retry list (RETRY) until a slot frees up, and a pair that got
 * its reply or used its tries is DONE.  Both lists are threaded through
 * the per-pair slots, so nothing is allocated once the run has started.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <ev.h>

#include "core/sys/netns.h"
#include "core/sys/csum.h"
#include "core/observe/probe.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define NONE UINT32_MAX
#define NSEC 1000000000ULL

#define DEF_TIMEOUT 1.0
#define DEF_TRIES 3
#define DEF_INFLIGHT 256

/* Sends refused for a full send buffer that do not count as tries. */
#define DEFER_MAX 3

/* Replies read per recvmmsg() call, and room for one: IP header with
 * options (60) plus our echo, rounded up. */
#define BATCH 32
#define REPLY_MAX 256

/* A burst of replies costs about one skb truesize (under 2 KiB for these
 * small packets) each; size the socket buffers for every request in
 * flight at once, within these bounds. */
#define BUF_PER_REQ 2048
#define BUF_MIN (256 * 1024)
#define BUF_MAX (64 * 1024 * 1024)

enum { FRESH, WAITING, RETRY, DONE };

/* The whole echo message.  Only this process reads the payload back, so
 * it stays in host byte order. */
struct echo {
	struct icmphdr hdr;
	uint32_t cookie;	/* per run, against stray replies with our id */
	uint32_t pair;		/* index into pairs */
	uint32_t try;		/* 1 for the first request of a pair */
	uint32_t pad;
	uint64_t sent;		/* CLOCK_MONOTONIC, ns */
};

struct slot {
	uint64_t sent;		/* when the last request left, ns */
	uint32_t prev, next;	/* links in the wait or retry list */
	uint8_t state;
	uint8_t held;		/* the request counts towards inflight */
	uint8_t deferred;	/* sends refused with EAGAIN so far */
};

struct list {
	uint32_t head, tail;
};

struct psock {
	ev_io io;
	struct prober *pr;
	uint32_t src;
	int fd;			/* -1 when no pair starts at this source */
};

struct prober {
	struct ev_loop *loop;
	struct probe_pair *pairs;
	struct slot *slots;
	size_t npairs;
	struct psock *socks;
	size_t nsrcs;
	ev_timer timer;

	uint64_t timeout;	/* ns */
	int tries;
	size_t inflight;

	size_t outstanding;	/* held requests */
	size_t finished;	/* DONE pairs */
	size_t next;		/* first FRESH pair */
	struct list wait;
	struct list retry;
	int answered;

	uint32_t cookie;
	uint16_t id;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void list_add_tail(struct slot *slots, struct list *l, uint32_t i)
{
	slots[i].prev = l->tail;
	slots[i].next = NONE;
	if (l->tail != NONE)
		slots[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_del(struct slot *slots, struct list *l, uint32_t i)
{
	struct slot *s = &slots[i];

	if (s->prev != NONE)
		slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != NONE)
		slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NONE;
}

/* Echo ids are 16 bits shared by every raw socket of a namespace; the
 * counter keeps two runs of one process apart and the cookie catches
 * another process that happens to use the same id. */
static void pick_ids(struct prober *pr)
{
	static unsigned int runs;
	unsigned int run = __atomic_fetch_add(&runs, 1, __ATOMIC_RELAXED);
	uint32_t pid = (uint32_t)getpid();
	uint64_t t = now_ns();

	pr->id = (uint16_t)(pid * 31 + run);
	pr->cookie = (uint32_t)(t ^ (t >> 32)) ^ pid << 16 ^ run;
}

/* ---- Sockets ---------------------------------------------------------- */

/* A raw socket belongs to the namespace it was created in, whatever
 * thread uses it later, so step in just for socket() and back to home. */
static int open_in_ns(const char *path, int home)
{
	int fd, err;

	err = netns_enter(path);
	if (err)
		return err;
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
	err = fd < 0 ? -errno : 0;
	if (netns_return(home) < 0) {
		err = -EBADF;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	return fd < 0 ? err : fd;
}

/* SO_RCVBUF and SO_SNDBUF are capped by net.core.[rw]mem_max; the FORCE
 * variants are not, but need CAP_NET_ADMIN.  A smaller buffer is no
 * error: it only costs drops and deferred sends, which are retried. */
static void size_buf(int fd, int force, int opt, size_t inflight)
{
	size_t want = inflight * BUF_PER_REQ;
	int size;

	if (want < BUF_MIN)
		want = BUF_MIN;
	if (want > BUF_MAX)
		want = BUF_MAX;
	size = (int)want;
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static int setup_sock(int fd, size_t inflight)
{
	struct icmp_filter filt = { .data = ~(1U << ICMP_ECHOREPLY) };

	size_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, inflight);
	/* Requests to a neighbour that does not answer ARP stay charged to
	 * the socket while they wait in the neighbour's queue (up to 3 s),
	 * long after their timeout. */
	size_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, inflight);

	/* A raw ICMP socket gets every ICMP message of its namespace: let
	 * the kernel drop all but echo replies before they fill the queue. */
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) < 0)
		return -errno;
	return 0;
}

static void close_socks(struct prober *pr)
{
	size_t i;

	for (i = 0; i < pr->nsrcs; i++) {
		struct psock *s = &pr->socks[i];

		if (s->fd < 0)
			continue;
		if (ev_is_active(&s->io))
			ev_io_stop(pr->loop, &s->io);
		close(s->fd);
		s->fd = -1;
	}
}

/* Opens the sockets of the sources that appear in pairs, one at a time,
 * so that besides them only home and one namespace fd are open. */
static int open_socks(struct prober *pr, const char *const *srcs)
{
	size_t i;
	int home, fd, err = 0;

	home = netns_open_self();
	if (home < 0)
		return home;
	for (i = 0; i < pr->npairs; i++) {
		struct psock *s = &pr->socks[pr->pairs[i].src];

		if (s->fd >= 0)
			continue;
		fd = open_in_ns(srcs[s->src], home);
		if (fd < 0) {
			err = fd;
			break;
		}
		s->fd = fd;
		err = setup_sock(fd, pr->inflight);
		if (err)
			break;
	}
	close(home);
	return err;
}

/* ---- Requests and replies -------------------------------------------- */

/* Releases the inflight slot of pair i, if its request holds one. */
static void release(struct prober *pr, uint32_t i)
{
	if (pr->slots[i].held) {
		pr->slots[i].held = 0;
		pr->outstanding--;
	}
}

static void finish(struct prober *pr, uint32_t i)
{
	pr->slots[i].state = DONE;
	pr->finished++;
}

static int send_echo(struct prober *pr, uint32_t i, uint64_t *sent)
{
	const struct probe_pair *p = &pr->pairs[i];
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(p->dst_ip),
	};
	struct echo e = {
		.hdr.type = ICMP_ECHO,
		.hdr.un.echo.id = htons(pr->id),
		.hdr.un.echo.sequence = htons((uint16_t)(p->tries + 1)),
		.cookie = pr->cookie,
		.pair = i,
		.try = (uint32_t)p->tries + 1,
	};

	*sent = e.sent = now_ns();
	e.hdr.checksum = inet_csum(&e, sizeof(e));
	if (sendto(pr->socks[p->src].fd, &e, sizeof(e), 0,
		   (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

static int is_full(int err)
{
	return err == -EAGAIN || err == -ENOBUFS || err == -EINTR;
}

/* Sends one request for pair i and puts it in the wait list.
 *
 * A failed send (EHOSTUNREACH, ENETUNREACH, ...) is a try that got no
 * answer: it waits out its timeout like a lost request but holds no slot,
 * since nothing is in flight.  A full send buffer is not the pair's fault,
 * so the first few such sends wait the same way without counting; waiting
 * (rather than spinning, or stopping every source behind the full one)
 * gives the kernel time to free the buffer. */
static void send_one(struct prober *pr, uint32_t i)
{
	struct slot *s = &pr->slots[i];
	uint64_t sent;
	int err;

	err = send_echo(pr, i, &sent);
	if (s->state == RETRY)
		list_del(pr->slots, &pr->retry, i);
	else
		pr->next++;
	if (is_full(err) && s->deferred < DEFER_MAX)
		s->deferred++;
	else
		pr->pairs[i].tries++;
	s->sent = sent;
	s->state = WAITING;
	s->held = err == 0;
	if (s->held)
		pr->outstanding++;
	list_add_tail(pr->slots, &pr->wait, i);
}

static void pump(struct prober *pr)
{
	while (pr->outstanding < pr->inflight) {
		if (pr->retry.head != NONE)
			send_one(pr, pr->retry.head);
		else if (pr->next < pr->npairs)
			send_one(pr, (uint32_t)pr->next);
		else
			break;
	}
}

static void expire(struct prober *pr, uint64_t now)
{
	uint32_t i;

	while ((i = pr->wait.head) != NONE &&
	       pr->slots[i].sent + pr->timeout <= now) {
		list_del(pr->slots, &pr->wait, i);
		release(pr, i);
		if (pr->pairs[i].tries < pr->tries) {
			pr->slots[i].state = RETRY;
			list_add_tail(pr->slots, &pr->retry, i);
		} else {
			finish(pr, i);
		}
	}
}

/* Points the timer at the next expiry. */
static void rearm(struct prober *pr)
{
	uint64_t now = now_ns(), when;
	uint32_t head = pr->wait.head;

	ev_timer_stop(pr->loop, &pr->timer);
	if (head == NONE)
		return;
	when = pr->slots[head].sent + pr->timeout;
	ev_timer_set(&pr->timer, when > now ? (double)(when - now) / NSEC : 0,
		     0.);
	ev_timer_start(pr->loop, &pr->timer);
}

static void answer(struct prober *pr, uint32_t i, uint64_t rtt)
{
	struct slot *s = &pr->slots[i];

	/* A late reply to an expired try still proves the path works. */
	if (s->state == WAITING) {
		list_del(pr->slots, &pr->wait, i);
		release(pr, i);
	} else if (s->state == RETRY) {
		list_del(pr->slots, &pr->retry, i);
	}
	pr->pairs[i].ok = 1;
	pr->pairs[i].rtt = (double)rtt / NSEC;
	pr->answered++;
	finish(pr, i);
}

/* Returns the index of the pair buf answers on socket s, or NONE when buf
 * is someone else's message, a duplicate or damaged. */
static uint32_t match_reply(const struct prober *pr, const struct psock *s,
			    const uint8_t *buf, size_t len, struct echo *e)
{
	const struct probe_pair *p;
	struct iphdr ip;
	size_t hl;

	if (len < sizeof(ip))
		return NONE;
	memcpy(&ip, buf, sizeof(ip));
	hl = (size_t)ip.ihl * 4;
	if (hl < sizeof(ip) || len < hl + sizeof(*e) ||
	    ip.protocol != IPPROTO_ICMP)
		return NONE;
	memcpy(e, buf + hl, sizeof(*e));
	if (e->hdr.type != ICMP_ECHOREPLY || e->hdr.code != 0 ||
	    e->hdr.un.echo.id != htons(pr->id) || e->cookie != pr->cookie ||
	    e->pair >= pr->npairs)
		return NONE;
	/* Raw sockets see replies before icmp_rcv() checks them. */
	if (inet_csum(buf + hl, len - hl) != 0)
		return NONE;

	/* Every raw socket of the namespace got this reply: only the one of
	 * the pair's source may take it, and only from the pair's target. */
	p = &pr->pairs[e->pair];
	if (p->src != s->src || ip.saddr != htonl(p->dst_ip))
		return NONE;
	if (e->try == 0 || e->try > (uint32_t)p->tries ||
	    pr->slots[e->pair].state == DONE)
		return NONE;
	return e->pair;
}

static void read_replies(struct prober *pr, struct psock *s)
{
	uint8_t bufs[BATCH][REPLY_MAX];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	struct echo e;
	uint64_t now;
	uint32_t i;
	int n, k;

	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < BATCH; k++) {
		iov[k].iov_base = bufs[k];
		iov[k].iov_len = sizeof(bufs[k]);
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
	}
	/* Until EAGAIN; any other error has no reply to give us either. */
	for (;;) {
		n = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		now = now_ns();
		for (k = 0; k < n; k++) {
			i = match_reply(pr, s, bufs[k], msgs[k].msg_len, &e);
			if (i != NONE && now >= e.sent)
				answer(pr, i, now - e.sent);
		}
	}
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct psock *s = container_of(w, struct psock, io);

	read_replies(s->pr, s);
	pump(s->pr);
	rearm(s->pr);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct prober *pr = container_of(w, struct prober, timer);

	expire(pr, now_ns());
	pump(pr);
	rearm(pr);
}

/* ---- Run -------------------------------------------------------------- */

static int check_args(const char *const *srcs, size_t nsrcs,
		      const struct probe_pair *pairs, size_t npairs)
{
	size_t i;

	/* The count of answers is returned as an int; pair indexes travel
	 * in 32 bits, where NONE is reserved. */
	if (npairs > INT_MAX || nsrcs >= NONE)
		return -E2BIG;
	if (!srcs || !pairs)
		return -EINVAL;
	for (i = 0; i < npairs; i++)
		if (pairs[i].src >= nsrcs || !srcs[pairs[i].src])
			return -EINVAL;
	return 0;
}

static void set_opts(struct prober *pr, const struct probe_opts *opts)
{
	double timeout = opts ? opts->timeout : 0;

	/* Also catches NaN; a day is plenty and keeps the ns in range. */
	if (!(timeout > 0))
		timeout = DEF_TIMEOUT;
	if (timeout > 86400)
		timeout = 86400;
	pr->timeout = (uint64_t)(timeout * NSEC);
	pr->tries = opts && opts->tries > 0 ? opts->tries : DEF_TRIES;
	pr->inflight = opts && opts->inflight ? opts->inflight : DEF_INFLIGHT;
}

static int prober_init(struct prober *pr, struct ev_loop *loop, size_t nsrcs,
		       struct probe_pair *pairs, size_t npairs)
{
	size_t i;

	memset(pr, 0, sizeof(*pr));
	pr->slots = calloc(npairs, sizeof(*pr->slots));
	pr->socks = calloc(nsrcs, sizeof(*pr->socks));
	if (!pr->slots || !pr->socks) {
		free(pr->slots);
		free(pr->socks);
		return -ENOMEM;
	}
	pr->loop = loop;
	pr->pairs = pairs;
	pr->npairs = npairs;
	pr->nsrcs = nsrcs;
	pr->wait.head = pr->wait.tail = NONE;
	pr->retry.head = pr->retry.tail = NONE;
	for (i = 0; i < nsrcs; i++) {
		pr->socks[i].pr = pr;
		pr->socks[i].src = (uint32_t)i;
		pr->socks[i].fd = -1;
	}
	for (i = 0; i < npairs; i++) {
		pr->slots[i].prev = pr->slots[i].next = NONE;
		pairs[i].ok = 0;
		pairs[i].rtt = 0;
		pairs[i].tries = 0;
	}
	ev_init(&pr->timer, on_timer);
	pick_ids(pr);
	return 0;
}

static void prober_fini(struct prober *pr)
{
	ev_timer_stop(pr->loop, &pr->timer);
	close_socks(pr);
	free(pr->slots);
	free(pr->socks);
}

static void start_watchers(struct prober *pr)
{
	size_t i;

	for (i = 0; i < pr->nsrcs; i++) {
		struct psock *s = &pr->socks[i];

		if (s->fd < 0)
			continue;
		ev_io_init(&s->io, on_readable, s->fd, EV_READ);
		ev_io_start(pr->loop, &s->io);
	}
}

int probe_run(struct ev_loop *loop, const char *const *srcs, size_t nsrcs,
	      struct probe_pair *pairs, size_t npairs,
	      const struct probe_opts *opts)
{
	struct prober pr;
	int err;

	if (npairs == 0)
		return 0;
	err = check_args(srcs, nsrcs, pairs, npairs);
	if (err)
		return err;
	err = prober_init(&pr, loop, nsrcs, pairs, npairs);
	if (err)
		return err;
	set_opts(&pr, opts);

	err = open_socks(&pr, srcs);
	if (err)
		goto out;
	start_watchers(&pr);
	pump(&pr);
	rearm(&pr);

	/* Our io watchers stay active until the end, so each pass blocks
	 * until something happens, ours or the caller's. */
	while (pr.finished < pr.npairs)
		ev_run(loop, EVRUN_ONCE);
	err = pr.answered;
out:
	prober_fini(&pr);
	return err;
}
