/*
 * The console's front end: reads command lines from the user and runs
 * them, on the libev loop, so that whatever else runs on the loop (the
 * control socket, timers, probes) goes on while the prompt waits.
 *
 * On a terminal, lines are edited with libedit through its readline
 * interface in callback mode: the loop watches stdin and feeds libedit
 * one key at a time.  From a pipe or a file, lines are read as they come,
 * without prompt or echo.  Commands that need the terminal (a command in
 * a node, sh) run as children of this process, in the foreground: Ctrl-C
 * stops them and not the console.
 */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "core/control/ctl.h"
#include "core/sys/intr.h"
#include "core/sys/proc.h"
#include "core/control/state.h"
#include "tools/console/console.h"

struct fe {
	struct console *c;  /* the local console, or NULL when attached */
	int fd;             /* attached: the control socket */
	pid_t owner;        /* attached: the serving process */
	const char *name;
	bool tty, done;
	int status;         /* of the last command that failed */
	ev_io in;           /* stdin */
	struct console_sigs *sigs;
	char *buf;          /* from a pipe: bytes read, not yet a line */
	size_t len, cap;
	ev_child cw;        /* the child running on the terminal */
	pid_t child;
	char **words;       /* the completions being handed to libedit */
	size_t nwords, next;
	char history[PATH_MAX];
};

/* libedit's callbacks take no argument: the one front end of the
 * process. */
static struct fe *fe_current;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Attached: Ctrl-C while waiting for a reply interrupts the command in
 * the serving process, which takes SIGINT to mean just that. */
static int wait_reply(struct fe *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };

	for (;;) {
		if (poll(&p, 1, -1) > 0)
			return 0;
		if (errno != EINTR)
			return -errno;
		if (intr_signal == SIGINT) {
			intr_signal = 0;
			kill(f->owner, SIGINT);
		} else if (intr_signal) {
			return -EINTR;
		}
	}
}

static int parse_run(const char *buf, size_t len, struct console_run *run)
{
	size_t a = strnlen(buf, len), b;

	if (a + 1 >= len || a >= sizeof(run->nspath))
		return -EPROTO;
	b = strnlen(buf + a + 1, len - a - 1);
	if (a + b + 2 >= len || b >= sizeof(run->who))
		return -EPROTO;
	memcpy(run->nspath, buf, a + 1);
	memcpy(run->who, buf + a + 1, b + 1);
	run->cmd = NULL;
	if (buf[a + b + 2] == 'c') {
		run->cmd = strndup(buf + a + b + 3, len - a - b - 3);
		if (!run->cmd)
			return -ENOMEM;
	}
	return 0;
}

/* Sends a request and prints the reply's output (or, with out, keeps
 * its first CTL_OUT there).  *status is the command's, or CONSOLE_RUN
 * with run filled.  Returns 0 or -errno when the connection failed. */
static int remote(struct fe *f, int type, const char *line,
		  struct console_run *run, char **out, int *status)
{
	size_t len;
	char *buf;
	int rc, t;

	rc = ctl_send(f->fd, type, line, strlen(line));
	while (!rc) {
		rc = wait_reply(f);
		if (!rc)
			rc = ctl_recv(f->fd, &t, &buf, &len);
		if (rc)
			break;
		if (t == CTL_OUT && out && !*out)
			*out = buf, buf = NULL;
		else if (t == CTL_OUT)
			fwrite(buf, 1, len, stdout);
		else if (t == CTL_ERR)
			fwrite(buf, 1, len, stderr);
		else if (t == CTL_EXIT)
			*status = ctl_status(buf, len);
		else if (t == CTL_RUN && !(rc = parse_run(buf, len, run)))
			*status = CONSOLE_RUN;
		free(buf);
		if (t == CTL_EXIT || t == CTL_RUN)
			break;
	}
	return rc;
}

/* Attached: "source FILE" names a file of ours; the serving process may
 * run elsewhere, so the name is made absolute. */
static int remote_exec(struct fe *f, const char *line, struct console_run *run)
{
	char path[PATH_MAX], *abs = NULL;
	const char *w, *rest;
	int rc, status = 1;

	if (console_first_word(line, &w, &rest) == 6 &&
	    !strncmp(w, "source", 6) && *rest && realpath(rest, path) &&
	    asprintf(&abs, "source %s", path) > 0)
		line = abs;
	rc = remote(f, CTL_LINE, line, run, NULL, &status);
	free(abs);
	if (rc) {
		fprintf(stderr, "lunet: %s: the connection is gone (%s); "
			"was it stopped?\n", f->name, strerror(-rc));
		f->done = true;
		return 1;
	}
	return status;
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	ev_child_stop(loop, w);
	ev_break(loop, EVBREAK_ONE);
}

static pid_t spawn(struct fe *f, const struct console_run *run)
{
	const char *shell = getenv("SHELL");
	char *argv[4] = { "/bin/sh", "-c", run->cmd, NULL };
	struct proc_opts o = { .in = -1, .out = -1, .err = -1,
			       .pdeathsig = SIGKILL };
	pid_t pid;

	if (!run->cmd) {
		argv[0] = (char *)(shell && *shell ? shell : "/bin/sh");
		argv[1] = NULL;
	}
	/* From a pipe, the rest of the input is commands, not data. */
	if (!f->tty)
		o.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (run->nspath[0]) {
		pid = proc_spawn(run->nspath, argv, &o);
	} else {
		pid = fork();
		if (pid == 0) {
			intr_reset();
			if (o.in >= 0)
				dup2(o.in, 0);
			execvp(argv[0], argv);
			dprintf(2, "lunet: %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		if (pid < 0)
			pid = -errno;
	}
	if (o.in >= 0)
		close(o.in);
	return pid;
}

/* Runs a command on the terminal and waits for it, the loop turning
 * meanwhile.  The console ignores SIGINT until it ends: Ctrl-C is the
 * command's. */
static int run_terminal(struct fe *f, const struct console_run *run)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int status, code;

	sigaction(SIGINT, &ign, &old);
	f->child = spawn(f, run);
	if (f->child < 0) {
		sigaction(SIGINT, &old, NULL);
		fprintf(stderr, "%s: cannot start: %s\n", run->who,
			strerror(-f->child));
		f->child = 0;
		return 126;
	}
	ev_child_init(&f->cw, on_child, f->child, 0);
	f->cw.rstatus = 0;
	ev_child_start(EV_DEFAULT, &f->cw);
	ev_run(EV_DEFAULT, 0);
	if (ev_is_active(&f->cw)) { /* the loop was left for good */
		ev_child_stop(EV_DEFAULT, &f->cw);
		waitpid(f->child, &f->cw.rstatus, 0);
	}
	status = f->cw.rstatus;
	f->child = 0;
	sigaction(SIGINT, &old, NULL);
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
		fprintf(stderr, "%s: interrupted\n", run->who);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "%s: killed by signal %d\n", run->who,
			WTERMSIG(status));
	else if (code)
		fprintf(stderr, "%s: exit status %d\n", run->who, code);
	return code;
}

static int dispatch(struct fe *f, const char *line)
{
	struct console_run run = { .cmd = NULL };
	int rc;

	if (f->c)
		rc = console_exec(f->c, line, stdout, stderr, &run);
	else
		rc = remote_exec(f, line, &run);
	if (rc == CONSOLE_RUN) {
		fflush(stdout);
		rc = run_terminal(f, &run);
		free(run.cmd);
	}
	return rc;
}

static void run_line(struct fe *f, const char *line)
{
	const char *w, *rest;
	size_t n = console_first_word(line, &w, &rest);
	double t0;
	int rc;

	if ((n == 4 && !strncmp(w, "exit", 4)) ||
	    (n == 4 && !strncmp(w, "quit", 4))) {
		f->done = true;
		return;
	}
	/* Commands may turn the loop (pingall does): no new line may start
	 * in the middle of this one. */
	ev_io_stop(EV_DEFAULT, &f->in);
	if (n == 4 && !strncmp(w, "time", 4) && *rest) {
		t0 = now();
		rc = dispatch(f, rest);
		printf("time: %.3f s\n", now() - t0);
	} else {
		rc = n ? dispatch(f, line) : 0;
	}
	fflush(stdout);
	if (rc)
		f->status = rc;
	if (!f->done)
		ev_io_start(EV_DEFAULT, &f->in);
}

/* Terminal input, through libedit. */

static void on_line(char *line)
{
	struct fe *f = fe_current;

	if (!line) {
		putchar('\n'); /* Ctrl-D on an empty line */
		f->done = true;
	} else {
		if (*line)
			add_history(line);
		run_line(f, line);
		free(line);
	}
	if (f->done) {
		rl_callback_handler_remove();
		ev_break(EV_DEFAULT, EVBREAK_ALL);
	} else {
		/* Newer libedit leaves the terminal cooked after a line;
		 * installing again makes it raw and shows the prompt. */
		rl_callback_handler_install(CONSOLE_PROMPT, on_line);
	}
}

static char *next_word(const char *text, int state)
{
	struct fe *f = fe_current;

	if (!state)
		f->next = 0;
	if (f->next >= f->nwords)
		return NULL;
	return strdup(f->words[f->next++]);
}

/* Asks the console (here or through the socket) for the words that may
 * follow the line up to the cursor. */
static int complete_words(struct fe *f, const char *line, bool *files)
{
	struct console_run run;
	char *out = NULL, *p, *nl;
	int rc, status = 1;
	size_t n = 0;

	if (f->c)
		return console_complete(f->c, line, &f->words, &f->nwords,
					files);
	rc = remote(f, CTL_COMPLETE, line, &run, &out, &status);
	*files = !rc && status == 2;
	if (rc || status || !out) {
		free(out);
		return rc;
	}
	for (p = out; *p; p++)
		n += *p == '\n';
	f->words = calloc(n + 1, sizeof(*f->words));
	for (p = out; f->words && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		f->words[f->nwords] = strdup(p);
		if (f->words[f->nwords])
			f->nwords++;
	}
	free(out);
	return 0;
}

static char **on_complete(const char *text, int start, int end)
{
	struct fe *f = fe_current;
	char **matches = NULL, *line;
	bool files = false;

	line = strndup(rl_line_buffer, end);
	if (line && !complete_words(f, line, &files) && f->nwords)
		matches = rl_completion_matches(text, next_word);
	console_words_free(f->words, f->nwords);
	f->words = NULL;
	f->nwords = 0;
	free(line);
	/* File names (sh, source) are libedit's own to complete. */
	rl_attempted_completion_over = !files;
	return matches;
}

static void on_stdin_tty(struct ev_loop *loop, ev_io *w, int revents)
{
	rl_callback_read_char();
}

/* Pipe input: whole lines, as they come. */

static void feed_lines(struct fe *f, bool eof)
{
	char *nl, *line = f->buf;

	while (!f->done &&
	       (nl = memchr(line, '\n', f->len - (line - f->buf)))) {
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0'; /* a file written on Windows */
		run_line(f, line);
		line = nl + 1;
	}
	f->len -= line - f->buf;
	memmove(f->buf, line, f->len);
	if (eof && f->len && !f->done) {
		f->buf[f->len] = '\0';
		run_line(f, f->buf);
	}
	if (eof)
		f->done = true;
	if (f->done)
		ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void on_stdin_pipe(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fe *f = fe_current;
	char *nbuf;
	ssize_t n;

	if (f->cap - f->len < 4096) {
		nbuf = realloc(f->buf, f->cap * 2 + 4096);
		if (!nbuf) {
			fprintf(stderr, "lunet: out of memory\n");
			f->status = 1;
			feed_lines(f, true);
			return;
		}
		f->buf = nbuf;
		f->cap = f->cap * 2 + 4096;
	}
	n = read(0, f->buf + f->len, f->cap - f->len - 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		f->len += n;
	feed_lines(f, n <= 0);
}

static void on_signal(int sig, void *arg)
{
	struct fe *f = arg;

	if (sig == SIGINT && intr_signal != SIGINT)
		return; /* a command got it and has stopped */
	intr_signal = 0;
	if (sig == SIGINT && f->tty && !f->done) {
		/* At the prompt: drop the line, as a shell does. */
		putchar('\n');
		fflush(stdout);
		/* Leaving callback mode and entering it again empties
		 * libedit's line and shows the prompt (rl_replace_line()
		 * does nothing with an empty line in libedit). */
		rl_callback_handler_remove();
		rl_callback_handler_install(CONSOLE_PROMPT, on_line);
		return;
	}
	/* SIGTERM ("lunet down"), SIGHUP (the terminal went away), or
	 * Ctrl-C on a console reading a pipe: leave. */
	f->done = true;
	f->status = 128 + sig;
	if (f->child > 0)
		kill(f->child, SIGHUP);
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void tty_start(struct fe *f)
{
	const char *home = getenv("HOME");

	rl_readline_name = "lunet";
	rl_catch_signals = 0; /* ours go through the loop */
	rl_attempted_completion_function = on_complete;
	rl_completer_word_break_characters = " \t\n";
	f->history[0] = '\0';
	if (home && *home) {
		snprintf(f->history, sizeof(f->history), "%s/%s", home,
			 CONSOLE_HISTORY);
		using_history();
		read_history(f->history);
	}
	rl_callback_handler_install(CONSOLE_PROMPT, on_line);
	ev_io_init(&f->in, on_stdin_tty, 0, EV_READ);
}

static void tty_stop(struct fe *f)
{
	rl_callback_handler_remove();
	if (f->history[0]) {
		write_history(f->history);
		history_truncate_file(f->history, 1000);
	}
}

/* Connects to emulation name's control socket and checks its greeting. */
static int attach(struct fe *f, const char *name)
{
	struct state_info info;
	char path[256], *hello;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	size_t len;
	int t, rc;

	if (state_path(path, sizeof(path), name, CTL_FILE))
		return fprintf(stderr, "lunet: %s: name too long\n", name), 1;
	f->fd = ctl_connect(path);
	if (f->fd == -ENOENT && state_read_info(name, &info) == -ENOENT)
		return fprintf(stderr, "lunet: no emulation named '%s'\n",
			       name), 1;
	if (f->fd == -ENOENT)
		return fprintf(stderr, "lunet: %s has no console to attach "
			       "to: only one left up by 'lunet up', or run "
			       "by 'lunet console', has\n", name), 1;
	if (f->fd < 0)
		return fprintf(stderr, "lunet: %s: %s\n", path,
			       strerror(-f->fd)), 1;
	rc = ctl_recv(f->fd, &t, &hello, &len);
	if (!rc && (t != CTL_HELLO || strncmp(hello, CTL_VERSION,
					      strlen(CTL_VERSION))))
		rc = -EPROTO;
	if (!rc)
		free(hello);
	if (!rc && getsockopt(f->fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen))
		rc = -errno;
	if (rc)
		return fprintf(stderr, "lunet: %s: %s\n", path, strerror(-rc)),
		       1;
	f->owner = cr.pid;
	return 0;
}

int console_interact(struct console *c, const char *name)
{
	struct fe f = { .c = c, .fd = -1, .name = c ? console_name(c) : name };

	if (!c && attach(&f, name))
		return 1;
	fe_current = &f;
	f.tty = isatty(0);
	f.sigs = console_sigs_new(on_signal, &f);
	if (!f.sigs) {
		fprintf(stderr, "lunet: out of memory\n");
		f.status = 1;
		goto out;
	}
	if (f.tty && !c)
		printf("lunet: attached to %s; 'exit' leaves it running\n",
		       name);
	if (f.tty)
		tty_start(&f);
	else
		ev_io_init(&f.in, on_stdin_pipe, 0, EV_READ);
	ev_io_start(EV_DEFAULT, &f.in);
	ev_run(EV_DEFAULT, 0);
	ev_io_stop(EV_DEFAULT, &f.in);
	if (f.tty)
		tty_stop(&f);
out:
	console_sigs_free(f.sigs);
	free(f.buf);
	if (f.fd >= 0)
		close(f.fd);
	fe_current = NULL;
	return f.status;
}
