/* capture: pcap handles opened inside nodes, read on a libev loop, written
 * to pcap files (see capture.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <ev.h>
#include <pcap/pcap.h>

#include "core/observe/capture.h"
#include "core/sys/netns.h"

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

/* How often a capture looks for its namespaces, and retries interfaces
 * that went down: a torn-down emulation ends it within that time. */
#define CHECK_INTERVAL 0.25

/* The longest the kernel keeps packets before handing them over. */
#define LATENCY_MS 50

/* How long packets of interfaces that share a file are held to be put in
 * order: by then every interface has handed over what it saw before. */
#define HOLD_MS (3 * LATENCY_MS)

/* The kernel buffer of a handle: what a capture can fall behind by while
 * the loop is busy elsewhere before the kernel drops packets. */
#define BUFFER_SIZE (4 << 20)

/* A packet read from one of several interfaces that share a file, held
 * until it can be written in order (see read_merged()). */
struct pkt {
	struct pcap_pkthdr h;
	u_char *data;
	uint64_t seq; /* keeps the order of packets of the same time */
};

struct writer {
	char *path;   /* CAPTURE_STDOUT: standard output */
	pcap_t *dead; /* gives pcap_dump_*() the link type and snaplen */
	pcap_dumper_t *d;
	unsigned idx;	  /* the ring's current file */
	size_t nsrc;	  /* interfaces writing to it */
	struct pkt *held; /* sorted by time once read_merged() is done */
	size_t nheld, cap;
	uint64_t seq;
};

struct source {
	struct capture *c;
	struct writer *w;
	pcap_t *p; /* NULL while the interface is down, and once stopped */
	ev_io io;
	char *nspath, *node, *ifname;
	bool out_only;
	ino_t ns;	  /* the namespace the handle was opened in */
	uint64_t dropped; /* by handles closed already */
};

struct capture {
	struct source *src;
	size_t nsrc;
	struct writer *w;
	size_t nw;
	struct ev_loop *loop;
	ev_timer check;
	ev_timer hold; /* writes held packets once they are old enough */
	struct capture_opts o;
	char *filter;
	uint64_t count;
	bool running;
	bool gone;     /* stopped because a namespace went away */
	char why[512]; /* stopped because of this failure */
};

/* ---- Handles ------------------------------------------------------------ */

/* Creates and configures s's handle in the current namespace. */
static int activate(struct source *s, struct err *err)
{
	const struct capture_opts *o = &s->c->o;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	pcap_t *p;
	int rc;

	p = pcap_create(s->ifname, ebuf);
	if (!p)
		return err_set(err, -EIO, "%s:%s: %s", s->node, s->ifname,
			       ebuf);
	pcap_set_snaplen(p, o->snaplen);
	/* Promiscuous mode would change the emulation (the flag is the
	 * interface's); a veth hands its socket every frame anyway. */
	pcap_set_promisc(p, 0);
	/* Not immediate mode: it reads one frame slot per packet, and with
	 * offloads a slot is 64 KiB, so a buffer holds a few dozen packets
	 * and a ping flood overflows it.  Blocks of packets handed over
	 * every LATENCY_MS fit thousands. */
	pcap_set_timeout(p, LATENCY_MS);
	pcap_set_buffer_size(p, BUFFER_SIZE);
	rc = pcap_activate(p);
	if (rc < 0)
		goto err_close;
	rc = PCAP_ERROR;
	if (s->out_only && pcap_setdirection(p, PCAP_D_OUT))
		goto err_close;
	if (s->c->filter) {
		if (pcap_compile(p, &prog, s->c->filter, 1,
				 PCAP_NETMASK_UNKNOWN))
			goto err_close;
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc)
			goto err_close;
	}
	if (pcap_setnonblock(p, 1, ebuf)) {
		pcap_close(p);
		return err_set(err, -EIO, "%s:%s: %s", s->node, s->ifname,
			       ebuf);
	}
	/* Commands started in nodes must not inherit the socket: it would
	 * keep the namespace alive after the capture. */
	fcntl(pcap_get_selectable_fd(p), F_SETFD, FD_CLOEXEC);
	s->p = p;
	return 0;

err_close:
	err_set(err, rc == PCAP_ERROR_IFACE_NOT_UP ? -ENETDOWN : -EIO,
		"%s:%s: %s", s->node, s->ifname,
		rc == PCAP_ERROR || rc == PCAP_ERROR_NO_SUCH_DEVICE ||
			rc == PCAP_ERROR_PERM_DENIED
		    ? pcap_geterr(p)
		    : pcap_statustostr(rc));
	pcap_close(p);
	return rc == PCAP_ERROR_IFACE_NOT_UP ? -ENETDOWN : -EIO;
}

static void source_close(struct source *s)
{
	struct pcap_stat st;

	if (!s->p)
		return;
	if (!pcap_stats(s->p, &st))
		s->dropped += st.ps_drop;
	if (s->c->loop)
		ev_io_stop(s->c->loop, &s->io);
	pcap_close(s->p);
	s->p = NULL;
}

/* Opens s's handle inside its node's namespace: the packet socket stays
 * bound there once this thread is back home. */
static int source_open(struct source *s, struct err *err)
{
	int home, rc;

	home = netns_open_self();
	if (home < 0)
		return err_set(err, home, "cannot open own namespace: %s",
			       strerror(-home));
	rc = netns_enter(s->nspath);
	if (rc) {
		close(home);
		return err_set(err, rc, "node %s: cannot enter %s: %s", s->node,
			       s->nspath, strerror(-rc));
	}
	s->ns = netns_inode(s->nspath);
	rc = activate(s, err);
	/* Going home must not fail silently: every later step would act on
	 * the wrong namespace. */
	if (netns_return(home) < 0 && !rc) {
		rc = err_set(err, -errno, "cannot return from node %s: %s",
			     s->node, strerror(errno));
		source_close(s);
	}
	close(home);
	return rc;
}

/* ---- Writing ------------------------------------------------------------ */

static int writer_open(struct capture *c, struct writer *w, struct err *err)
{
	char name[4096];
	FILE *f;
	int fd;

	if (!strcmp(w->path, CAPTURE_STDOUT)) {
		/* A copy, so that closing the capture leaves stdout open. */
		fd = dup(STDOUT_FILENO);
		f = fd < 0 ? NULL : fdopen(fd, "w");
		if (!f) {
			if (fd >= 0)
				close(fd);
			return err_set(err, -errno, "standard output: %s",
				       strerror(errno));
		}
		w->d = pcap_dump_fopen(w->dead, f);
		if (!w->d)
			fclose(f);
		strcpy(name, "standard output");
	} else if (!c->o.file_size) {
		snprintf(name, sizeof(name), "%s", w->path);
		w->d = pcap_dump_open(w->dead, name);
	} else if (capture_ring_name(name, sizeof(name), w->path, w->idx)) {
		return err_set(err, -ENAMETOOLONG, "%s: name too long",
			       w->path);
	} else {
		w->d = pcap_dump_open(w->dead, name);
	}
	if (!w->d)
		return err_set(err, -EIO, "cannot write %s: %s", name,
			       pcap_geterr(w->dead));
	return 0;
}

/* Moves w on to the ring's next file. */
static int rotate(struct capture *c, struct writer *w)
{
	struct err err;

	pcap_dump_close(w->d);
	w->d = NULL;
	w->idx++;
	if (c->o.nfiles && w->idx == c->o.nfiles)
		w->idx = 0;
	if (writer_open(c, w, &err) == 0)
		return 0;
	snprintf(c->why, sizeof(c->why), "%s", err.msg);
	return -1;
}

static bool full(const struct capture *c)
{
	return c->o.count && c->count >= c->o.count;
}

static void write_packet(struct capture *c, struct writer *w,
			 const struct pcap_pkthdr *h, const u_char *bytes)
{
	if (!w->d || full(c))
		return;
	if (c->o.file_size && strcmp(w->path, CAPTURE_STDOUT) &&
	    pcap_dump_ftell64(w->d) >= (int64_t)c->o.file_size && rotate(c, w))
		return;
	pcap_dump((u_char *)w->d, h, bytes);
	c->count++;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h,
		      const u_char *bytes)
{
	struct source *s = (struct source *)arg;

	write_packet(s->c, s->w, h, bytes);
}

/* Interfaces that share a file are merged by time: the two ends of a
 * link hand their packets over in blocks, each on its own timer, so a
 * reply may be read before its request.  Packets are held until every
 * interface must have handed over what came before them (HOLD_MS). */
static void on_collect(u_char *arg, const struct pcap_pkthdr *h,
		       const u_char *bytes)
{
	struct writer *w = (struct writer *)arg;
	struct pkt *v;
	u_char *data;

	if (w->nheld == w->cap) {
		v = realloc(w->held, (w->cap * 2 + 64) * sizeof(*v));
		if (!v)
			return;
		w->held = v;
		w->cap = w->cap * 2 + 64;
	}
	data = malloc(h->caplen ? h->caplen : 1);
	if (!data)
		return;
	memcpy(data, bytes, h->caplen);
	w->held[w->nheld++] =
	    (struct pkt){.h = *h, .data = data, .seq = w->seq++};
}

static int by_time(const void *x, const void *y)
{
	const struct pkt *a = x, *b = y;

	if (a->h.ts.tv_sec != b->h.ts.tv_sec)
		return a->h.ts.tv_sec < b->h.ts.tv_sec ? -1 : 1;
	if (a->h.ts.tv_usec != b->h.ts.tv_usec)
		return a->h.ts.tv_usec < b->h.ts.tv_usec ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool older(const struct timeval *t, const struct timeval *than)
{
	return t->tv_sec < than->tv_sec ||
	       (t->tv_sec == than->tv_sec && t->tv_usec <= than->tv_usec);
}

/* Writes w's held packets up to HOLD_MS ago (all of them when all). */
static void write_held(struct capture *c, struct writer *w, bool all)
{
	struct timeval cutoff, hold = {0, HOLD_MS * 1000};
	size_t i, n = 0;

	if (!w->nheld)
		return;
	gettimeofday(&cutoff, NULL);
	timersub(&cutoff, &hold, &cutoff);
	qsort(w->held, w->nheld, sizeof(*w->held), by_time);
	while (n < w->nheld && (all || older(&w->held[n].h.ts, &cutoff)))
		n++;
	for (i = 0; i < n; i++) {
		write_packet(c, w, &w->held[i].h, w->held[i].data);
		free(w->held[i].data);
	}
	memmove(w->held, w->held + n, (w->nheld - n) * sizeof(*w->held));
	w->nheld -= n;
}

/* The most packets one read may write: all of them, or what is left of
 * the count. */
static int room(const struct capture *c)
{
	uint64_t left = c->o.count - c->count;

	return !c->o.count ? -1 : left > 65536 ? 65536 : (int)left;
}

/* Reads what the kernel holds for w's interfaces and writes it.  A read
 * that fails means the interface went down (a link set down, a node
 * failed) or away; the check timer reopens it when it is back. */
static void read_writer(struct capture *c, struct writer *w, bool all)
{
	struct source *s;
	size_t i;

	for (i = 0; i < c->nsrc; i++) {
		s = &c->src[i];
		if (s->w != w || !s->p)
			continue;
		if (w->nsrc == 1 && pcap_dispatch(s->p, room(c), on_packet,
						  (u_char *)s) == PCAP_ERROR)
			source_close(s);
		else if (w->nsrc > 1 &&
			 pcap_dispatch(s->p, -1, on_collect, (u_char *)w) ==
			     PCAP_ERROR)
			source_close(s);
	}
	write_held(c, w, all);
	if (w->nheld && c->running && !ev_is_active(&c->hold)) {
		ev_timer_set(&c->hold, HOLD_MS / 1000.0, 0.);
		ev_timer_start(c->loop, &c->hold);
	}
}

/* Flushes every file; a failure ends the capture (a reader of stdout that
 * went away included). */
static int flush_all(struct capture *c)
{
	size_t i;

	for (i = 0; i < c->nw; i++) {
		if (!c->w[i].d || !pcap_dump_flush(c->w[i].d))
			continue;
		snprintf(c->why, sizeof(c->why), "cannot write %s: %s",
			 strcmp(c->w[i].path, CAPTURE_STDOUT)
			     ? c->w[i].path
			     : "standard output",
			 strerror(errno));
		return -1;
	}
	return c->why[0] ? -1 : 0;
}

/* ---- Running ------------------------------------------------------------ */

/* Stops c by itself and tells the owner, who may free c. */
static void finish(struct capture *c)
{
	capture_stop(c);
	if (c->o.done)
		c->o.done(c->o.arg);
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct source *s = container_of(io, struct source, io);
	struct capture *c = s->c;

	read_writer(c, s->w, false);
	if (flush_all(c) || full(c))
		finish(c);
}

static void on_hold(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct capture *c = container_of(t, struct capture, hold);
	size_t i;

	for (i = 0; i < c->nw; i++)
		if (c->w[i].nheld)
			read_writer(c, &c->w[i], false);
	if (flush_all(c) || full(c))
		finish(c);
}

static void source_start(struct source *s)
{
	ev_io_init(&s->io, on_readable, pcap_get_selectable_fd(s->p), EV_READ);
	ev_io_start(s->c->loop, &s->io);
}

static void on_check(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct capture *c = container_of(t, struct capture, check);
	struct source *s;
	size_t i;

	for (i = 0; i < c->nsrc; i++) {
		s = &c->src[i];
		if (netns_inode(s->nspath) != s->ns) {
			c->gone = true;
			finish(c);
			return;
		}
		if (!s->p && source_open(s, NULL) == 0)
			source_start(s);
	}
}

void capture_start(struct capture *c, struct ev_loop *loop)
{
	size_t i;

	c->loop = loop;
	c->running = true;
	for (i = 0; i < c->nsrc; i++)
		if (c->src[i].p)
			source_start(&c->src[i]);
	ev_timer_init(&c->check, on_check, CHECK_INTERVAL, CHECK_INTERVAL);
	ev_timer_start(loop, &c->check);
	ev_timer_init(&c->hold, on_hold, 0., 0.);
}

void capture_stop(struct capture *c)
{
	size_t i;

	if (!c->running)
		return;
	c->running = false;
	ev_timer_stop(c->loop, &c->check);
	ev_timer_stop(c->loop, &c->hold);
	/* What the kernel holds was sent before the stop: write it, once
	 * the kernel has handed over its last block. */
	if (!c->gone && !full(c) && !c->why[0])
		usleep((LATENCY_MS + 20) * 1000);
	for (i = 0; i < c->nw; i++)
		read_writer(c, &c->w[i], true);
	for (i = 0; i < c->nsrc; i++)
		source_close(&c->src[i]);
	flush_all(c);
	for (i = 0; i < c->nw; i++) {
		if (c->w[i].d)
			pcap_dump_close(c->w[i].d);
		c->w[i].d = NULL;
	}
}

bool capture_running(const struct capture *c)
{
	return c->running;
}

uint64_t capture_count(const struct capture *c)
{
	return c->count;
}

uint64_t capture_dropped(const struct capture *c)
{
	struct pcap_stat st;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < c->nsrc; i++) {
		n += c->src[i].dropped;
		if (c->src[i].p && !pcap_stats(c->src[i].p, &st))
			n += st.ps_drop;
	}
	return n;
}

const char *capture_why(const struct capture *c)
{
	return c->why;
}

bool capture_gone(const struct capture *c)
{
	return c->gone;
}

/* ---- Opening and freeing ------------------------------------------------ */

/* Compiles the filter once without any namespace, so that a bad one is
 * refused before anything is opened. */
static int check_filter(const char *filter, int snaplen, struct err *err)
{
	struct bpf_program prog;
	pcap_t *p;
	int rc = 0;

	if (!filter)
		return 0;
	p = pcap_open_dead(DLT_EN10MB, snaplen);
	if (!p)
		return err_set(err, -ENOMEM, "out of memory");
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN))
		rc = err_set(err, -EINVAL, "bad filter '%s': %s", filter,
			     pcap_geterr(p));
	else
		pcap_freecode(&prog);
	pcap_close(p);
	return rc;
}

/* The writer of file, made on first use. */
static struct writer *writer_get(struct capture *c, const char *file)
{
	size_t i;

	for (i = 0; i < c->nw; i++)
		if (!strcmp(c->w[i].path, file))
			return &c->w[i];
	c->w[c->nw].path = strdup(file);
	return c->w[c->nw].path ? &c->w[c->nw++] : NULL;
}

static int add_source(struct capture *c, const struct capture_target *t,
		      struct err *err)
{
	struct source *s = &c->src[c->nsrc];
	char path[NETNS_PATHSIZ];

	if (netns_path(path, sizeof(path), t->emu, t->node))
		return err_set(err, -ENAMETOOLONG, "node %s: name too long",
			       t->node);
	s->c = c;
	s->out_only = t->out_only;
	s->nspath = strdup(path);
	s->node = strdup(t->node);
	s->ifname = strdup(t->ifname);
	s->w = writer_get(c, t->file ? t->file : CAPTURE_STDOUT);
	if (s->w)
		s->w->nsrc++;
	if (!s->nspath || !s->node || !s->ifname || !s->w) {
		free(s->nspath);
		free(s->node);
		free(s->ifname);
		return err_set(err, -ENOMEM, "out of memory");
	}
	c->nsrc++;
	return source_open(s, err);
}

/* Opens each writer once its first source tells the link type. */
static int open_writers(struct capture *c, struct err *err)
{
	struct writer *w;
	size_t i;
	int rc;

	for (i = 0; i < c->nsrc; i++) {
		w = c->src[i].w;
		if (w->dead)
			continue;
		w->dead =
		    pcap_open_dead(pcap_datalink(c->src[i].p), c->o.snaplen);
		if (!w->dead)
			return err_set(err, -ENOMEM, "out of memory");
		rc = writer_open(c, w, err);
		if (rc)
			return rc;
	}
	return 0;
}

int capture_open(struct capture **out, const struct capture_target *t, size_t n,
		 const struct capture_opts *o, struct err *err)
{
	struct capture *c;
	size_t i;
	int rc;

	*out = NULL;
	if (!n)
		return err_set(err, -EINVAL, "nothing to capture");
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(err, -ENOMEM, "out of memory");
	c->o = *o;
	if (!c->o.snaplen)
		c->o.snaplen = CAPTURE_SNAPLEN;
	c->o.filter = NULL;
	rc = check_filter(o->filter, c->o.snaplen, err);
	if (rc)
		goto err_free;
	c->filter = o->filter ? strdup(o->filter) : NULL;
	c->src = calloc(n, sizeof(*c->src));
	c->w = calloc(n, sizeof(*c->w));
	rc = -ENOMEM;
	if (!c->src || !c->w || (o->filter && !c->filter)) {
		err_set(err, rc, "out of memory");
		goto err_free;
	}
	for (i = 0; i < n; i++) {
		rc = add_source(c, &t[i], err);
		if (rc)
			goto err_free;
	}
	rc = open_writers(c, err);
	if (rc)
		goto err_free;
	*out = c;
	return 0;

err_free:
	capture_free(c);
	return rc;
}

void capture_free(struct capture *c)
{
	size_t i, k;

	if (!c)
		return;
	capture_stop(c);
	for (i = 0; i < c->nsrc; i++) {
		source_close(&c->src[i]);
		free(c->src[i].nspath);
		free(c->src[i].node);
		free(c->src[i].ifname);
	}
	for (i = 0; i < c->nw; i++) {
		if (c->w[i].d)
			pcap_dump_close(c->w[i].d);
		if (c->w[i].dead)
			pcap_close(c->w[i].dead);
		for (k = 0; k < c->w[i].nheld; k++)
			free(c->w[i].held[k].data);
		free(c->w[i].held);
		free(c->w[i].path);
	}
	free(c->src);
	free(c->w);
	free(c->filter);
	free(c);
}
