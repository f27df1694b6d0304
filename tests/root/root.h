/*
 * The cmocka tests in tests/root/ need root: they make network namespaces
 * and veths, and load BPF programs.  make runs them only as root
 * (make root-unit, make check).  Run by hand as anyone else they fail in
 * their group setup, loudly, instead of skipping: a skipped test reads
 * as a pass.
 */
#ifndef LUNET_TESTS_ROOT_H
#define LUNET_TESTS_ROOT_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

/* A cmocka group setup, or the first call of one: 0 as root, else -1
 * after saying why on stderr (cmocka then fails the whole group). */
static inline int root_setup(void **state)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
		"%s: these tests need root (euid is %d, not 0); "
		"run them as root: make root-unit\n",
		program_invocation_short_name, (int)geteuid());
	return -1;
}

#endif
