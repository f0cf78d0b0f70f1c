// SPDX-License-Identifier: GPL-2.0-only
/* Thread names: the process's own name and what the thread does. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <kvmini/log.h>
#include <kvmini/thread-name.h>

void thread_name_compose(char *name, const char *base, const char *what)
{
	size_t what_len = strnlen(what, THREAD_NAME_MAX - 1);
	size_t room = THREAD_NAME_MAX - 1 - what_len;

	if (room < 2 || !*base)
		snprintf(name, THREAD_NAME_MAX, "%.*s", (int)what_len, what);
	else
		snprintf(name, THREAD_NAME_MAX, "%.*s-%.*s", (int)(room - 1), base,
			 (int)what_len, what);
}

/*
 * The process's name: the main thread's, which --name sets. Without /proc
 * (a sandbox), the calling thread's - the main thread, which starts the
 * others; "kvmini" if neither can be read.
 */
static void process_name(char *base)
{
	FILE *f = fopen("/proc/self/comm", "re");

	strcpy(base, "kvmini");
	if (!f) {
		if (prctl(PR_GET_NAME, base))
			strcpy(base, "kvmini");
		return;
	}
	if (fgets(base, THREAD_NAME_MAX, f))
		base[strcspn(base, "\n")] = '\0';
	else
		strcpy(base, "kvmini");
	fclose(f);
}

void thread_set_name(pthread_t thread, const char *fmt, ...)
{
	char base[THREAD_NAME_MAX], what[THREAD_NAME_MAX], name[THREAD_NAME_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	process_name(base);
	thread_name_compose(name, base, what);
	ret = pthread_setname_np(thread, name);
	if (ret)
		log_debug("vm", "thread name %s: %s", name, strerror(ret));
}
