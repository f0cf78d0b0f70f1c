/* SPDX-License-Identifier: GPL-2.0-only */
/* Run `kvmini run` option parsing with its stderr captured, for the unit tests. */
#ifndef KVMINI_TEST_RUN_ARGS_CAPTURE_H
#define KVMINI_TEST_RUN_ARGS_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

#include <kvmini/cli.h>

/* args is NULL-terminated; what the parser printed lands in out. */
static inline int run_args_captured(const char **args, struct vm_config *cfg,
				    char *out, size_t out_len)
{
	char *argv[32];
	int argc = 0, saved, ret;
	FILE *tmp = tmpfile();
	size_t n;

	argv[argc++] = (char *)"run";
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	ret = run_parse_args(argc, argv, cfg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, out_len - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	return ret;
}

#define ARGS(...) ((const char *[]){ __VA_ARGS__, NULL })

#endif
