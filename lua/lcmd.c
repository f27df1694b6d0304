/*
 * node:cmd() on the event loop: the command's output is read by an io
 * watcher and its end seen by a child watcher, so timers, probes and flaps
 * go on while it runs, and a task running it yields (lua/ltime.c).
 *
 * libev's default loop reaps every child (waitpid(-1) on SIGCHLD) and
 * hands the status to the ev_child watcher of its pid, so a command is
 * done when both its output has ended and that watcher has fired.
 */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "core/sys/proc.h"
#include "lua/lunet.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define CMD_MT "lunet.cmd"

struct cmd {
	struct ltime_wait w;
	ev_io io;
	ev_child child;
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap;
	int status;
	int err;
};

static void cmd_check(struct cmd *c)
{
	if (c->fd < 0 && !c->pid)
		ltime_done(&c->w);
}

static void cmd_close(struct cmd *c)
{
	if (c->fd >= 0) {
		ev_io_stop(EV_DEFAULT, &c->io);
		close(c->fd);
		c->fd = -1;
	}
}

static void on_exit_status(struct ev_loop *loop, ev_child *w, int revents)
{
	struct cmd *c = container_of(w, struct cmd, child);

	ev_child_stop(loop, w);
	c->status = w->rstatus;
	c->pid = 0;
	cmd_check(c);
}

static void on_output(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cmd *c = container_of(w, struct cmd, io);
	ssize_t n;
	char *grown;

	for (;;) {
		if (c->cap - c->len < 4096) {
			grown = realloc(c->buf, c->cap * 2);
			if (!grown) {
				c->err = -ENOMEM;
				break;
			}
			c->buf = grown;
			c->cap *= 2;
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			c->err = -errno;
		break;
	}
	cmd_close(c);
	if (c->err && c->pid > 0)
		kill(c->pid, SIGKILL);
	cmd_check(c);
}

static void cmd_kill(struct cmd *c)
{
	cmd_close(c);
	if (c->pid > 0) {
		ev_child_stop(EV_DEFAULT, &c->child);
		kill(c->pid, SIGKILL);
		/* ECHILD when the loop reaped it already. */
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
}

static void cmd_cancel(struct ltime_wait *w)
{
	cmd_kill(container_of(w, struct cmd, w));
}

static int cmd_gc(lua_State *L)
{
	struct cmd *c = luaL_checkudata(L, 1, CMD_MT);

	cmd_kill(c);
	free(c->buf);
	c->buf = NULL;
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static int cmd_k(lua_State *L, int status, lua_KContext ctx)
{
	struct cmd *c = luaL_checkudata(L, (int)ctx, CMD_MT);

	if (c->err)
		return luaL_error(L, "command output: %s", strerror(-c->err));
	lua_pushlstring(L, c->buf, c->len);
	lua_pushinteger(L, exit_code(c->status));
	return 2;
}

int lcmd_run(lua_State *L, const char *nspath, char **argv,
	     const char *node)
{
	struct proc_opts o = { .in = -1, .pdeathsig = SIGKILL };
	struct cmd *c;
	int pipefd[2], idx;

	c = lua_newuserdatauv(L, sizeof(*c), 0);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (luaL_newmetatable(L, CMD_MT)) {
		lua_pushcfunction(L, cmd_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	idx = lua_gettop(L);
	c->cap = 8192;
	c->buf = malloc(c->cap);
	if (!c->buf)
		return luaL_error(L, "out of memory");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return luaL_error(L, "node %s: %s: %s", node, argv[0],
				  strerror(errno));
	o.out = o.err = pipefd[1];
	/* The loop must exist (and catch SIGCHLD) before the child can
	 * exit: EV_DEFAULT makes it on first use. */
	ev_child_init(&c->child, on_exit_status, 0, 0);
	(void)EV_DEFAULT;
	c->pid = proc_spawn(nspath, argv, &o);
	close(pipefd[1]);
	if (c->pid < 0) {
		int rc = c->pid;

		c->pid = 0;
		close(pipefd[0]);
		return luaL_error(L, "node %s: %s: %s", node, argv[0],
				  strerror(-rc));
	}
	ev_child_set(&c->child, c->pid, 0);
	ev_child_start(EV_DEFAULT, &c->child);
	c->fd = pipefd[0];
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	c->w.cancel = cmd_cancel;
	ev_io_init(&c->io, on_output, c->fd, EV_READ);
	ev_io_start(EV_DEFAULT, &c->io);
	return ltime_wait(L, &c->w, idx, cmd_k);
}
