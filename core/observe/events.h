/*
 * events: the event log of a run, one JSON object per line.
 *
 * Every fault, probe and test step is an event with a timestamp: "t" is
 * seconds on the monotonic clock since the log was made (so scenario times
 * line up with lunet.now()), "ts" the wall-clock time, "event" its kind,
 * then fields of its own:
 *
 *	{"t":1.204311,"ts":1718000000.512,"event":"link_down",
 *	 "net":"fab","link":"leaf1-spine1","cause":"flap"}
 *
 * A line is built in an event_line (which owns its buffer) and handed to
 * events_write(), which appends it to the log's file when it has one.
 * Building a line does no I/O, so it is unit-tested byte for byte.
 */
#ifndef LUNET_EVENTS_H
#define LUNET_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

struct events;

/* One JSON object under construction.  Values after a key, or inside an
 * array, are separated by commas on their own; any failure to grow the
 * buffer is remembered and reported by event_end(). */
struct event_line {
	char *buf;
	size_t len, cap;
	bool comma; /* the next value or key needs a ',' first */
	int err;
};

/* A new log whose clock starts now, writing nowhere.  NULL when out of
 * memory. */
struct events *events_new(void);
void events_free(struct events *ev);

/* Writes every following line to path (truncated first), or to nowhere
 * with NULL.  Returns 0 or -errno (the log then writes nowhere). */
int events_open(struct events *ev, const char *path);

/* Seconds since events_new(), on the monotonic clock. */
double events_clock(const struct events *ev);

/* Appends line l (finished with event_end()) and a newline to the file,
 * and flushes it, so a run killed halfway leaves a readable log.  Returns
 * 0 (also when there is no file) or -errno. */
int events_write(struct events *ev, const struct event_line *l);

/* Starts line l: {"t":T,"ts":WALL,"event":"KIND".  Pass wall < 0 to leave
 * "ts" out (tests use it for fixed output). */
void event_begin(struct event_line *l, double t, double wall,
		 const char *kind);

void event_key(struct event_line *l, const char *key);
void event_str(struct event_line *l, const char *s, size_t len);
void event_num(struct event_line *l, double v); /* NaN, inf: null */
void event_int(struct event_line *l, long long v);
void event_bool(struct event_line *l, bool v);
void event_null(struct event_line *l);
/* '{' or '[' opens, '}' or ']' closes a nested value. */
void event_open(struct event_line *l, char c);
void event_close(struct event_line *l, char c);

/* Closes the object.  Returns 0, or -ENOMEM when the line could not be
 * built; l->buf is then NUL-terminated text without a newline. */
int event_end(struct event_line *l);

void event_line_free(struct event_line *l);

#endif
