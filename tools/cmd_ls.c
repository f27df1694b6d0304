/* "lunet ls": the emulations recorded on this machine, with how many of
 * their routing daemons run. */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "core/cluster/coord.h"
#include "core/control/state.h"
#include "core/routing/routing.h"
#include "tools/cli.h"
#include "topo/topo.h"

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

/* "alive/total" of the emulation's routing daemons into buf, "-" for
 * none; reads the whole record, so only when it has routers. */
static void format_daemons(const char *name, char *buf, size_t len)
{
	int alive = 0, total = 0, t1;
	struct state_info info;
	struct topo *t;
	uint32_t i;

	snprintf(buf, len, "-");
	/* Across machines the daemons are the workers' to count. */
	if (cluster_recorded(name)) {
		snprintf(buf, len, "remote");
		return;
	}
	if (state_read(name, &t, &info, NULL))
		return;
	for (i = 0; i < t->nnodes; i++) {
		if (!t->nodes[i].routing)
			continue;
		alive += routing_node_alive(t, i, &t1);
		total += t1;
	}
	if (total)
		snprintf(buf, len, "%d/%d", alive, total);
	topo_free(t);
}

/* Across machines: a machine of it is gone (core/cluster/coord.c). */
static bool degraded(const char *name)
{
	char path[256];

	return !state_path(path, sizeof(path), name, "degraded") &&
	       access(path, F_OK) == 0;
}

int cmd_ls(int argc, char **argv)
{
	struct state_info info;
	char **names, age[32], owner[16], daemons[32];
	size_t n, i;
	int rc;

	cli_plain_opts(argc, argv, "ls", 0);
	rc = state_list(&names, &n);
	if (rc)
		return cli_fail("%s: %s", state_dir(), strerror(-rc));
	if (n)
		printf("%-20s %-9s %7s %7s %8s %5s %8s\n", "NAME", "STATUS",
		       "NODES", "LINKS", "OWNER", "AGE", "DAEMONS");
	for (i = 0; i < n; i++) {
		if (state_read_info(names[i], &info))
			continue;
		format_age(age, sizeof(age), info.created);
		snprintf(owner, sizeof(owner), "%d", (int)info.owner);
		format_daemons(names[i], daemons, sizeof(daemons));
		printf("%-20s %-9s %7u %7u %8s %5s %8s\n", names[i],
		       state_is_stale(&info) ? "stale" :
		       degraded(names[i])    ? "degraded" :
					       state_status_name(info.status),
		       info.nnodes, info.nlinks, info.owner ? owner : "-",
		       age, daemons);
	}
	state_list_free(names, n);
	return 0;
}

