/* SPDX-License-Identifier: GPL-2.0-only */
/* Run `kvmini run` option parsing with its stderr captured, for the unit tests. */
#ifndef KVMINI_TEST_RUN_ARGS_CAPTURE_H
#define KVMINI_TEST_RUN_ARGS_CAPTURE_H

#include <kvmini/cli.h>

#include "capture.h"

/* args is NULL-terminated; what the parser printed (stderr, and stdout: --help) lands in out. */
static inline int run_args_captured(const char **args, struct vm_config *cfg,
				    char *out, size_t out_len)
{
	struct capture c;
	char *argv[32];
	int argc = 0, ret;

	argv[argc++] = (char *)"run";
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	capture_begin(&c, true);
	ret = run_parse_args(argc, argv, cfg);
	capture_end(&c, out, out_len);
	return ret;
}

#define ARGS(...) ((const char *[]){ __VA_ARGS__, NULL })

#endif
