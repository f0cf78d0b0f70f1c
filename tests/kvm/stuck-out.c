// SPDX-License-Identifier: GPL-2.0-only
/*
 * stuck-out SECS COMMAND [ARGS...]: run COMMAND with its stdout a one-page
 * pipe nobody reads (a script that reads a VM's output only at its end,
 * `kvmini run | less` left alone), SIGTERM it after SECS seconds, and say
 * whether it was still running then and how long it took to end after:
 *   stuck-out: running after SECS s: yes
 *   stuck-out: ended N ms after SIGTERM, status S
 * Exit 0 when it was running at SECS and ended within 30 s of the SIGTERM
 * (then SIGKILLed, exit 1). Its stderr is this program's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GRACE_MS 30000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to ms for pid to end: its wait status, or -1 if it is still running. */
static int wait_ms(pid_t pid, long ms)
{
	long end = now_ms() + ms;
	int status;

	do {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR) {
			perror("stuck-out: waitpid");
			exit(2);
		}
		usleep(10000);
	} while (now_ms() < end);
	return -1;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	int p[2], status;
	long secs, t0;
	pid_t pid;

	if (argc < 3 || (secs = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: stuck-out SECS COMMAND [ARGS...]\n");
		return 2;
	}
	if (pipe2(p, O_CLOEXEC) || fcntl(p[1], F_SETPIPE_SZ, 4096) < 0) {
		perror("stuck-out: a one-page pipe");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("stuck-out: fork");
		return 2;
	}
	if (!pid) {
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[2], argv + 2);
		perror("stuck-out: exec");
		_exit(127);
	}
	close(p[1]);	/* the read end stays open, never read */
	status = wait_ms(pid, secs * 1000);
	printf("stuck-out: running after %ld s: %s\n", secs, status < 0 ? "yes" : "no");
	if (status >= 0) {
		printf("stuck-out: it ended by itself, status %d\n", exit_code(status));
		return 1;
	}
	kill(pid, SIGTERM);
	t0 = now_ms();
	status = wait_ms(pid, GRACE_MS);
	if (status < 0) {
		printf("stuck-out: still running %d ms after SIGTERM: killed\n", GRACE_MS);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	printf("stuck-out: ended %ld ms after SIGTERM, status %d\n", now_ms() - t0,
	       exit_code(status));
	return 0;
}
