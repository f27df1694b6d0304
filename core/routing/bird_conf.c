/*
 * bird_conf: BIRD 2's config for a router, written from the plan
 * (routing_conf.h).
 */
#include <errno.h>

#include "core/routing/routing_conf.h"

int routing_conf_bird(const struct topo *t, uint32_t n, const char *dir,
		      char **out)
{
	(void)t;
	(void)n;
	(void)dir;
	*out = NULL;
	return -EOPNOTSUPP; /* being written: see the BIRD helper's branch */
}
