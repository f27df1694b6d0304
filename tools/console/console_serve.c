/* The console over the control socket: serving attached consoles, and
 * the body of the "lunet up" daemon. */
#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/control/ctl.h"
#include "core/sys/intr.h"
#include "core/control/state.h"
#include "tools/console/console_int.h"
#include "lua/lunet.h"

struct console_server {
	struct console *c;
	struct ctl_server *ctl;
	bool daemon; /* leave the loop once the network is stopped */
};


/* A CTL_RUN payload: the namespace, who, then 'c' and the command line,
 * or 'i' for an interactive shell. */
static int reply_run(struct ctl_conn *conn, const struct console_run *run)
{
	size_t a = strlen(run->nspath) + 1, b = strlen(run->who) + 1;
	size_t c = run->cmd ? strlen(run->cmd) : 0;
	char *buf = malloc(a + b + 1 + c);
	int rc;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, run->nspath, a);
	memcpy(buf + a, run->who, b);
	buf[a + b] = run->cmd ? 'c' : 'i';
	if (run->cmd)
		memcpy(buf + a + b + 1, run->cmd, c);
	rc = ctl_reply(conn, CTL_RUN, buf, a + b + 1 + c);
	free(buf);
	return rc;
}

static void serve_line(struct console_server *s, struct ctl_conn *conn,
		       const char *line)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	struct console_run run = { .cmd = NULL };
	FILE *out, *err;
	int rc = 1;

	out = open_memstream(&obuf, &olen);
	err = open_memstream(&ebuf, &elen);
	if (out && err)
		rc = console_exec(s->c, line, out, err, &run);
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	if (!out || !err)
		ctl_reply(conn, CTL_ERR, "out of memory\n", 14);
	if (olen)
		ctl_reply(conn, CTL_OUT, obuf, olen);
	if (elen)
		ctl_reply(conn, CTL_ERR, ebuf, elen);
	if (rc == CONSOLE_RUN)
		reply_run(conn, &run);
	else
		ctl_reply_status(conn, rc);
	free(run.cmd);
	free(obuf);
	free(ebuf);
}

/* The words, one a line; status 2 asks the client to complete a file
 * name itself. */
static void serve_complete(struct console_server *s, struct ctl_conn *conn,
			   const char *line)
{
	char **words, *buf;
	size_t n, i, len = 0;
	bool files;

	if (console_complete(s->c, line, &words, &n, &files)) {
		ctl_reply_status(conn, 1);
		return;
	}
	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	buf = malloc(len + 1);
	if (buf) {
		for (len = 0, i = 0; i < n; i++)
			len += sprintf(buf + len, "%s\n", words[i]);
		if (len)
			ctl_reply(conn, CTL_OUT, buf, len);
	}
	ctl_reply_status(conn, !buf ? 1 : files ? 2 : 0);
	free(buf);
	console_words_free(words, n);
}

static void on_request(void *arg, struct ctl_conn *conn, int type,
		       const char *buf, size_t len)
{
	struct console_server *s = arg;

	if (type == CTL_LINE)
		serve_line(s, conn, buf);
	else if (type == CTL_COMPLETE)
		serve_complete(s, conn, buf);
	else
		ctl_reply_status(conn, 1);
	if (s->daemon && !s->c->n->emu)
		ev_break(EV_DEFAULT, EVBREAK_ALL);
}

/* While a command runs, the server's other clients wait. */
static void serve_hold(void *arg, bool hold)
{
	struct console_server *s = arg;

	ctl_server_hold(s->ctl, hold);
}

static struct console_server *serve(struct console *c, bool daemon,
				    struct err *err)
{
	char path[256], hello[128];
	struct console_server *s;
	const char *name = console_name(c);
	int rc;

	rc = state_path(path, sizeof(path), name, CTL_FILE);
	if (rc)
		goto err_say;
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = -ENOMEM;
		goto err_say;
	}
	snprintf(hello, sizeof(hello), "%s %s", CTL_VERSION, name);
	s->c = c;
	s->daemon = daemon;
	s->ctl = ctl_server_new(EV_DEFAULT, path, hello, on_request, s, &rc);
	if (!s->ctl) {
		free(s);
		goto err_say;
	}
	c->hold = serve_hold;
	c->hold_arg = s;
	return s;

err_say:
	err_set(err, rc, "cannot serve %s/%s/%s: %s", state_dir(), name,
		CTL_FILE, strerror(-rc));
	return NULL;
}

struct console_server *console_serve(struct console *c, struct err *err)
{
	return serve(c, false, err);
}

void console_serve_stop(struct console_server *s)
{
	if (!s)
		return;
	s->c->hold = NULL;
	s->c->hold_arg = NULL;
	ctl_server_free(s->ctl);
	free(s);
}


/* Tells the parent waiting on the pipe how it went, and closes it. */
static void tell(int fd, const char *msg)
{
	ssize_t n = write(fd, msg, strlen(msg));

	(void)n; /* a parent that is gone does not need to know */
	close(fd);
}

static void daemon_signal(int sig, void *arg)
{
	if (sig == SIGTERM)
		ev_break(EV_DEFAULT, EVBREAK_ALL);
	else
		intr_signal = 0; /* it interrupted a command, if any */
}

int console_daemon(struct console *c, int ready)
{
	struct console_sigs *sigs;
	struct console_server *s;
	struct err err;

	err_clear(&err);
	s = serve(c, true, &err);
	sigs = s ? console_sigs_new(daemon_signal, NULL) : NULL;
	if (!sigs) {
		tell(ready, s ? "out of memory" : err.msg);
		console_serve_stop(s);
		return 1;
	}
	/* No terminal is ours after setsid(); a stray SIGHUP means
	 * nothing. */
	signal(SIGHUP, SIG_IGN);
	tell(ready, "ok");
	if (intr_signal != SIGTERM) {
		intr_signal = 0;
		ev_run(EV_DEFAULT, 0);
	}
	console_sigs_free(sigs);
	console_serve_stop(s);
	return 0;
}
