/* "lunet ls": the emulations recorded on this machine. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/control/state.h"
#include "tools/cli.h"

static void format_age(char *buf, size_t len, long long created)
{
	long long s = (long long)time(NULL) - created;

	if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%lldh", s / 3600);
}

int cmd_ls(int argc, char **argv)
{
	struct state_info info;
	char **names, age[32], owner[16];
	size_t n, i;
	int rc;

	cli_plain_opts(argc, argv, "ls", 0);
	rc = state_list(&names, &n);
	if (rc)
		return cli_fail("%s: %s", state_dir(), strerror(-rc));
	if (n)
		printf("%-20s %-9s %7s %7s %8s %5s\n", "NAME", "STATUS",
		       "NODES", "LINKS", "OWNER", "AGE");
	for (i = 0; i < n; i++) {
		if (state_read_info(names[i], &info))
			continue;
		format_age(age, sizeof(age), info.created);
		snprintf(owner, sizeof(owner), "%d", (int)info.owner);
		printf("%-20s %-9s %7u %7u %8s %5s\n", names[i],
		       state_is_stale(&info) ? "stale" :
					       state_status_name(info.status),
		       info.nnodes, info.nlinks, info.owner ? owner : "-",
		       age);
	}
	state_list_free(names, n);
	return 0;
}

