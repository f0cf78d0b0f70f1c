// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include "lib/console.h"
#include "lib/tap.h"
#include "lib/testdev.h"

/*
 * Atomic, though normally only touched under the console lock: that lock
 * gives up on an owner that died mid-line, and test numbers must stay
 * unique even then. (On arm64, exclusives need the MMU on; it is on before
 * any C code that prints TAP runs, see start.S.)
 */
static unsigned int tap_planned;
static unsigned int tap_done;
static unsigned int tap_failed;
static unsigned int tap_skipped;

static unsigned int count(unsigned int *counter)
{
	return __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static unsigned int read_count(unsigned int *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void tap_header(void)
{
	printf("TAP version 13\n");
}

void tap_plan(unsigned int count)
{
	bool locked = console_lock();

	tap_planned = count;
	printf("1..%u\n", count);
	if (locked)
		console_unlock();
}

static void tap_line(bool ok, const char *why, const char *fmt, va_list ap)
{
	char line[160];
	unsigned int number;
	bool locked;

	vsnprintf(line, sizeof(line), fmt, ap);
	locked = console_lock();
	number = count(&tap_done);
	if (!ok)
		count(&tap_failed);
	if (why) {
		count(&tap_skipped);
		printf("ok %u - %s # SKIP %s\n", number, line, why);
	} else {
		printf("%sok %u - %s\n", ok ? "" : "not ", number, line);
	}
	if (locked)
		console_unlock();
}

bool tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(ok, NULL, fmt, ap);
	va_end(ap);
	return ok;
}

void tap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(true, why, fmt, ap);
	va_end(ap);
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

static unsigned int exit_status(unsigned int done, unsigned int failed,
				unsigned int skipped)
{
	if (failed || done != tap_planned)
		return EXIT_STATUS_FAIL;
	if (skipped == done)
		return EXIT_STATUS_SKIP;
	return EXIT_STATUS_OK;
}

unsigned int tap_exit_status(void)
{
	return exit_status(read_count(&tap_done), read_count(&tap_failed),
			   read_count(&tap_skipped));
}

unsigned int tap_finish(void)
{
	unsigned int done = read_count(&tap_done);
	unsigned int failed = read_count(&tap_failed);
	unsigned int skipped = read_count(&tap_skipped);
	unsigned int status;
	bool locked = console_lock();

	printf("# %u of %u tests run: %u passed, %u failed, %u skipped\n",
	       done, tap_planned, done - failed - skipped, failed, skipped);
	status = exit_status(done, failed, skipped);
	if (locked)
		console_unlock();
	return status;
}
