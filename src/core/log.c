// SPDX-License-Identifier: GPL-2.0-only
/* Leveled, topic-filtered logging to stderr; rate limiting for guest-driven messages. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kvmini/log.h>

/* Every topic a message may use; --debug accepts exactly these (and "all"). */
static const char *const topics[] = {
	"kvm", "vm", "vcpu", "exit", "mmio", "mem", "loader", "fdt",
	"uart", "rtc", "testdev", "psci", "gic", "cli", "cpu", "api", "ctl", "snapshot",
};
static bool debug_on[ARRAY_SIZE(topics)];
bool log_any_debug;
static enum log_level max_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static int topic_index(const char *topic, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++)
		if (strlen(topics[i]) == len && !strncmp(topics[i], topic, len))
			return (int)i;
	return -1;
}

const char *log_topics(void)
{
	static char list[128];

	if (!list[0]) {
		for (size_t i = 0; i < ARRAY_SIZE(topics); i++) {
			if (i)
				strcat(list, " ");
			strcat(list, topics[i]);
		}
	}
	return list;
}

int log_enable_debug(const char *spec)
{
	bool want[ARRAY_SIZE(topics)] = { false };
	const char *p = spec;

	/* Validate the whole list before enabling anything. */
	while (*p) {
		size_t len = strcspn(p, ",");
		int idx;

		if (len == 3 && !strncmp(p, "all", 3)) {
			for (size_t i = 0; i < ARRAY_SIZE(want); i++)
				want[i] = true;
		} else if (len == 0 || (idx = topic_index(p, len)) < 0) {
			log_err("cli", "--debug %s: unknown topic '%.*s' (topics: all %s)",
				spec, (int)len, p, log_topics());
			return -EINVAL;
		} else {
			want[idx] = true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		debug_on[i] = debug_on[i] || want[i];
		log_any_debug = log_any_debug || want[i];
	}
	return 0;
}

bool log_debug_enabled(const char *topic)
{
	int idx;

	if (!log_any_debug)
		return false;
	idx = topic_index(topic, strlen(topic));
	return idx >= 0 && debug_on[idx];
}

void log_set_level(enum log_level level)
{
	max_level = level;
	if (level == LOG_DEBUG && log_enable_debug("all"))
		max_level = LOG_INFO;	/* cannot happen: "all" is always known */
}

int log_set_level_name(const char *name)
{
	static const char *const names[] = {
		[LOG_ERR] = "error", [LOG_WARN] = "warning",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			log_set_level((enum log_level)i);
			return 0;
		}
	}
	log_err("cli", "--loglevel %s: not a level (error, warning, info or debug)", name);
	return -EINVAL;
}

/* A message longer than this is cut, and ends in "...". */
#define LOG_LINE_MAX 4096
/*
 * A terminal fails a write with EINTR while a signal is pending, even one
 * that would not block: a vCPU kicked for the coalesced writes' flush
 * would lose its line. Tried again a few times - not forever: a write
 * blocked on a full stderr must still let a stop's kick through.
 */
#define LOG_EINTR_TRIES 4

/*
 * The whole line in one write (stderr is unbuffered): a line from another
 * process never splits it. Through stdio, which the fuzzers count.
 */
static void log_write_line(const char *line, size_t len)
{
	for (int eintr = 0; eintr < LOG_EINTR_TRIES; eintr++) {
		size_t n = fwrite(line, 1, len, stderr);

		line += n;
		len -= n;
		if (!len || errno != EINTR)
			break;
		clearerr(stderr);
	}
	/* A line given up on: the next one is not glued to it, as far as stderr takes it. */
	if (len && fputc('\n', stderr) == EOF)
		clearerr(stderr);
}

void log_msg(enum log_level level, const char *topic, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOG_ERR] = "error: ", [LOG_WARN] = "warning: ",
		[LOG_INFO] = "", [LOG_DEBUG] = "debug: ",
	};
	/* Room kept for the newline; the topic and prefix are short. */
	const size_t room = LOG_LINE_MAX - 1;
	char line[LOG_LINE_MAX];
	size_t len;
	va_list ap;
	int n;

	/* Debug messages are filtered by topic, the others by level. */
	if (level != LOG_DEBUG && level > max_level)
		return;
	n = level == LOG_DEBUG ? snprintf(line, room, "kvmini: %s[%s] ", prefix[level], topic) :
				 snprintf(line, room, "kvmini: %s", prefix[level]);
	len = n > 0 ? (size_t)n : 0;
	if (len > room - 1)
		len = room - 1;
	va_start(ap, fmt);
	n = vsnprintf(line + len, room - len, fmt, ap);
	va_end(ap);
	len += n > 0 ? (size_t)n : 0;
	if (len >= room) {
		len = room - 1;		/* what vsnprintf kept, before its NUL */
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';
	/* One lock so lines from concurrent vCPU threads never interleave. */
	pthread_mutex_lock(&log_lock);
	log_write_line(line, len);
	pthread_mutex_unlock(&log_lock);
}

bool ratelimit_allow(struct ratelimit *rl)
{
	struct timespec ts;
	uint64_t now;
	bool allow;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	pthread_mutex_lock(&log_lock);
	if (now - rl->window_start_ns >= 1000000000ULL) {
		if (rl->suppressed)
			fprintf(stderr, "kvmini: warning: %u similar messages suppressed\n",
				rl->suppressed);
		rl->window_start_ns = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	allow = rl->printed < RATELIMIT_BURST;
	if (allow)
		rl->printed++;
	else
		rl->suppressed++;
	pthread_mutex_unlock(&log_lock);
	return allow;
}
