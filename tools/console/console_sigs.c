/* Signals while a console runs: SIGINT, SIGTERM and SIGHUP set
 * intr_signal (so a running command sees EINTR) and wake the libev loop,
 * which calls the front end's callback. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ev.h>

#include "core/sys/intr.h"
#include "tools/console/console.h"

struct console_sigs {
	ev_signal w[3];
	void (*cb)(int sig, void *arg);
	void *arg;
};

static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

/* Sets the flag that stops a running command at its next safe point, and
 * wakes the loop (ev_feed_signal() is safe in a signal handler) so that
 * the watcher sees the signal even when it came while the loop was about
 * to wait.  Installed over libev's own handler, and without SA_RESTART:
 * a command waiting on a child or a read must see EINTR. */
static void on_signal(int sig)
{
	intr_signal = sig;
	ev_feed_signal(sig);
}

static void on_ev_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct console_sigs *s = w->data;

	s->cb(w->signum, s->arg);
}

struct console_sigs *console_sigs_new(void (*cb)(int sig, void *arg),
				      void *arg)
{
	struct console_sigs *s = calloc(1, sizeof(*s));
	struct sigaction sa;
	size_t i;

	if (!s)
		return NULL;
	s->cb = cb;
	s->arg = arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		ev_signal_init(&s->w[i], on_ev_signal, signals[i]);
		s->w[i].data = s;
		ev_signal_start(EV_DEFAULT, &s->w[i]);
		sigaction(signals[i], &sa, NULL);
	}
	return s;
}

void console_sigs_free(struct console_sigs *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < 3; i++)
		ev_signal_stop(EV_DEFAULT, &s->w[i]);
	intr_install();
	free(s);
}
