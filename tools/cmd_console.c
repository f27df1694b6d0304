/* lunet console, and the daemon "lunet up" leaves behind to own the
 * emulation and serve consoles that attach to it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/control/state.h"
#include "tools/console/console.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"
#include "topo/topo.h"

/* Pushes network n of L (found among every network of the state), or a
 * running one when n is NULL.  Returns false when there is none. */
static bool push_net(lua_State *L, struct lnet *n)
{
	struct lnet *k;
	lua_Integer i;

	lnet_push_all(L);
	for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		k = lnet_check(L, -1);
		if (n ? k == n : k->emu != NULL) {
			lua_remove(L, -2);
			return true;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	return false;
}

/* The console on the network a file built (run_file()'s last step). */
static int console_here(lua_State *L, struct lnet *n)
{
	struct console_server *srv;
	struct console *c;
	struct err err;
	int rc;

	if (!push_net(L, n && n->emu ? n : NULL))
		return cli_fail("the topology made no running network");
	c = console_new(L, -1);
	lua_pop(L, 1);
	if (!c)
		return cli_fail("out of memory");
	/* Another terminal may attach to this console's network too. */
	srv = console_serve(c, &err);
	if (!srv)
		cli_fail("%s", err.msg);
	rc = console_interact(c, NULL);
	console_serve_stop(srv);
	console_free(c);
	return rc;
}

int cmd_console(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "attach", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "name", required_argument, NULL, 'n' },
		{ "topo", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *attach = NULL, *name = NULL, *topo = NULL;
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "console", "+a:hqn:t:",
			       longopts)) != -1) {
		if (c == 'a')
			attach = optarg;
		else if (c == 'n')
			name = optarg;
		else if (c == 't')
			topo = optarg;
		else if (c == 'q')
			cli_quiet = true;
		else if (c == 'h')
			cli_help_exit("console");
	}
	if (argc - optind > 1 ||
	    (attach && (optind < argc || name || topo)))
		cli_usage_exit("console");
	if (cli_need_root())
		return 1;
	if (attach)
		return console_interact(NULL, attach);
	return cli_run_file(optind < argc ? argv[optind] : NULL, topo, name,
			    console_here);
}

/* Everything but network n is another daemon's (or nobody's): forget it
 * here without tearing it down. */
static void release_others(lua_State *L, struct lnet *n)
{
	struct lnet *k;
	lua_Integer i;

	lnet_push_all(L);
	for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		k = lnet_check(L, -1);
		if (k != n && k->emu) {
			emu_release(k->emu);
			k->emu = NULL;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
}

static void daemon_stdio(const char *name)
{
	char path[256];
	int fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (state_path(path, sizeof(path), name, "daemon.log"))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

static void tell(int fd, const char *msg)
{
	ssize_t n = write(fd, msg, strlen(msg));

	(void)n; /* the parent sees EOF either way */
	close(fd);
}

/* The daemon, in the child: owns network n until SIGTERM, then tears it
 * down.  Returns the exit status. */
static int daemon_main(lua_State *L, struct lnet *n, int ready)
{
	const char *name = n->topo->name;
	struct console *c = NULL;
	struct err err;
	int rc = 1;

	setsid();
	daemon_stdio(name);
	if (chdir("/") < 0)
		fprintf(stderr, "lunet: chdir /: %s\n", strerror(errno));
	release_others(L, n);
	fprintf(stderr, "lunet: %s: daemon %d serving\n", name, (int)getpid());
	if (emu_adopt(n->emu)) {
		tell(ready, "cannot record the daemon as the owner");
	} else if (!push_net(L, n) || !(c = console_new(L, -1))) {
		tell(ready, "out of memory");
	} else {
		lua_pop(L, 1);
		rc = console_daemon(c, ready);
	}
	console_free(c);
	lcapture_stop_net(L, n);
	err_clear(&err);
	if (n->emu && emu_stop(n->emu, &err)) /* unless "lua net:stop()" */
		fprintf(stderr, "lunet: %s\n", err.msg);
	n->emu = NULL;
	fprintf(stderr, "lunet: %s: down, daemon %d ends\n", name,
		(int)getpid());
	script_close(L);
	return rc;
}

static ssize_t read_msg(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

int cli_daemon(lua_State *L, struct lnet *n)
{
	const char *name = n->topo->name;
	struct state_info info;
	char msg[600];
	struct err err;
	int pfd[2], status;
	ssize_t len;
	pid_t pid;

	fflush(NULL);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cli_fail("%s: %s", name, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return cli_fail("%s: cannot start its daemon: %s", name,
				strerror(errno));
	}
	if (pid == 0) {
		close(pfd[0]);
		exit(daemon_main(L, n, pfd[1]));
	}
	close(pfd[1]);
	len = read_msg(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	msg[len] = '\0';
	if (!strcmp(msg, "ok")) {
		emu_release(n->emu);
		n->emu = NULL;
		return 0;
	}
	waitpid(pid, &status, 0);
	/* A daemon that died before taking the emulation over leaves it
	 * ours to tear down; one that failed afterwards tore it down. */
	if (!len && !state_read_info(name, &info) && info.owner == getpid()) {
		err_clear(&err);
		emu_stop(n->emu, &err);
	} else {
		emu_release(n->emu);
	}
	n->emu = NULL;
	return cli_fail("%s: the daemon failed: %s", name,
			len ? msg : "it died");
}
