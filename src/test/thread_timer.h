/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A periodic timer that signals one thread, for the host checks: each
 * vCPU thread has its own, so signal delivery (which saves and restores
 * the thread's FP/vector state through a signal frame) keeps hitting the
 * state it holds across KVM_RUN.
 */
#ifndef KVMINI_TEST_THREAD_TIMER_H
#define KVMINI_TEST_THREAD_TIMER_H

#include <signal.h>
#include <time.h>

#include <kvmini/compiler.h>

/*
 * Install handler for signo (SA_SIGINFO | SA_RESTART; the same handler
 * every time) and start a timer firing every period_ns at the calling
 * thread. 0 or -errno; *timer is valid only on success.
 */
int __must_check thread_timer_start(int signo, void (*handler)(int, siginfo_t *, void *),
				    long period_ns, timer_t *timer);

#endif
