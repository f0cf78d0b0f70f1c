/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names for kvmini's threads, as top -H, ps -L, perf and taskset show
 * them: a host operator pins or profiles "kvmini-vcpu0" and "kvmini-io"
 * without guessing which thread id is which.
 */
#ifndef KVMINI_THREAD_NAME_H
#define KVMINI_THREAD_NAME_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kvmini/log.h>

/* Linux keeps 15 characters and the NUL; a longer name is cut, not refused. */
#define THREAD_NAME_MAX 16

/* A name is a convenience: failing to set one is logged and otherwise ignored. */
static inline void __attribute__((format(printf, 2, 3)))
thread_set_name(pthread_t thread, const char *fmt, ...)
{
	char name[THREAD_NAME_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	ret = pthread_setname_np(thread, name);
	if (ret)
		log_debug("vm", "thread name %s: %s", name, strerror(ret));
}

#endif
