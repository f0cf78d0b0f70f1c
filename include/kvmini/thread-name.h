/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names for kvmini's threads, as top -H, ps -L, perf and taskset show
 * them: "kvmini-vcpu0", "kvmini-io", or with --name web, "web-vcpu0" - a
 * host operator pins or profiles a thread of a VM without guessing which
 * thread id is which.
 */
#ifndef KVMINI_THREAD_NAME_H
#define KVMINI_THREAD_NAME_H

#include <pthread.h>
#include <stddef.h>

/* Linux keeps 15 characters and the NUL. */
#define THREAD_NAME_MAX 16

/*
 * "BASE-WHAT" in name (THREAD_NAME_MAX bytes): BASE cut so WHAT is kept
 * whole (WHAT alone if it leaves no room).
 */
void thread_name_compose(char *name, const char *base, const char *what);

/*
 * Name thread after the process (its name, which --name sets) and what
 * (printf-style). A name is a convenience: a failure is logged, no more.
 */
void thread_set_name(pthread_t thread, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
