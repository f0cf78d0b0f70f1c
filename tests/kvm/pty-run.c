// SPDX-License-Identifier: GPL-2.0-only
/*
 * pty-run [STEP...] -- COMMAND [ARGS...]: run COMMAND as a terminal user
 * would - on a new pseudo-terminal that is its controlling terminal, as
 * the foreground job - copy what it prints to stdout, and act on it:
 *
 *   --expect TEXT   wait until the output so far contains TEXT, then
 *   --send BYTES    type BYTES (\r \n \\ and \xNN escapes), or
 *   --signal N      send signal N to COMMAND, or
 *   --check-raw     report whether the terminal is in raw mode now, or
 *   --resize CxR    make the terminal C columns by R rows (SIGWINCH)
 *   --timeout SECS  give up after SECS (default 120)
 *
 * The terminal starts at 80 x 24. At the end it reports how COMMAND ended and whether the terminal's
 * settings are back to what they were before COMMAND ran:
 *   pty-run: exit status N | pty-run: killed by signal N
 *   pty-run: terminal restored | pty-run: terminal NOT restored
 * Its own status is 0 when it got that far, 1 on a timeout or failure.
 * The arm64 suite uses it for kvmini's interactive console (the emulated
 * host's busybox has no script, expect or tmux).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 16
#define OUT_MAX (1 << 20)

struct step {
	const char *expect;
	const char *send;
	int signal;
	bool check_raw;
	struct winsize size;	/* --resize: non-zero */
};

static char out[OUT_MAX];
static size_t out_len;

static size_t unescape(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	while (*s && n < size) {
		if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			char hex[3] = { s[2], s[3], 0 };

			buf[n++] = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else if (s[0] == '\\' && (s[1] == 'r' || s[1] == 'n' || s[1] == '\\')) {
			buf[n++] = s[1] == 'r' ? '\r' : s[1] == 'n' ? '\n' : '\\';
			s += 2;
		} else {
			buf[n++] = *s++;
		}
	}
	return n;
}

static bool termios_same(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	       a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	       !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

/* Read what is there; false once the pty has nothing more to give. */
static bool pump(int master, int timeout_ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return true;
	n = read(master, out + out_len, sizeof(out) - 1 - out_len);
	if (n <= 0)
		return false;
	if (fwrite(out + out_len, 1, (size_t)n, stdout) != (size_t)n)
		return false;
	fflush(stdout);
	out_len += (size_t)n;
	out[out_len] = 0;
	return true;
}

int main(int argc, char **argv)
{
	struct step steps[MAX_STEPS] = { 0 };
	unsigned int nsteps = 0, next = 0;
	struct termios before, after;
	int master, slave, status, timeout_s = 120, i;
	time_t deadline;
	char *name;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (nsteps == MAX_STEPS || i + 1 >= argc) {
			fprintf(stderr, "pty-run: too many steps or a missing value\n");
			return 1;
		}
		if (!strcmp(argv[i], "--expect")) {
			steps[nsteps].expect = argv[++i];
		} else if (!strcmp(argv[i], "--send")) {
			steps[nsteps++].send = argv[++i];
		} else if (!strcmp(argv[i], "--signal")) {
			steps[nsteps++].signal = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--check-raw")) {
			steps[nsteps++].check_raw = true;
		} else if (!strcmp(argv[i], "--resize")) {
			if (sscanf(argv[++i], "%hux%hu", &steps[nsteps].size.ws_col,
				   &steps[nsteps].size.ws_row) != 2) {
				fprintf(stderr, "pty-run: --resize %s: give COLSxROWS\n", argv[i]);
				return 1;
			}
			nsteps++;
		} else if (!strcmp(argv[i], "--timeout")) {
			timeout_s = atoi(argv[++i]);
		} else {
			fprintf(stderr, "pty-run: unknown option %s\n", argv[i]);
			return 1;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: pty-run [STEP...] -- COMMAND [ARGS...]\n");
		return 1;
	}
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(name = ptsname(master)) ||
	    (slave = open(name, O_RDWR | O_NOCTTY)) < 0 || tcgetattr(slave, &before)) {
		perror("pty-run: pseudo-terminal");
		return 1;
	}
	{
		struct winsize ws = { .ws_col = 80, .ws_row = 24 };

		if (ioctl(master, TIOCSWINSZ, &ws))
			perror("pty-run: setting the terminal's size");
	}
	pid = fork();
	if (pid < 0) {
		perror("pty-run: fork");
		return 1;
	}
	if (pid == 0) {
		/* A session of its own with the pty as controlling terminal: the foreground job. */
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
			perror("pty-run: controlling terminal");
			_exit(126);
		}
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		close(master);
		close(slave);
		execvp(argv[i + 1], argv + i + 1);
		perror("pty-run: exec");
		_exit(127);
	}
	deadline = time(NULL) + timeout_s;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct termios now;
		char buf[256];
		size_t n;

		if (time(NULL) > deadline) {
			fprintf(stderr, "\npty-run: timed out after %d s (step %u)\n", timeout_s, next);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 1;
		}
		pump(master, 50);
		if (next == nsteps || (steps[next].expect && !strstr(out, steps[next].expect)))
			continue;
		if (steps[next].send) {
			n = unescape(steps[next].send, buf, sizeof(buf));
			if (write(master, buf, n) != (ssize_t)n)
				perror("pty-run: typing");
		} else if (steps[next].signal) {
			kill(pid, steps[next].signal);
		} else if (steps[next].size.ws_col) {
			if (ioctl(master, TIOCSWINSZ, &steps[next].size))
				perror("pty-run: resizing the terminal");
		} else if (steps[next].check_raw && !tcgetattr(slave, &now)) {
			printf("\npty-run: terminal %s\n", !(now.c_lflag & (ICANON | ECHO | ISIG)) ?
			       "raw" : "cooked");
		}
		next++;
	}
	/* What is still in the pty after COMMAND ended. */
	while (out_len < sizeof(out) - 1) {
		struct pollfd p = { .fd = master, .events = POLLIN };

		if (poll(&p, 1, 100) <= 0 || !pump(master, 0))
			break;
	}
	if (WIFSIGNALED(status))
		printf("\npty-run: killed by signal %d\n", WTERMSIG(status));
	else
		printf("\npty-run: exit status %d\n", WEXITSTATUS(status));
	if (tcgetattr(slave, &after))
		perror("pty-run: reading the terminal's settings");
	printf("pty-run: terminal %s\n", termios_same(&before, &after) ? "restored" : "NOT restored");
	if (next < nsteps)
		printf("pty-run: %u of %u steps done\n", next, nsteps);
	return 0;
}
