/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging to stderr by level and topic. Errors, warnings and info print
 * down to the level set (info by default); debug messages print only for
 * topics enabled with --debug.
 */
#ifndef KVMINI_LOG_H
#define KVMINI_LOG_H

#include <kvmini/compiler.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_msg(enum log_level level, const char *topic, const char *fmt, ...)
	__printf(3, 4);

#define log_err(topic, ...) log_msg(LOG_ERR, topic, __VA_ARGS__)
#define log_warn(topic, ...) log_msg(LOG_WARN, topic, __VA_ARGS__)
#define log_info(topic, ...) log_msg(LOG_INFO, topic, __VA_ARGS__)
#define log_debug(topic, ...) \
	do { \
		if (unlikely(log_any_debug) && log_debug_enabled(topic)) \
			log_msg(LOG_DEBUG, topic, __VA_ARGS__); \
	} while (0)

/* Enable debug output for a comma-separated topic list ("mmio,exit" or "all"). */
int __must_check log_enable_debug(const char *topics);
bool log_debug_enabled(const char *topic);
/*
 * Whether --debug turned on any topic: log_debug() tests it inline, so a
 * debug message on the exit path costs no call while debugging is off.
 */
extern bool log_any_debug;
/*
 * The least severe level that prints (--loglevel; --quiet is LOG_WARN).
 * LOG_DEBUG also turns every debug topic on, as kvmtool's --loglevel=debug.
 */
void log_set_level(enum log_level level);
/* "error", "warning", "info" or "debug" (kvmtool's names): 0, or -EINVAL (logged). */
int __must_check log_set_level_name(const char *name);
/* The topics --debug accepts, space-separated, for help and error text. */
const char *log_topics(void);

/*
 * Rate limiting for messages a guest can trigger at will: at most
 * RATELIMIT_BURST messages per second per limiter, then a count of what was
 * suppressed. A guest must not be able to flood the host's log.
 */
struct ratelimit {
	uint64_t window_start_ns;
	unsigned int printed;
	unsigned int suppressed;
};
#define RATELIMIT_BURST 10
/* True if a message may print now; thread-safe. */
bool ratelimit_allow(struct ratelimit *rl);

#define log_ratelimited(rl, level, topic, ...) \
	do { \
		if (log_debug_enabled(topic) || ratelimit_allow(rl)) \
			log_msg(level, topic, __VA_ARGS__); \
	} while (0)

#endif
