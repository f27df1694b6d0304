/* "lunet console": a console on a network it builds, or attached to a
 * running emulation. */
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

/* The console on the network a file built (run_file()'s last step). */
static int console_here(lua_State *L, struct lnet *n)
{
	struct console_server *srv;
	struct console *c;
	struct err err;
	int rc;

	if (!cli_push_net(L, n && n->emu ? n : NULL))
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
		{ "machines", required_argument, NULL, 'm' },
		{ "events", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *attach = NULL, *name = NULL, *topo = NULL;
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "console", "+a:hqn:t:m:e:",
			       longopts)) != -1) {
		if (c == 'e')
			cli_events_opt = optarg;
		else if (c == 'a')
			attach = optarg;
		else if (c == 'n')
			name = optarg;
		else if (c == 't')
			topo = optarg;
		else if (c == 'm') {
			cli_machines_opt = optarg;
			emu_machines_default(optarg, 0);
		}
		else if (c == 'q')
			cli_quiet = true;
		else if (c == 'h')
			cli_help_exit("console");
	}
	if (argc - optind > 1 ||
	    (attach && (optind < argc || name || topo || cli_machines_opt ||
			cli_events_opt)))
		cli_usage_exit("console");
	if (cli_need_root())
		return 1;
	if (attach)
		return console_interact(NULL, attach);
	return cli_run_file(optind < argc ? argv[optind] : NULL, topo, name,
			    console_here);
}
