// SPDX-License-Identifier: GPL-2.0-only
/* How every subcommand reports a command-line mistake. */
#include <stdarg.h>
#include <stdio.h>

#include <kvmini/cli.h>

int cli_usage_hint(const char *cmd)
{
	fprintf(stderr, "Try 'kvmini %s --help' for the options.\n", cmd);
	return -KVMINI_EUSAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kvmini %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cli_usage_hint(cmd);
}
