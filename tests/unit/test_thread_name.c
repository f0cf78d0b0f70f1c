// SPDX-License-Identifier: GPL-2.0-only
/* Thread names: the process's name and what the thread does, 15 characters kept. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <kvmini/thread-name.h>

#include "tap.h"

static void *idle(void *arg)
{
	return arg;
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

	ok(composes("kvmini", "vcpu0", "kvmini-vcpu0"), "kvmini-vcpu0");
	ok(composes("webserver-prod", "vcpu12", "webserve-vcpu12"),
	   "a long name is cut, what the thread does kept whole");
	ok(composes("webserver-prod", "io", "webserver-pr-io"), "the same for the I/O thread");
	ok(composes("x", "a-very-long-role", "a-very-long-rol"), "no room for the name: what alone");
	ok(composes("", "io", "io"), "no name: what alone");

	/* The process's name, as --name sets it (prctl on the main thread). */
	ok(!prctl(PR_SET_NAME, "guestA"), "process named guestA");
	if (!pthread_create(&t, NULL, idle, NULL)) {
		thread_set_name(t, "vcpu%u", 3);
		(void)pthread_getname_np(t, got, sizeof(got));
		pthread_join(t, NULL);
	}
	ok(!strcmp(got, "guestA-vcpu3"), "a thread named after it: %s", got);
	return tap_done();
}
