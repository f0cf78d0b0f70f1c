// SPDX-License-Identifier: GPL-2.0-only
/* Thread names: the process's name and what the thread does, 15 characters kept. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <kvmini/thread-name.h>

#include "tap.h"

/* Alive until the main thread has named it and read the name back (a pipe's end closed). */
static void *wait_for_close(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) > 0)
		;
	return NULL;
}

static bool composes(const char *base, const char *what, const char *want)
{
	char name[THREAD_NAME_MAX];

	thread_name_compose(name, base, what);
	if (strcmp(name, want))
		printf("# got '%s', want '%s'\n", name, want);
	return !strcmp(name, want);
}

int main(void)
{
	char got[THREAD_NAME_MAX] = "";
	pthread_t t;
	int fds[2];

	ok(composes("kvmini", "vcpu0", "kvmini-vcpu0"), "kvmini-vcpu0");
	ok(composes("webserver-prod", "vcpu12", "webserve-vcpu12"),
	   "a long name is cut, what the thread does kept whole");
	ok(composes("webserver-prod", "io", "webserver-pr-io"), "the same for the I/O thread");
	ok(composes("x", "a-very-long-role", "a-very-long-rol"), "no room for the name: what alone");
	ok(composes("", "io", "io"), "no name: what alone");

	/* The process's name, as --name sets it (prctl on the main thread). */
	ok(!prctl(PR_SET_NAME, "guestA"), "process named guestA");
	if (!pipe(fds) && !pthread_create(&t, NULL, wait_for_close, &fds[0])) {
		thread_set_name(t, "vcpu%u", 3);
		(void)pthread_getname_np(t, got, sizeof(got));
		close(fds[1]);
		pthread_join(t, NULL);
		close(fds[0]);
	}
	ok(!strcmp(got, "guestA-vcpu3"), "a thread named after it: %s", got);
	return tap_done();
}
