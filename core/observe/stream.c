/*
 * stream: one timer sends slot k of every flow at start + k / rate; replies
 * are read as they come by one io watcher per socket.  Sending stops after
 * the last slot; the stream then drains, waiting up to the timeout for the
 * last replies, and calls done.
 *
 * A running stream has a thread and a loop of its own: what the caller's
 * loop does meanwhile (a netlink request that takes the kernel a second, a
 * fork, a scan of /proc) must not hold up the probes that measure it.  The
 * caller's loop hears of the end through an ev_async and joins the thread;
 * nothing else is shared while the thread runs.  Should the stream's own
 * thread be held up, the slots that went by are skipped rather than sent
 * in a burst, which would report probes as sent when they were not.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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
#include "core/observe/stream.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define NSEC 1000000000ULL
#define PKT_MAX 256

enum { IDLE, SENDING, DRAINING, DONE };

/* The payload of every probe, after the ICMP header for ICMP.  Only this
 * process reads it back, so it stays in host byte order. */
struct payload {
	uint32_t cookie;
	uint32_t flow;
	uint32_t seq;
	uint32_t pad;
	uint64_t sent;    /* CLOCK_MONOTONIC, ns: identifies the probe */
	uint64_t sent_rt; /* CLOCK_REALTIME, ns: against the kernel's
			   * receive timestamp */
};

struct icmp_probe {
	struct icmphdr hdr;
	struct payload p;
};

struct flow {
	struct stream *s;
	uint32_t index;
	uint32_t dst_ip;
	int fd;      /* the source's socket */
	int echo_fd; /* UDP: the echo socket in the destination, or -1 */
	uint16_t port; /* UDP: the echo socket's port, network order */
	uint16_t id;   /* ICMP: echo id */
	ev_io io, echo_io;
	uint64_t *sent; /* per slot: send time, ns; 0 when not sent */
	uint64_t *rtt;  /* per slot: round-trip time, ns */
	uint8_t *ok;    /* per slot: answered in time */
	uint64_t nsent, received, late, errors, skipped;
};

struct stream {
	struct ev_loop *loop;  /* the stream's own, run by its thread */
	struct ev_loop *main;  /* the caller's, which done is called from */
	ev_async done_async;   /* on main: the thread has finished */
	ev_async stop_async;   /* on loop: stop now */
	pthread_t thread;
	bool running;          /* the thread is not joined yet */
	struct stream_opts o;
	struct flow *flows;
	size_t nflows;
	size_t slots;      /* per flow */
	size_t next;       /* next slot to send */
	uint64_t interval; /* ns */
	uint64_t timeout;  /* ns */
	uint64_t start, end; /* ns: first slot, and end of the last */
	uint64_t outstanding; /* probes sent and not yet answered */
	ev_timer tick, drain;
	int state;
	uint32_t cookie;
	void (*done)(void *arg);
	void *arg;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* ---- Results -------------------------------------------------------------- */

double stream_outage(const uint64_t *sent, const uint8_t *ok, size_t n,
		     uint64_t end, uint64_t *count)
{
	uint64_t run = 0, longest = 0;
	size_t i;
	bool in_run = false;

	*count = 0;
	for (i = 0; i < n; i++) {
		if (!sent[i])
			continue;
		if (ok[i]) {
			if (in_run && sent[i] - run > longest)
				longest = sent[i] - run;
			in_run = false;
		} else if (!in_run) {
			in_run = true;
			run = sent[i];
			(*count)++;
		}
	}
	if (in_run && end > run && end - run > longest)
		longest = end - run;
	return (double)longest / NSEC;
}

void stream_result(const struct stream *s, size_t flow,
		   struct stream_result *r)
{
	const struct flow *f = &s->flows[flow];
	uint64_t min = UINT64_MAX, max = 0, sum = 0, end;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->sent = f->nsent;
	r->received = f->received;
	r->late = f->late;
	r->errors = f->errors;
	r->skipped = f->skipped;
	r->loss = f->nsent ? (double)(f->nsent - f->received) / f->nsent : 0;
	for (i = 0; i < s->next && i < s->slots; i++) {
		if (!f->ok[i])
			continue;
		if (f->rtt[i] < min)
			min = f->rtt[i];
		if (f->rtt[i] > max)
			max = f->rtt[i];
		sum += f->rtt[i];
	}
	if (f->received) {
		r->rtt_min = (double)min / NSEC;
		r->rtt_max = (double)max / NSEC;
		r->rtt_avg = (double)sum / f->received / NSEC;
	}
	end = s->end ? s->end : now_ns();
	r->outage = stream_outage(f->sent, f->ok, s->next < s->slots ?
				  s->next : s->slots, end, &r->outages);
}

size_t stream_bins(const uint64_t *sent, const uint8_t *ok,
		   const uint64_t *rtt, size_t used, size_t per,
		   struct stream_bin *bins, size_t max)
{
	size_t i, b = 0;
	uint64_t sum = 0;

	if (!per)
		per = 1;
	for (i = 0; i < used && b < max; i++) {
		if (i % per == 0) {
			bins[b] = (struct stream_bin){ 0 };
			sum = 0;
		}
		if (sent[i]) {
			bins[b].sent++;
			if (ok[i]) {
				bins[b].received++;
				sum += rtt[i];
			}
		}
		if (i % per == per - 1 || i + 1 == used) {
			bins[b].rtt = bins[b].received ?
				(double)sum / bins[b].received / NSEC : 0;
			b++;
		}
	}
	return b;
}

size_t stream_series(const struct stream *s, size_t flow, size_t per,
		     struct stream_bin *bins, size_t max)
{
	const struct flow *f = &s->flows[flow];
	size_t used = s->next < s->slots ? s->next : s->slots;

	return stream_bins(f->sent, f->ok, f->rtt, used, per, bins, max);
}

/* ---- Sockets ---------------------------------------------------------------- */

static int open_in(const char *path, int home, int type, int proto)
{
	int fd, err;

	err = netns_enter(path);
	if (err)
		return err;
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	err = fd < 0 ? -errno : 0;
	if (netns_return(home) < 0) {
		if (fd >= 0)
			close(fd);
		return -EBADF;
	}
	return fd < 0 ? err : fd;
}

static int open_icmp(struct flow *f, const char *src_ns, int home)
{
	struct icmp_filter filt = { .data = ~(1U << ICMP_ECHOREPLY) };

	f->fd = open_in(src_ns, home, SOCK_RAW, IPPROTO_ICMP);
	if (f->fd < 0)
		return f->fd;
	/* A raw socket sees every ICMP message of its namespace. */
	if (setsockopt(f->fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) < 0)
		return -errno;
	return 0;
}

static int open_udp(struct flow *f, const char *src_ns, const char *dst_ns,
		    int home)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	if (!dst_ns)
		return -EINVAL;
	f->fd = open_in(src_ns, home, SOCK_DGRAM, IPPROTO_UDP);
	if (f->fd < 0)
		return f->fd;
	f->echo_fd = open_in(dst_ns, home, SOCK_DGRAM, IPPROTO_UDP);
	if (f->echo_fd < 0)
		return f->echo_fd;
	/* Any port the destination has free; the socket stays in the
	 * namespace it was made in, so binding from ours is fine. */
	if (bind(f->echo_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(f->echo_fd, (struct sockaddr *)&sin, &len) < 0)
		return -errno;
	f->port = sin.sin_port;
	return 0;
}

/* ---- Sending ---------------------------------------------------------------- */

static void send_probe(struct stream *s, struct flow *f, uint32_t seq)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(f->dst_ip),
	};
	struct icmp_probe m = { 0 };
	const void *buf = &m;
	size_t len = sizeof(m);
	ssize_t n;

	m.p.cookie = s->cookie;
	m.p.flow = f->index;
	m.p.seq = seq;
	m.p.sent = now_ns();
	m.p.sent_rt = realtime_ns();
	if (s->o.proto == STREAM_ICMP) {
		m.hdr.type = ICMP_ECHO;
		m.hdr.un.echo.id = htons(f->id);
		m.hdr.un.echo.sequence = htons((uint16_t)seq);
		m.hdr.checksum = inet_csum(&m, sizeof(m));
	} else {
		sin.sin_port = f->port;
		buf = &m.p;
		len = sizeof(m.p);
	}
	f->sent[seq] = m.p.sent;
	f->nsent++;
	n = sendto(f->fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	if (n < 0)
		f->errors++; /* no route, or no buffer: lost all the same */
	else
		s->outstanding++;
}

static void finish(struct stream *s)
{
	size_t i;

	ev_timer_stop(s->loop, &s->tick);
	ev_timer_stop(s->loop, &s->drain);
	for (i = 0; i < s->nflows; i++) {
		ev_io_stop(s->loop, &s->flows[i].io);
		ev_io_stop(s->loop, &s->flows[i].echo_io);
	}
	s->state = DONE;
}

/* In the stream's thread: the stream is over. */
static void complete(struct stream *s)
{
	finish(s);
	ev_break(s->loop, EVBREAK_ALL);
	ev_async_send(s->main, &s->done_async);
}

/* In the caller's thread: the stream's thread is gone after this, and
 * done will not be called. */
static void join(struct stream *s)
{
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = false;
	ev_async_stop(s->main, &s->done_async);
}

static void on_done_async(struct ev_loop *loop, ev_async *w, int revents)
{
	struct stream *s = container_of(w, struct stream, done_async);

	join(s);
	if (s->done)
		s->done(s->arg);
}

static void on_stop_async(struct ev_loop *loop, ev_async *w, int revents)
{
	struct stream *s = container_of(w, struct stream, stop_async);

	if (!s->end)
		s->end = now_ns();
	finish(s);
	ev_break(loop, EVBREAK_ALL);
}

static void *run(void *arg)
{
	struct stream *s = arg;

	ev_run(s->loop, 0);
	return NULL;
}

static void start_drain(struct stream *s)
{
	uint64_t now = now_ns(), last = s->start + (s->slots - 1) * s->interval;
	uint64_t until = (last > now ? last : now) + s->timeout;

	s->state = DRAINING;
	s->end = s->start + s->slots * s->interval;
	if (now > s->end)
		s->end = now;
	ev_timer_stop(s->loop, &s->tick);
	if (!s->outstanding) {
		complete(s);
		return;
	}
	ev_timer_set(&s->drain, (double)(until - now) / NSEC, 0.);
	ev_timer_start(s->loop, &s->drain);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stream *s = container_of(w, struct stream, tick);
	uint64_t now = now_ns(), due, next_at;
	size_t i;

	/* Slots more than one interval overdue went by while the loop was
	 * held up: skip them. */
	while (s->next + 1 < s->slots &&
	       s->start + (s->next + 1) * s->interval <= now) {
		for (i = 0; i < s->nflows; i++)
			s->flows[i].skipped++;
		s->next++;
	}
	due = s->start + s->next * s->interval;
	if (due <= now) {
		for (i = 0; i < s->nflows; i++)
			send_probe(s, &s->flows[i], (uint32_t)s->next);
		s->next++;
	}
	if (s->next >= s->slots) {
		start_drain(s);
		return;
	}
	next_at = s->start + s->next * s->interval;
	ev_now_update(loop);
	ev_timer_set(w, next_at > now ? (double)(next_at - now) / NSEC : 0,
		     0.);
	ev_timer_start(loop, w);
}

static void on_drain(struct ev_loop *loop, ev_timer *w, int revents)
{
	complete(container_of(w, struct stream, drain));
}

/* ---- Receiving ---------------------------------------------------------- */

/* The round-trip time of the probe p answered: from the kernel's receive
 * timestamp (rx_rt, 0 when there was none), so that a loop held up
 * elsewhere does not lengthen it, else from now. */
static void answered(struct stream *s, struct flow *f, const struct payload *p,
		     uint64_t now, uint64_t rx_rt)
{
	uint64_t rtt;

	if (p->cookie != s->cookie || p->flow != f->index ||
	    p->seq >= s->slots || !f->sent[p->seq] ||
	    f->sent[p->seq] != p->sent || f->ok[p->seq] || now < p->sent)
		return;
	if (rx_rt && rx_rt >= p->sent_rt && rx_rt - p->sent_rt <= now - p->sent)
		rtt = rx_rt - p->sent_rt;
	else
		rtt = now - p->sent;
	if (s->outstanding)
		s->outstanding--;
	if (rtt > s->timeout) {
		f->late++;
		return;
	}
	f->ok[p->seq] = 1;
	f->rtt[p->seq] = rtt;
	f->received++;
}

/* Returns the payload of an ICMP echo reply for flow f in buf, or NULL. */
static const struct payload *icmp_payload(const struct flow *f,
					  const uint8_t *buf, size_t len,
					  struct icmp_probe *m)
{
	struct iphdr ip;
	size_t hl;

	if (len < sizeof(ip))
		return NULL;
	memcpy(&ip, buf, sizeof(ip));
	hl = (size_t)ip.ihl * 4;
	if (hl < sizeof(ip) || len < hl + sizeof(*m) ||
	    ip.protocol != IPPROTO_ICMP || ip.saddr != htonl(f->dst_ip))
		return NULL;
	memcpy(m, buf + hl, sizeof(*m));
	if (m->hdr.type != ICMP_ECHOREPLY || m->hdr.un.echo.id != htons(f->id))
		return NULL;
	return &m->p;
}

/* The kernel's receive time of the message in h (SO_TIMESTAMPNS), 0 when
 * it has none. */
static uint64_t rx_time(struct msghdr *h)
{
	struct cmsghdr *c;
	struct timespec ts;

	for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
	}
	return 0;
}

static void on_reply(struct ev_loop *loop, ev_io *w, int revents)
{
	struct flow *f = container_of(w, struct flow, io);
	struct stream *s = f->s;
	const struct payload *p;
	struct icmp_probe m;
	struct payload u;
	uint8_t buf[PKT_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr h;
	ssize_t n;

	for (;;) {
		memset(&h, 0, sizeof(h));
		h.msg_iov = &iov;
		h.msg_iovlen = 1;
		h.msg_control = ctl.buf;
		h.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(f->fd, &h, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* EAGAIN, or an ICMP error queued for UDP */
		if (s->o.proto == STREAM_ICMP) {
			p = icmp_payload(f, buf, (size_t)n, &m);
		} else if ((size_t)n == sizeof(u)) {
			memcpy(&u, buf, sizeof(u));
			p = &u;
		} else {
			p = NULL;
		}
		if (p)
			answered(s, f, p, now_ns(), rx_time(&h));
	}
	if (s->state == DRAINING && !s->outstanding)
		complete(s);
}

/* The UDP echo in the destination: every datagram goes back to where it
 * came from, through the destination's own routes. */
static void on_echo(struct ev_loop *loop, ev_io *w, int revents)
{
	struct flow *f = container_of(w, struct flow, echo_io);
	struct sockaddr_in from;
	socklen_t flen;
	uint8_t buf[PKT_MAX];
	ssize_t n;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(f->echo_fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sendto(f->echo_fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		       flen);
	}
}

/* ---- Life -------------------------------------------------------------------- */

int stream_new(struct ev_loop *loop, const struct stream_opts *opts,
	       struct stream **out)
{
	struct stream *s;
	double slots;

	if (!(opts->rate > 0) || !(opts->duration > 0) ||
	    !(opts->timeout >= 0) || opts->timeout > 3600 ||
	    (opts->proto != STREAM_ICMP && opts->proto != STREAM_UDP))
		return -EINVAL;
	slots = ceil(opts->rate * opts->duration - 1e-9);
	if (slots < 1)
		slots = 1;
	if (slots > STREAM_MAX_PROBES)
		return -E2BIG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->main = loop;
	s->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (!s->loop) {
		free(s);
		return -ENOMEM;
	}
	s->o = *opts;
	s->slots = (size_t)slots;
	s->interval = (uint64_t)(NSEC / opts->rate);
	if (!s->interval)
		s->interval = 1;
	s->timeout = (uint64_t)((opts->timeout > 0 ? opts->timeout : 1.0) *
				NSEC);
	s->cookie = (uint32_t)now_ns() ^ (uint32_t)getpid() << 12;
	ev_init(&s->tick, on_tick);
	ev_init(&s->drain, on_drain);
	*out = s;
	return 0;
}

static void flow_close(struct stream *s, struct flow *f)
{
	if (f->fd >= 0) {
		ev_io_stop(s->loop, &f->io);
		close(f->fd);
	}
	if (f->echo_fd >= 0) {
		ev_io_stop(s->loop, &f->echo_io);
		close(f->echo_fd);
	}
	f->fd = f->echo_fd = -1;
	free(f->sent);
	free(f->rtt);
	free(f->ok);
	f->sent = f->rtt = NULL;
	f->ok = NULL;
}

int stream_add(struct stream *s, const char *src_ns, const char *dst_ns,
	       uint32_t dst_ip)
{
	static unsigned ids;
	struct flow *grown, *f;
	int home, err;

	if (s->state != IDLE)
		return -EBUSY;
	grown = realloc(s->flows, (s->nflows + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->flows = grown;
	f = &s->flows[s->nflows];
	memset(f, 0, sizeof(*f));
	f->s = s;
	f->index = (uint32_t)s->nflows;
	f->dst_ip = dst_ip;
	f->fd = f->echo_fd = -1;
	f->id = (uint16_t)(getpid() * 7 + 0x5000 + ids++);
	f->sent = calloc(s->slots, sizeof(*f->sent));
	f->rtt = calloc(s->slots, sizeof(*f->rtt));
	f->ok = calloc(s->slots, 1);
	if (!f->sent || !f->rtt || !f->ok) {
		flow_close(s, f);
		return -ENOMEM;
	}
	home = netns_open_self();
	if (home < 0) {
		flow_close(s, f);
		return home;
	}
	err = s->o.proto == STREAM_ICMP ? open_icmp(f, src_ns, home) :
					  open_udp(f, src_ns, dst_ns, home);
	close(home);
	if (!err) {
		int on = 1;

		/* Best effort: without it, times are taken on reading. */
		setsockopt(f->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	}
	if (err) {
		flow_close(s, f);
		return err;
	}
	return (int)s->nflows++;
}

void stream_start(struct stream *s, void (*done)(void *arg), void *arg)
{
	sigset_t all, old;
	size_t i;

	s->done = done;
	s->arg = arg;
	s->state = SENDING;
	/* Watchers are set up only now: the flows array no longer moves. */
	for (i = 0; i < s->nflows; i++) {
		struct flow *f = &s->flows[i];

		ev_io_init(&f->io, on_reply, f->fd, EV_READ);
		ev_io_start(s->loop, &f->io);
		if (f->echo_fd >= 0) {
			ev_io_init(&f->echo_io, on_echo, f->echo_fd, EV_READ);
			ev_io_start(s->loop, &f->echo_io);
		}
	}
	ev_async_init(&s->stop_async, on_stop_async);
	ev_async_start(s->loop, &s->stop_async);
	ev_async_init(&s->done_async, on_done_async);
	ev_async_start(s->main, &s->done_async);
	s->start = now_ns();
	ev_now_update(s->loop);
	ev_timer_set(&s->tick, 0., 0.);
	ev_timer_start(s->loop, &s->tick);

	/* Signals are the caller's business: the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->running = pthread_create(&s->thread, NULL, run, s) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->running) {
		/* No thread: the stream ends at once, having sent nothing. */
		finish(s);
		s->end = s->start;
		ev_feed_event(s->main, &s->done_async, EV_ASYNC);
	}
}

void stream_stop(struct stream *s)
{
	if (s->running)
		ev_async_send(s->loop, &s->stop_async);
	join(s);
	if (!s->end)
		s->end = now_ns();
	finish(s);
}

void stream_free(struct stream *s)
{
	size_t i;

	if (!s)
		return;
	stream_stop(s);
	finish(s);
	ev_async_stop(s->loop, &s->stop_async);
	for (i = 0; i < s->nflows; i++)
		flow_close(s, &s->flows[i]);
	free(s->flows);
	ev_loop_destroy(s->loop);
	free(s);
}
