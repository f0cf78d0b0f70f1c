/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the code under test prints, captured for the unit tests: stderr
 * (and stdout when asked) go to a temporary file between capture_begin()
 * and capture_end(), at the fd level, so raw writes are caught as well as
 * stdio's.
 */
#ifndef KVMINI_TEST_CAPTURE_H
#define KVMINI_TEST_CAPTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct capture {
	FILE *tmp;
	int saved_err, saved_out;	/* -1: not redirected */
};

static inline void capture_begin(struct capture *c, bool stdout_too)
{
	fflush(stderr);
	fflush(stdout);
	c->tmp = tmpfile();
	c->saved_err = dup(STDERR_FILENO);
	c->saved_out = stdout_too ? dup(STDOUT_FILENO) : -1;
	if (!c->tmp || c->saved_err < 0 || (stdout_too && c->saved_out < 0) ||
	    dup2(fileno(c->tmp), STDERR_FILENO) < 0 ||
	    (stdout_too && dup2(fileno(c->tmp), STDOUT_FILENO) < 0))
		abort();
}

/* Both back as they were; what was printed, NUL-terminated and cut to fit, in buf. */
static inline const char *capture_end(struct capture *c, char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	fflush(stdout);
	if (dup2(c->saved_err, STDERR_FILENO) < 0 ||
	    (c->saved_out >= 0 && dup2(c->saved_out, STDOUT_FILENO) < 0))
		abort();
	close(c->saved_err);
	if (c->saved_out >= 0)
		close(c->saved_out);
	rewind(c->tmp);
	n = fread(buf, 1, len - 1, c->tmp);
	buf[n] = 0;
	fclose(c->tmp);
	return buf;
}

#endif
