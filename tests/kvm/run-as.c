// SPDX-License-Identifier: GPL-2.0-only
/*
 * run-as UID COMMAND [ARGS...]: run COMMAND as an unprivileged user, so the
 * arm64 suite can check kvmini's message when /dev/kvm is not accessible
 * (the emulated host's busybox has no su or setpriv --reuid).
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t uid;

	if (argc < 3) {
		fprintf(stderr, "usage: run-as UID COMMAND [ARGS...]\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		perror("run-as: dropping privileges");
		return 125;
	}
	execvp(argv[2], argv + 2);
	perror("run-as: exec");
	return 127;
}
