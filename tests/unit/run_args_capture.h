/* SPDX-License-Identifier: GPL-2.0-only */
/* Run `kvmini run` option parsing with its stderr captured, for the unit tests. */
#ifndef KVMINI_TEST_RUN_ARGS_CAPTURE_H
#define KVMINI_TEST_RUN_ARGS_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

#include <kvmini/cli.h>

/* args is NULL-terminated; what the parser printed (stderr, and stdout: --help) lands in out. */
static inline int run_args_captured(const char **args, struct vm_config *cfg,
				    char *out, size_t out_len)
{
	char *argv[32];
	int argc = 0, saved, saved_out, ret;
	FILE *tmp = tmpfile();
	size_t n;

	argv[argc++] = (char *)"run";
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	fflush(stderr);
	fflush(stdout);
	saved = dup(STDERR_FILENO);
	saved_out = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	ret = run_parse_args(argc, argv, cfg);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, STDERR_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	close(saved);
	close(saved_out);
	rewind(tmp);
	n = fread(out, 1, out_len - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	return ret;
}

#define ARGS(...) ((const char *[]){ __VA_ARGS__, NULL })

#endif
