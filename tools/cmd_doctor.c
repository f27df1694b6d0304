/* "lunet doctor": the kernel features lunet uses, probed. */
#include <stdio.h>

#include "core/impair/impair.h"
#include "core/sys/feature.h"
#include "tools/cli.h"

int cmd_doctor(int argc, char **argv)
{
	const char *path, *missing;
	int f, p, has, rc = 0;

	cli_plain_opts(argc, argv, "doctor", 0);
	if (cli_need_root())
		return 1;
	printf("%-9s %-8s %-24s %s\n", "FEATURE", "KERNEL", "CONFIG",
	       "USED FOR");
	for (f = 0; f < FEAT_COUNT; f++) {
		has = feature_has(f);
		printf("%-9s %-8s %-24s %s\n", feature_name(f),
		       has > 0 ? "yes" : has == 0 ? "missing" : "unknown",
		       feature_config(f), feature_use(f));
		if (has <= 0 && (f == FEAT_VETH || f == FEAT_BRIDGE))
			rc = 1;
	}
	/* Which way each link impairment goes on this kernel. */
	printf("\n%-10s %s\n", "IMPAIRMENT", "PATH ON THIS KERNEL");
	for (p = 0; p < IMP_NPARAMS; p++) {
		path = impair_path(p, &missing);
		if (path)
			printf("%-10s %s\n", impair_param_name(p), path);
		else
			printf("%-10s refused: the kernel lacks %s\n",
			       impair_param_name(p), missing);
	}
	return rc;
}

