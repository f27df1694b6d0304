/*
 * ctl: the control socket of a running emulation, /run/lunet/<emu>/ctl.
 *
 * A unix stream socket, mode 0600 inside the 0700 state directory, so only
 * root reaches it (there is no TCP port).  The process that owns the
 * emulation serves it; "lunet console --attach" sends console commands
 * through it.  Every message is a frame: one type byte, the payload length
 * as 32 bits big-endian, the payload.
 *
 *   server -> client  CTL_HELLO  "lunet-ctl 1 <emu>", once, on connect
 *   client -> server  CTL_LINE   a command line to run
 *                     CTL_COMPLETE  a line up to the cursor, to complete
 *   server -> client  CTL_OUT, CTL_ERR  output of the command
 *                     CTL_EXIT   the exit status (32 bits big-endian)
 *                     CTL_RUN    or else a command for the client to run
 *                                on its terminal
 *
 * A reply is any number of CTL_OUT and CTL_ERR frames, then one CTL_EXIT
 * or CTL_RUN.
 *
 * The server runs on a libev loop and hands each request to a callback,
 * one request at a time.
 */
#ifndef LUNET_CTL_H
#define LUNET_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct ctl_server;
struct ctl_conn;

#define CTL_FILE "ctl"
#define CTL_VERSION "lunet-ctl 1"
#define CTL_MAX_FRAME (64u << 20) /* a larger frame is a protocol error */

enum ctl_type {
	CTL_HELLO = 'H',
	CTL_LINE = 'L',
	CTL_COMPLETE = 'C',
	CTL_OUT = 'O',
	CTL_ERR = 'E',
	CTL_RUN = 'R',
	CTL_EXIT = 'X',
};

/* Sends one frame on fd (blocking).  Returns 0 or -errno. */
int ctl_send(int fd, int type, const void *buf, size_t len);

/* Sends CTL_EXIT with status. */
int ctl_send_status(int fd, int status);

/* Reads one frame from fd (blocking; EINTR is retried).  *buf is malloc'd
 * and NUL-terminated (caller frees).  Returns 0, -ECONNRESET when the
 * peer closed the connection, -EPROTO on a malformed frame, or -errno. */
int ctl_recv(int fd, int *type, char **buf, size_t *len);

/* Decodes the payload of a CTL_EXIT frame. */
int ctl_status(const char *buf, size_t len);

/* Connects to the socket at path.  Returns the fd or -errno (-ENOENT:
 * nobody serves it). */
int ctl_connect(const char *path);

/* Called for each request of a connection; replies with ctl_reply().
 * buf is NUL-terminated and only valid during the call. */
typedef void ctl_handler(void *arg, struct ctl_conn *conn, int type,
			 const char *buf, size_t len);

/* Listens on path (replacing a socket left there) and serves connections
 * on loop: each is greeted with hello, and each request is handed to fn.
 * Only peers running as root or as this user are accepted.  Returns the
 * server, or NULL with *err = -errno. */
struct ctl_server *ctl_server_new(struct ev_loop *loop, const char *path,
				  const char *hello, ctl_handler *fn,
				  void *arg, int *err);

/* Closes every connection and the socket, and removes its path. */
void ctl_server_free(struct ctl_server *s);

/* While held (calls nest), no connection is accepted or read: a command
 * running elsewhere that turns the loop (pingall does) must not have a
 * request of this server run in the middle of it. */
void ctl_server_hold(struct ctl_server *s, bool hold);

/* Sends one frame of the reply to conn.  Returns 0 or -errno (the
 * connection is then closed once the handler returns). */
int ctl_reply(struct ctl_conn *conn, int type, const void *buf, size_t len);
int ctl_reply_status(struct ctl_conn *conn, int status);

#endif
