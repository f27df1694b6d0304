#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/impair/impair_prog.h"
#include "core/sys/netns.h"
#include "core/impair/relay.h"

#define BATCH 32
#define FRAME_MAX (65536 + 256) /* a whole GSO packet, headers and all */
#define LIMIT_DEFAULT 1000
#define SOCKBUF (8 << 20)

struct pkt {
	uint64_t due, seq;
	uint32_t port, gen;
	uint32_t len;
	uint16_t proto; /* network order, from the socket address */
	unsigned char data[];
};

struct port {
	struct relay_cfg cfg; /* under the lock */
	uint32_t gen;         /* bumped by relay_set(): older packets go */
	bool on;
	uint64_t n;           /* draws made (thread only) */
	/* held: written by the thread only, atomic for relay_get() */
	atomic_uint_fast64_t held, forwarded, dropped, reordered;
};

struct relay {
	int fd, wake;
	int ifbase;
	uint32_t nports;
	struct port *ports;
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	/* the thread's own */
	struct pkt **heap;
	size_t nheap, capheap;
	uint64_t seq;
	unsigned char *rxbuf; /* BATCH frames of FRAME_MAX */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the line: a heap by (due, seq) ------------------------------------ */

static bool before(const struct pkt *a, const struct pkt *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static int heap_push(struct relay *r, struct pkt *p)
{
	size_t i, up;

	if (r->nheap == r->capheap) {
		size_t cap = r->capheap ? 2 * r->capheap : 1024;
		struct pkt **h = realloc(r->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		r->heap = h;
		r->capheap = cap;
	}
	for (i = r->nheap++; i; i = up) {
		up = (i - 1) / 2;
		if (!before(p, r->heap[up]))
			break;
		r->heap[i] = r->heap[up];
	}
	r->heap[i] = p;
	return 0;
}

static struct pkt *heap_pop(struct relay *r)
{
	struct pkt *top = r->heap[0], *last = r->heap[--r->nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < r->nheap) {
		if (c + 1 < r->nheap && before(r->heap[c + 1], r->heap[c]))
			c++;
		if (!before(r->heap[c], last))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->nheap)
		r->heap[i] = last;
	return top;
}

static void heap_clear(struct relay *r)
{
	while (r->nheap)
		free(heap_pop(r));
}

/* ---- the thread ---------------------------------------------------------- */

/* When packet number n of a port with cfg leaves, received at now. */
static uint64_t due_of(const struct relay_cfg *c, uint64_t n, uint64_t now,
		       bool *reordered)
{
	uint64_t d = impair_draw(c->seed, n), j2;
	int64_t delay = (int64_t)c->delay_ns;

	*reordered = (d & 0xffffffffu) < c->reorder;
	if (*reordered)
		return now;
	if (c->jitter_ns) {
		j2 = 2 * c->jitter_ns + 1;
		delay += (int64_t)((unsigned __int128)(d >> 32) * j2 >> 32) -
			 (int64_t)c->jitter_ns;
		if (delay < 0)
			delay = 0;
	}
	return now + (uint64_t)delay;
}

static void take(struct relay *r, const unsigned char *buf, size_t len,
		 const struct sockaddr_ll *sll, uint64_t now)
{
	uint32_t p = (uint32_t)(sll->sll_ifindex - r->ifbase);
	struct port *pt;
	struct pkt *pk;
	bool reord;

	if (sll->sll_ifindex < r->ifbase || p >= r->nports)
		return;
	pt = &r->ports[p];
	if (!pt->on)
		return;
	if (atomic_load(&pt->held) >=
	    (pt->cfg.limit ? pt->cfg.limit : LIMIT_DEFAULT)) {
		atomic_fetch_add(&pt->dropped, 1);
		return;
	}
	pk = malloc(sizeof(*pk) + len);
	if (!pk) {
		atomic_fetch_add(&pt->dropped, 1);
		return;
	}
	pk->due = due_of(&pt->cfg, pt->n++, now, &reord);
	pk->seq = r->seq++;
	pk->port = p;
	pk->gen = pt->gen;
	pk->len = (uint32_t)len;
	pk->proto = sll->sll_protocol;
	memcpy(pk->data, buf, len);
	if (heap_push(r, pk)) {
		free(pk);
		atomic_fetch_add(&pt->dropped, 1);
		return;
	}
	if (reord)
		atomic_fetch_add(&pt->reordered, 1);
	atomic_fetch_add(&pt->held, 1);
}

static void receive(struct relay *r)
{
	struct sockaddr_ll sll[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint64_t now;
	int i, n;

	memset(m, 0, sizeof(m));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = r->rxbuf + (size_t)i * FRAME_MAX;
		iov[i].iov_len = FRAME_MAX;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &sll[i];
		m[i].msg_hdr.msg_namelen = sizeof(sll[i]);
	}
	n = recvmmsg(r->fd, m, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	now = now_ns();
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < n; i++)
		if (!(m[i].msg_hdr.msg_flags & MSG_TRUNC))
			take(r, iov[i].iov_base, m[i].msg_len, &sll[i], now);
	pthread_mutex_unlock(&r->lock);
}

/* Writes back every packet due by now, a batch at a time. */
static void send_due(struct relay *r, uint64_t now)
{
	struct sockaddr_ll sll[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct pkt *out[BATCH];
	struct port *pt;
	int i, n, sent;

	while (r->nheap && r->heap[0]->due <= now) {
		memset(m, 0, sizeof(m));
		pthread_mutex_lock(&r->lock);
		for (n = 0; n < BATCH && r->nheap && r->heap[0]->due <= now;) {
			struct pkt *pk = heap_pop(r);

			pt = &r->ports[pk->port];
			atomic_fetch_sub(&pt->held, 1);
			if (!pt->on || pk->gen != pt->gen) {
				free(pk);
				continue;
			}
			memset(&sll[n], 0, sizeof(sll[n]));
			sll[n].sll_family = AF_PACKET;
			sll[n].sll_protocol = pk->proto;
			sll[n].sll_ifindex = r->ifbase + (int)pk->port;
			iov[n].iov_base = pk->data;
			iov[n].iov_len = pk->len;
			m[n].msg_hdr.msg_iov = &iov[n];
			m[n].msg_hdr.msg_iovlen = 1;
			m[n].msg_hdr.msg_name = &sll[n];
			m[n].msg_hdr.msg_namelen = sizeof(sll[n]);
			out[n++] = pk;
		}
		pthread_mutex_unlock(&r->lock);
		for (sent = 0; sent < n;) {
			i = sendmmsg(r->fd, m + sent, (unsigned)(n - sent), 0);
			if (i <= 0) {
				/* this one cannot go (ENOBUFS, a port gone) */
				atomic_fetch_add(&r->ports[out[sent]->port].dropped,
						 1);
				sent++;
				continue;
			}
			for (int k = sent; k < sent + i; k++)
				atomic_fetch_add(&r->ports[out[k]->port].forwarded,
						 1);
			sent += i;
		}
		for (i = 0; i < n; i++)
			free(out[i]);
	}
}

static void *run(void *arg)
{
	struct relay *r = arg;
	struct pollfd pfd[2] = { { .fd = r->fd, .events = POLLIN },
				 { .fd = r->wake, .events = POLLIN } };
	struct timespec ts, *tsp;
	uint64_t now, wait, v;

	/* Wake on time: the default slack is 50 us. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	while (!atomic_load(&r->stop)) {
		now = now_ns();
		send_due(r, now);
		tsp = NULL;
		if (r->nheap) {
			wait = r->heap[0]->due > now ? r->heap[0]->due - now : 0;
			ts.tv_sec = (time_t)(wait / 1000000000ull);
			ts.tv_nsec = (long)(wait % 1000000000ull);
			tsp = &ts;
		}
		if (ppoll(pfd, 2, tsp, NULL) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			(void)!read(r->wake, &v, sizeof(v));
		if (pfd[0].revents & POLLIN)
			receive(r);
	}
	return NULL;
}

/* ---- the owner's side ---------------------------------------------------- */

static int open_socket(const char *nspath)
{
	int on = 1, buf = SOCKBUF, home, fd, rc;

	home = netns_open_self();
	if (home < 0)
		return home;
	rc = netns_enter(nspath);
	if (rc) {
		close(home);
		return rc;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	rc = fd < 0 ? -errno : 0;
	if (netns_return(home) < 0 && !rc) {
		close(fd);
		rc = -EBADF;
	}
	close(home);
	if (rc)
		return rc;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on,
		       sizeof(on)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof(on))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	return fd;
}

struct relay *relay_new(const char *nspath, uint32_t nports, int ifbase,
			int *rc)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r) {
		*rc = -ENOMEM;
		return NULL;
	}
	r->fd = r->wake = -1;
	r->ifbase = ifbase;
	r->nports = nports;
	r->ports = calloc(nports ? nports : 1, sizeof(*r->ports));
	r->rxbuf = malloc((size_t)BATCH * FRAME_MAX);
	r->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!r->ports || !r->rxbuf || r->wake < 0) {
		*rc = -ENOMEM;
		relay_free(r);
		return NULL;
	}
	r->fd = open_socket(nspath);
	if (r->fd < 0) {
		*rc = r->fd;
		relay_free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	*rc = 0;
	return r;
}

int relay_start(struct relay *r)
{
	int rc;

	sigset_t all, old;

	if (r->running)
		return 0;
	atomic_store(&r->stop, false);
	/* Signals are the main thread's (Ctrl-C must interrupt what it
	 * waits for): the relay's thread is born with them all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, run, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	r->running = true;
	return 0;
}

void relay_stop(struct relay *r)
{
	uint64_t one = 1;

	if (!r->running)
		return;
	atomic_store(&r->stop, true);
	(void)!write(r->wake, &one, sizeof(one));
	pthread_join(r->thread, NULL);
	r->running = false;
}

void relay_forked(struct relay *r)
{
	uint32_t p;

	r->running = false;
	pthread_mutex_init(&r->lock, NULL);
	heap_clear(r);
	for (p = 0; p < r->nports; p++)
		atomic_store(&r->ports[p].held, 0);
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	relay_stop(r);
	heap_clear(r);
	free(r->heap);
	if (r->fd >= 0)
		close(r->fd);
	if (r->wake >= 0)
		close(r->wake);
	free(r->rxbuf);
	free(r->ports);
	free(r);
}

int relay_set(struct relay *r, uint32_t p, const struct relay_cfg *cfg)
{
	struct port *pt;

	if (p >= r->nports)
		return -EINVAL;
	pt = &r->ports[p];
	pthread_mutex_lock(&r->lock);
	pt->on = cfg != NULL;
	if (cfg)
		pt->cfg = *cfg;
	pt->gen++;
	pt->n = 0;
	atomic_store(&pt->forwarded, 0);
	atomic_store(&pt->dropped, 0);
	atomic_store(&pt->reordered, 0);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void relay_get(struct relay *r, uint32_t p, struct relay_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!r || p >= r->nports)
		return;
	st->held = atomic_load(&r->ports[p].held);
	st->forwarded = atomic_load(&r->ports[p].forwarded);
	st->dropped = atomic_load(&r->ports[p].dropped);
	st->reordered = atomic_load(&r->ports[p].reordered);
}
