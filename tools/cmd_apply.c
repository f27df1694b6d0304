/* "lunet apply NAME FILE": the edited topology file made true of the
 * running emulation NAME, by the process that owns it (its console's
 * "apply", through the control socket). */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"

int cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX], line[PATH_MAX + 32];
	bool dry = false;
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "apply", "nh", longopts)) != -1) {
		if (c == 'n')
			dry = true;
		else if (c == 'h')
			cli_help_exit("apply");
	}
	if (argc - optind != 2)
		cli_usage_exit("apply");
	if (cli_need_root())
		return 1;
	/* The owner runs it from its own directory. */
	if (!realpath(argv[optind + 1], path))
		return cli_fail("%s: %m", argv[optind + 1]);
	if (strpbrk(path, " \t\n"))
		return cli_fail("%s: a path with spaces cannot be applied yet",
				path);
	snprintf(line, sizeof(line), "apply %s%s", path,
		 dry ? " --dry-run" : "");
	return cli_ctl_line(argv[optind], line);
}
