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
 *   rtc-alarm      the RTC's alarm interrupt comes (RTC_ALM_SET 2 s on,
 *                  RTC_AIE_ON, a read of /dev/rtc0 that waits for it)
 *   timer          CLOCK_MONOTONIC advances across a 100 ms sleep
 *   iops FILE SECS random 4 KiB reads, then writes, with O_DIRECT (buffered
 *                  where the file system has none) at queue depth 1 and
 *                  32 through io_uring (completions reaped and requests
 *                  resubmitted a batch per io_uring_enter, as fio's
 *                  iodepth_batch), SECS seconds each: IOPS. FILE's
 *                  contents are overwritten. Also how busy the
 *                  CPUs were in each test (cpu_busy_pct), and the block
 *                  device's mean time per request in each (blk_lat_ms).
 *   iops FILE SECS poll
 *                  the same with polled completions (IORING_SETUP_IOPOLL,
 *                  O_DIRECT only): on a disk with a poll queue
 *                  (virtio_blk.poll_queues=1) no interrupt at all
 *   soak FILE MIB  write MIB MiB of FILE in 64 KiB blocks, each stamped with
 *                  its number and synced on its own (progress on stderr
 *                  every MiB), then read all back and check every word
 *   soak-verify FILE MIB
 *                  only the check (the host side, on the disk image)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/rtc.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

#define RTC_ALARM_AHEAD_S 2	/* at least 1 s away when set near a second's end */
#define RTC_ALARM_WAIT_S 15

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The alarm as `hwclock`'s users and rtcwake set it: the interrupt reaches the kernel. */
static int check_rtc_alarm(void)
{
	struct rtc_time rt;
	struct timeval wait = { .tv_sec = RTC_ALARM_WAIT_S };
	unsigned long data = 0;
	long long t0;
	fd_set fds;
	int fd = open("/dev/rtc0", O_RDONLY), ret;
	time_t at;
	struct tm tm;

	if (fd < 0 || ioctl(fd, RTC_RD_TIME, &rt)) {
		printf("rtc-alarm: /dev/rtc0: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	tm = (struct tm){ .tm_sec = rt.tm_sec, .tm_min = rt.tm_min, .tm_hour = rt.tm_hour,
			  .tm_mday = rt.tm_mday, .tm_mon = rt.tm_mon, .tm_year = rt.tm_year };
	at = timegm(&tm) + RTC_ALARM_AHEAD_S;
	gmtime_r(&at, &tm);
	rt = (struct rtc_time){ .tm_sec = tm.tm_sec, .tm_min = tm.tm_min, .tm_hour = tm.tm_hour,
				.tm_mday = -1, .tm_mon = -1, .tm_year = -1 };
	t0 = monotonic_ms();
	if (ioctl(fd, RTC_ALM_SET, &rt) || ioctl(fd, RTC_AIE_ON, 0)) {
		printf("rtc-alarm: setting the alarm: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	FD_ZERO(&fds);
	FD_SET(fd, &fds);
	ret = select(fd + 1, &fds, NULL, NULL, &wait);
	if (ret == 1 && read(fd, &data, sizeof(data)) == sizeof(data))
		printf("rtc-alarm: the alarm interrupt came after %lld ms (events 0x%lx)\n",
		       monotonic_ms() - t0, data & 0xff);
	else
		printf("rtc-alarm: no alarm interrupt within %d s of setting it %d s ahead: %s\n",
		       RTC_ALARM_WAIT_S, RTC_ALARM_AHEAD_S, ret < 0 ? strerror(errno) : "timed out");
	ioctl(fd, RTC_AIE_OFF, 0);
	close(fd);
	return ret == 1 && (data & RTC_AF) ? 0 : 1;
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

#define IO_BLOCK 4096
#define IO_QD_MAX 32

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void io_prep(struct io_uring *ring, int fd, uint8_t *buf, uint64_t blocks, bool write,
		    uint64_t *seed)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	uint64_t off = next_random(seed) % blocks * IO_BLOCK;

	if (write)
		io_uring_prep_write(sqe, fd, buf, IO_BLOCK, off);
	else
		io_uring_prep_read(sqe, fd, buf, IO_BLOCK, off);
	io_uring_sqe_set_data(sqe, buf);
}

/*
 * Random 4 KiB I/O at queue depth qd for secs seconds, completions polled
 * or not: IOPS, or -1 (said why). Each round reaps every completion there
 * is and queues as many new requests, which go in with the next round's
 * wait in one io_uring_enter - fio's iodepth_batch: the test's own system
 * calls are not what it measures (under emulation, a call per request
 * halved QD32 in the guest and on the host alike).
 */
static double random_io(int fd, uint64_t blocks, bool write, unsigned int qd, double secs,
			bool polled)
{
	static uint8_t *bufs[IO_QD_MAX];
	struct io_uring ring;
	uint64_t seed = 0x9e3779b97f4a7c15ULL, done = 0;
	unsigned int inflight = 0;
	double start, end;
	int ret = io_uring_queue_init(qd, &ring, polled ? IORING_SETUP_IOPOLL : 0);

	if (ret) {
		printf("iops: io_uring_queue_init: %s\n", strerror(-ret));
		return -1;
	}
	for (unsigned int i = 0; i < qd; i++) {
		if (!bufs[i] && posix_memalign((void **)&bufs[i], IO_BLOCK, IO_BLOCK))
			return -1;
		memset(bufs[i], 0x5a, IO_BLOCK);
		io_prep(&ring, fd, bufs[i], blocks, write, &seed);
		inflight++;
	}
	start = now_s();
	end = start + secs;
	while (inflight && !ret) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		bool more;

		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0 && ret != -EINTR) {
			printf("iops: submitting and waiting: %s\n", strerror(-ret));
			break;
		}
		ret = 0;
		more = now_s() < end;
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			if (cqe->res != IO_BLOCK) {
				printf("iops: an I/O returned %d\n", cqe->res);
				ret = -1;
				break;
			}
			done++;
			inflight--;
			if (more) {
				io_prep(&ring, fd, io_uring_cqe_get_data(cqe), blocks, write, &seed);
				inflight++;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
	io_uring_queue_exit(&ring);
	return ret ? -1 : (double)done / (now_s() - start);
}

/*
 * CPU time of all CPUs from /proc/stat, in ticks: busy (all but idle and
 * iowait) and total. false: unreadable.
 */
static bool cpu_ticks(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7]) : 0;

	if (f)
		fclose(f);
	if (n < 4)
		return false;
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
	return true;
}

/*
 * The block device under fd (the device itself, or the one holding the
 * file): its completed reads or writes and their milliseconds so far, from
 * /sys/dev/block/MAJ:MIN/stat (Documentation/block/stat.rst). false: none
 * (tmpfs has no device).
 */
static bool blk_stat(int fd, bool write, unsigned long long *ios, unsigned long long *ms)
{
	unsigned long long v[8];
	char path[64];
	struct stat st;
	dev_t dev;
	FILE *f;
	int n;

	if (fstat(fd, &st))
		return false;
	dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat", major(dev), minor(dev));
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fscanf(f, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return false;
	*ios = write ? v[4] : v[0];
	*ms = write ? v[7] : v[3];
	return true;
}

/*
 * random_io, and what else was seen meanwhile: how busy the CPUs were
 * (percent, -1 unknown) - a busy CPU says the test's own path is the
 * limit, an idle one that the requests wait below it - and the block
 * device's mean time per request, issue to completion (ms, -1 unknown):
 * the device's on a host, everything below the guest's block layer in a
 * guest. The test's rate times it is how many of its qd requests were
 * down there (Little's law); the rest were in the test or its io_uring.
 */
static double random_io_busy(int fd, uint64_t blocks, bool write, unsigned int qd, double secs,
			     bool polled, int *busy_pct, double *blk_lat_ms)
{
	unsigned long long b0, t0, b1, t1, n0, m0, n1, m1;
	bool before = cpu_ticks(&b0, &t0), stat_before = blk_stat(fd, write, &n0, &m0);
	double iops = random_io(fd, blocks, write, qd, secs, polled);

	*busy_pct = before && cpu_ticks(&b1, &t1) && t1 > t0 ?
		    (int)(100 * (b1 - b0) / (t1 - t0)) : -1;
	*blk_lat_ms = stat_before && blk_stat(fd, write, &n1, &m1) && n1 > n0 ?
		      (double)(m1 - m0) / (double)(n1 - n0) : -1;
	return iops;
}

static int check_iops(const char *path, const char *secs_arg, bool polled)
{
	double secs = atof(secs_arg), r1, r32, w1, w32, lat[4];
	int busy[4];
	bool direct = true;
	uint64_t size;
	int fd = open(path, O_RDWR | O_DIRECT);

	if (fd < 0 && errno == EINVAL) {
		direct = false;	/* tmpfs and ramfs have no O_DIRECT */
		fd = open(path, O_RDWR);
	}
	if (fd < 0 || secs <= 0) {
		printf("iops: %s: %s\n", path, fd < 0 ? strerror(errno) : "give SECS > 0");
		return 2;
	}
	if (polled && !direct) {
		printf("iops: %s: polled completions need O_DIRECT, which it has not\n", path);
		close(fd);
		return 2;
	}
	size = (uint64_t)lseek(fd, 0, SEEK_END);
	if (size < IO_BLOCK * 16) {
		printf("iops: %s: %llu bytes is too small\n", path, (unsigned long long)size);
		return 1;
	}
	r1 = random_io_busy(fd, size / IO_BLOCK, false, 1, secs, polled, &busy[0], &lat[0]);
	r32 = random_io_busy(fd, size / IO_BLOCK, false, IO_QD_MAX, secs, polled, &busy[1],
			     &lat[1]);
	w1 = random_io_busy(fd, size / IO_BLOCK, true, 1, secs, polled, &busy[2], &lat[2]);
	w32 = random_io_busy(fd, size / IO_BLOCK, true, IO_QD_MAX, secs, polled, &busy[3],
			     &lat[3]);
	close(fd);
	printf("iops: %s randread_qd1=%.0f randread_qd32=%.0f randwrite_qd1=%.0f "
	       "randwrite_qd32=%.0f cpu_busy_pct=%d/%d/%d/%d blk_lat_ms=%.3f/%.3f/%.3f/%.3f\n",
	       polled ? "polled" : direct ? "direct" : "buffered",
	       r1, r32, w1, w32, busy[0], busy[1], busy[2], busy[3], lat[0], lat[1], lat[2],
	       lat[3]);
	return r1 > 0 && r32 > 0 && w1 > 0 && w32 > 0 ? 0 : 1;
}

#define SOAK_BLOCK (64 * 1024)
#define SOAK_WORDS (SOAK_BLOCK / 8)

/* Word w of block b: its place in the file, so a block written to the wrong place shows. */
static uint64_t soak_word(uint64_t b, uint64_t w)
{
	return (b << 32 | w) ^ 0x6b766d696e69ULL;
}

static int soak_verify(int fd, unsigned int mib, uint64_t *buf)
{
	for (uint64_t b = 0; b < (uint64_t)mib * 16; b++) {
		if (pread(fd, buf, SOAK_BLOCK, (off_t)(b * SOAK_BLOCK)) != SOAK_BLOCK) {
			printf("soak: reading block %llu: %s\n", (unsigned long long)b, strerror(errno));
			return 1;
		}
		for (uint64_t w = 0; w < SOAK_WORDS; w++) {
			if (buf[w] == soak_word(b, w))
				continue;
			printf("soak: block %llu word %llu is 0x%llx, expected 0x%llx\n",
			       (unsigned long long)b, (unsigned long long)w,
			       (unsigned long long)buf[w], (unsigned long long)soak_word(b, w));
			return 1;
		}
	}
	printf("soak: %u MiB written and verified\n", mib);
	return 0;
}

static int check_soak(const char *path, const char *mib_arg, bool write_first)
{
	unsigned int mib = (unsigned int)atoi(mib_arg);
	uint64_t *buf = NULL;
	int fd = open(path, O_RDWR | (write_first ? O_DIRECT | O_DSYNC : 0)), ret;

	if (fd < 0 || mib == 0 || posix_memalign((void **)&buf, 4096, SOAK_BLOCK)) {
		printf("soak: %s: %s\n", path, fd < 0 ? strerror(errno) : "give MIB > 0");
		return 2;
	}
	for (uint64_t b = 0; write_first && b < (uint64_t)mib * 16; b++) {
		for (uint64_t w = 0; w < SOAK_WORDS; w++)
			buf[w] = soak_word(b, w);
		if (pwrite(fd, buf, SOAK_BLOCK, (off_t)(b * SOAK_BLOCK)) != SOAK_BLOCK) {
			printf("soak: writing block %llu: %s\n", (unsigned long long)b, strerror(errno));
			return 1;
		}
		if (b % 16 == 15)
			fprintf(stderr, "soak: %llu MiB written\n", (unsigned long long)(b + 1) / 16);
	}
	ret = soak_verify(fd, mib, buf);
	free(buf);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "pmu"))
		return check_pmu();
	if (argc == 3 && !strcmp(argv[1], "rtc"))
		return check_rtc(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "rtc-alarm"))
		return check_rtc_alarm();
	if (argc == 2 && !strcmp(argv[1], "timer"))
		return check_timer();
	if (argc == 4 && !strcmp(argv[1], "iops"))
		return check_iops(argv[2], argv[3], false);
	if (argc == 5 && !strcmp(argv[1], "iops") && !strcmp(argv[4], "poll"))
		return check_iops(argv[2], argv[3], true);
	if (argc == 4 && !strcmp(argv[1], "soak"))
		return check_soak(argv[2], argv[3], true);
	if (argc == 4 && !strcmp(argv[1], "soak-verify"))
		return check_soak(argv[2], argv[3], false);
	fprintf(stderr, "usage: kvmini-guest-check pmu | rtc EPOCH | rtc-alarm | timer | iops FILE SECS [poll] | "
		"soak FILE MIB | soak-verify FILE MIB\n");
	return 2;
}
