#include <errno.h>
#include <string.h>

#include "core/sys/intr.h"
#include "topo/err.h"

volatile sig_atomic_t intr_signal;

static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	intr_signal = sig;
}

int intr_install(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) < 0)
			return -errno;
	/* A reader that went away (lunet ... | head) must not kill us
	 * halfway through a teardown. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

void intr_reset(void)
{
	size_t i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		signal(signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

int intr_check(struct err *err)
{
	if (!intr_signal)
		return 0;
	return err_set(err, -EINTR, "interrupted by signal %d", intr_signal);
}
