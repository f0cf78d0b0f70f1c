// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include "lib/tap.h"
#include "lib/testdev.h"

static unsigned int tap_planned;
static unsigned int tap_done;
static unsigned int tap_failed;

void tap_header(void)
{
	printf("TAP version 13\n");
}

void tap_plan(unsigned int count)
{
	tap_planned = count;
	printf("1..%u\n", count);
}

bool tap_result(bool ok, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	tap_done++;
	if (!ok)
		tap_failed++;
	printf("%sok %u - %s\n", ok ? "" : "not ", tap_done, line);
	return ok;
}

void tap_diag(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
}

void tap_bail_out(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("Bail out! %s\n", line);
	guest_exit(EXIT_STATUS_FAIL);
}

unsigned int tap_exit_status(void)
{
	if (tap_failed || tap_done != tap_planned)
		return EXIT_STATUS_FAIL;
	return EXIT_STATUS_OK;
}
