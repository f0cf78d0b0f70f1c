// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini-guest-check: what the test initramfs's /init cannot ask busybox,
 * run inside a Linux guest. Each subcommand prints one line starting with
 * its name and exits 0 when the check holds, 1 when it does not (the line
 * says why), 2 for a bad invocation.
 *
 *   pmu            the PMU counts CPU cycles (perf_event_open)
 *   rtc EPOCH      /dev/rtc0 reads a time 0..300 s after EPOCH (the host's
 *                  time when it launched the guest)
 *   timer          CLOCK_MONOTONIC advances across a 100 ms sleep
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/rtc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RTC_SLACK_S 300	/* an emulated host boots a guest slowly */

static int check_pmu(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	volatile uint64_t sink = 0;
	uint64_t cycles = 0;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);

	if (fd < 0) {
		printf("pmu: perf_event_open(cycles): %s\n", strerror(errno));
		return 1;
	}
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (uint64_t i = 0; i < 10000000; i++)
		sink += i;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, &cycles, sizeof(cycles)) != sizeof(cycles)) {
		printf("pmu: reading the counter: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	/* 10 million additions take at least that many cycles. */
	printf("pmu: %llu cycles counted for 10M additions\n", (unsigned long long)cycles);
	return cycles >= 10000000 ? 0 : 1;
}

static int check_rtc(const char *epoch_arg)
{
	struct rtc_time rt;
	struct tm tm = { 0 };
	char *end;
	long long epoch = strtoll(epoch_arg, &end, 10), diff;
	int fd;

	if (*end || end == epoch_arg) {
		fprintf(stderr, "rtc: '%s' is not a time in seconds since 1970\n", epoch_arg);
		return 2;
	}
	fd = open("/dev/rtc0", O_RDONLY);
	if (fd < 0 || ioctl(fd, RTC_RD_TIME, &rt)) {
		printf("rtc: /dev/rtc0: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	tm.tm_sec = rt.tm_sec;
	tm.tm_min = rt.tm_min;
	tm.tm_hour = rt.tm_hour;
	tm.tm_mday = rt.tm_mday;
	tm.tm_mon = rt.tm_mon;
	tm.tm_year = rt.tm_year;
	diff = (long long)timegm(&tm) - epoch;
	printf("rtc: rtc0 reads %lld s after the host launched the guest\n", diff);
	return diff >= 0 && diff <= RTC_SLACK_S ? 0 : 1;
}

static int check_timer(void)
{
	struct timespec a, b, nap = { .tv_nsec = 100000000 };
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("timer: a 100 ms sleep took %lld ms\n", ns / 1000000);
	return ns >= 100000000 && ns < 10000000000LL ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "pmu"))
		return check_pmu();
	if (argc == 3 && !strcmp(argv[1], "rtc"))
		return check_rtc(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "timer"))
		return check_timer();
	fprintf(stderr, "usage: kvmini-guest-check pmu | rtc EPOCH | timer\n");
	return 2;
}
