/*
 * capture: packets of the emulation's interfaces written to pcap files,
 * with libpcap, without tcpdump and without a process per interface.
 *
 * A capture opens one pcap handle per interface.  Each handle is created
 * inside the node's namespace (setns, pcap_activate, setns back): the
 * packet socket stays bound to that namespace while the caller lives in
 * its own.  The handles are non-blocking and read from a libev loop, so
 * a capture runs beside whatever else the loop does (a script sleeping,
 * a console serving commands).
 *
 * Interfaces that name the same file are merged into it, in the order the
 * loop reads them.  A capture stops by itself when it has written its
 * count of packets, when every namespace it watches is gone (the
 * emulation was torn down) or when a file cannot be written.
 *
 * The helpers at the end (capture_spec_parse() and the file names) are
 * pure, for the command line, the console and the Lua binding alike.
 */
#ifndef LUNET_CAPTURE_H
#define LUNET_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"

struct ev_loop;
struct capture;
struct topo;

#define CAPTURE_SNAPLEN 262144 /* tcpdump's default */
#define CAPTURE_STDOUT "-"

/* One interface to capture on. */
struct capture_target {
	const char *emu; /* the emulation, whose node namespaces are
			  * lunet-<emu>-<node> */
	const char *node;
	const char *ifname;
	bool out_only;	  /* only what the interface sends (links) */
	const char *file; /* CAPTURE_STDOUT: standard output; targets
			   * naming the same file share it */
};

struct capture_opts {
	const char *filter; /* BPF, as tcpdump takes it; NULL: everything */
	int snaplen;	    /* bytes kept of a packet; 0: CAPTURE_SNAPLEN */
	uint64_t count;	    /* stop after that many packets; 0: never */
	uint64_t file_size; /* bytes: past them, go on in the ring's next
			     * file (capture_ring_name()); 0: one file */
	unsigned nfiles;    /* ring length, FILE0 reused after the last;
			     * 0: no limit */
	/* Called from the loop when the capture stopped by itself; may be
	 * NULL.  The capture may be freed from it. */
	void (*done)(void *arg);
	void *arg;
};

/* Opens a handle on each of the n targets and their files.  Nothing is
 * read until capture_start().  The capture copies what it needs of t and
 * o.  Returns 0, or -errno with err naming the node, interface or file and
 * the cause (a bad filter: pcap_compile()'s message). */
int capture_open(struct capture **out, const struct capture_target *t, size_t n,
		 const struct capture_opts *o, struct err *err);

/* Reads packets on loop from now on. */
void capture_start(struct capture *c, struct ev_loop *loop);

/* Writes what the kernel still holds for the capture, closes the handles
 * and the files.  Safe to call twice; the counts stay readable. */
void capture_stop(struct capture *c);

/* Stops c if needed and frees it (NULL is fine). */
void capture_free(struct capture *c);

bool capture_running(const struct capture *c);

/* Packets written so far. */
uint64_t capture_count(const struct capture *c);

/* Packets the kernel dropped because the capture did not keep up (its
 * buffer was full), over every handle; final once stopped. */
uint64_t capture_dropped(const struct capture *c);

/* Why the capture failed ("" when it did not): a file that cannot be
 * written, a reader of standard output that went away. */
const char *capture_why(const struct capture *c);

/* Whether it stopped because a namespace it watched went away: the
 * emulation was torn down. */
bool capture_gone(const struct capture *c);

/* ---- Pure helpers ------------------------------------------------------ */

enum capture_kind {
	CAPTURE_INTF, /* "node:ifname" */
	CAPTURE_NODE, /* "node": every port of it */
	CAPTURE_LINK, /* "a-b" or "a,b": both ends, what each sends */
};

struct capture_spec {
	enum capture_kind kind;
	uint32_t node;	 /* CAPTURE_LINK: end a */
	uint32_t peer;	 /* CAPTURE_LINK: end b */
	uint32_t link;	 /* CAPTURE_LINK: the first link between them */
	char ifname[16]; /* CAPTURE_INTF */
};

/* Parses a capture target of topology t: "node:ifname" (a port, lo, or a
 * switch's br0), "node", "a,b" or "a-b" (the link between nodes a and b;
 * a name with '-' in it is a node first).  Returns 0, or -ENOENT with err
 * naming the node, interface or link that does not exist. */
int capture_spec_parse(const struct topo *t, const char *s,
		       struct capture_spec *sp, struct err *err);

/* Fills out[] (room for max) with the interfaces sp stands for in the
 * emulation emu of topology t: one, a node's ports, or a link's two ends
 * (out_only).  Their strings point into t and sp, their files are NULL.
 * Returns how many, or -ENOSPC. */
int capture_spec_targets(const struct topo *t, const char *emu,
			 const struct capture_spec *sp,
			 struct capture_target *out, size_t max);

/* The name of file idx of a ring on path: path followed by idx
 * ("x.pcap" -> "x.pcap0", "x.pcap1"...).  Returns 0 or -ENAMETOOLONG. */
int capture_ring_name(char *buf, size_t len, const char *path, unsigned idx);

/* The file of one interface of a whole-node capture: with dir,
 * "DIR/NODE-IF.pcap"; else "PREFIX-IF.pcap", or "PREFIX-NODE-IF.pcap"
 * when node is not NULL (several nodes share the prefix).  Returns 0 or
 * -ENAMETOOLONG. */
int capture_intf_file(char *buf, size_t len, const char *where, bool dir,
		      const char *node, const char *ifname);

/* The words joined by spaces, as tcpdump joins a filter given in several
 * words (malloc'd; NULL when out of memory). */
char *capture_join(char *const *w, int n);

#endif
