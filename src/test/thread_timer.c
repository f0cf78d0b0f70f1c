// SPDX-License-Identifier: GPL-2.0-only
/* A periodic timer signalling the calling thread (see thread_timer.h). */
#include <errno.h>
#include <unistd.h>

#include "thread_timer.h"

int thread_timer_start(int signo, void (*handler)(int, siginfo_t *, void *), long period_ns,
		       timer_t *timer)
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = signo };
	struct itimerspec period = {
		.it_interval = { .tv_nsec = period_ns },
		.it_value = { .tv_nsec = period_ns },
	};
	timer_t t;

	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL))
		return -errno;
	ev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return -errno;
	if (timer_settime(t, 0, &period, NULL)) {
		int err = errno;

		timer_delete(t);
		return -err;
	}
	*timer = t;
	return 0;
}
