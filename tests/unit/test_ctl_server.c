// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's server on a real socket and a real event loop
 * thread: replies, errors, pipelining, one slow command at a time, clients
 * that leave early or never read, limits, the socket file's life.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/ctl.h>

#include "tap.h"

#define WAIT_MS 5000

/* The slow command blocks until the test releases it, by ticket. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int started, released, completed;

static int echo_run(void *arg __unused, const struct json_obj *req,
		    struct ctl_reply *reply)
{
	struct json_out *o = ctl_reply_fields(reply);
	bool b;

	if (!json_obj_get_bool(req, "fail", &b) && b)
		return -EIO;
	if (!json_obj_get_bool(req, "refuse", &b) && b) {
		ctl_reply_error(reply, CTL_ERR_BAD_ARG, "refused: %s", "as asked");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < req->nr; i++) {
		const struct json_member *m = &req->m[i];

		if (!strcmp(m->key, "cmd"))
			continue;
		if (m->type == JSON_STR)
			json_out_str(o, m->key, m->s);
		else if (m->type == JSON_INT)
			json_out_int(o, m->key, m->i);
		else if (m->type == JSON_BOOL)
			json_out_bool(o, m->key, m->b);
		else
			json_out_null(o, m->key);
	}
	return 0;
}

static int slow_run(void *arg __unused, const struct json_obj *req __unused,
		    struct ctl_reply *reply)
{
	struct timespec ts;
	int ticket, ret = 0;

	pthread_mutex_lock(&lock);
	ticket = started++;
	pthread_cond_broadcast(&cond);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	while (released <= ticket && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&cond, &lock, &ts);
	completed++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	json_out_int(ctl_reply_fields(reply), "ticket", ticket);
	return ret ? -ETIMEDOUT : 0;
}

static const char *const echo_keys[] = {
	"s", "i", "b", "z", "n", "a", "fail", "refuse", "x", "after", "again", NULL,
};

static const struct ctl_command cmds[] = {
	{ .name = "echo", .keys = echo_keys, .run = echo_run },
	{ .name = "slow", .slow = true, .run = slow_run },
	{ .name = "slow2", .slow = true, .run = slow_run },
};

/* Wait until *counter >= n; false after ms. */
static bool wait_count_ms(int *counter, int n, int ms)
{
	struct timespec ts;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	while (*counter < n && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&cond, &lock, &ts);
	ret = *counter >= n;
	pthread_mutex_unlock(&lock);
	return ret;
}

static int count(const int *counter)
{
	int n;

	pthread_mutex_lock(&lock);
	n = *counter;
	pthread_mutex_unlock(&lock);
	return n;
}

static bool wait_count(int *counter, int n)
{
	return wait_count_ms(counter, n, WAIT_MS);
}

static void release_one(void)
{
	pthread_mutex_lock(&lock);
	released++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct conn {
	int fd;
	size_t len;
	char buf[16384];
};

static char sock_path[108];

static bool conn_open(struct conn *c)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	strcpy(addr.sun_path, sock_path);
	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return false;
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(c->fd);
		c->fd = -1;
		return false;
	}
	return true;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static bool conn_send(struct conn *c, const char *s)
{
	size_t len = strlen(s);

	return send(c->fd, s, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/*
 * The next line, without its newline, in line: 1; 0 at EOF (or a reset
 * after the last line); -1 if nothing came within ms.
 */
static int conn_line(struct conn *c, char *line, size_t size, int ms)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t n_line = (size_t)(nl - c->buf);

			snprintf(line, size, "%.*s", (int)n_line, c->buf);
			c->len -= n_line + 1;
			memmove(c->buf, nl + 1, c->len);
			return 1;
		}
		if (poll(&pfd, 1, ms) != 1)
			return -1;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			return n < 0 && errno != ECONNRESET ? -1 : 0;
		c->len += (size_t)n;
	}
}

/* Send request, read one reply line into reply. */
static bool ask(struct conn *c, const char *request, char *reply, size_t size)
{
	reply[0] = 0;
	return conn_send(c, request) && conn_line(c, reply, size, WAIT_MS) == 1;
}

static bool has(const char *reply, const char *part)
{
	return strstr(reply, part) != NULL;
}

static void test_echo(void)
{
	struct conn c;
	char r[8192];

	ok(conn_open(&c), "connect");
	ok(ask(&c, "{\"cmd\":\"echo\",\"s\":\"a\\\"b\\u00e9\\n\",\"i\":-5,\"b\":true,\"z\":null}\n",
	       r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true,\"s\":\"a\\\"b\xc3\xa9\\u000a\",\"i\":-5,\"b\":true,\"z\":null}"),
	   "echo: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\"}\n", r, sizeof(r)) && !strcmp(r, "{\"ok\":true}"),
	   "an empty result: %s", r);
	ok(ask(&c, "\n  \r\n{\"cmd\":\"echo\",\"n\":1}\r\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true,\"n\":1}"), "blank lines get no reply; CRLF is fine: %s", r);

	ok(ask(&c, "{\"cmd\":}\n", r, sizeof(r)) &&
	   has(r, "\"ok\":false,\"error\":\"parse\"") && has(r, "offset 7"),
	   "parse error names the offset: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\"} x\n", r, sizeof(r)) && has(r, "\"error\":\"parse\""),
	   "trailing garbage: %s", r);
	ok(ask(&c, "{\"cmd\":\"nope\"}\n", r, sizeof(r)) &&
	   has(r, "\"error\":\"unknown-command\"") && has(r, "echo slow slow2"),
	   "unknown command lists the known ones: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\",\"a\":{\"b\":1}}\n", r, sizeof(r)) &&
	   has(r, "\"error\":\"bad-argument\"") && has(r, "flat"),
	   "nested arguments: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\",\"a\":1.5}\n", r, sizeof(r)) &&
	   has(r, "\"error\":\"bad-argument\""), "a fraction: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\",\"a\":\"\\u0000\"}\n", r, sizeof(r)) &&
	   has(r, "\"error\":\"bad-argument\""), "\\u0000: %s", r);
	ok(ask(&c, "{\"path\":\"x\"}\n", r, sizeof(r)) && has(r, "\"error\":\"bad-argument\"") &&
	   has(r, "cmd"), "no cmd: %s", r);
	ok(ask(&c, "{\"cmd\":7}\n", r, sizeof(r)) && has(r, "\"error\":\"bad-argument\""),
	   "cmd not a string: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\",\"fail\":true}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":false,\"error\":\"failed\",\"message\":\"Input/output error\"}"),
	   "-EIO: failed with strerror: %s", r);
	ok(ask(&c, "{\"cmd\":\"echo\",\"refuse\":true,\"x\":1}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":false,\"error\":\"bad-argument\",\"message\":\"refused: as asked\"}"),
	   "the command's own error, fields dropped: %s", r);

	ok(ask(&c, "{\"cmd\":\"echo\",\"n\":1,\"zz\":2}\n", r, sizeof(r)) &&
	   has(r, "\"error\":\"bad-argument\"") && has(r, "'echo' takes no argument 'zz'") &&
	   has(r, "(it takes: s i b z n a fail refuse x after again)"),
	   "a key the command does not list is refused, naming it and the ones it takes: %s", r);
	ok(ask(&c, "{\"cmd\":\"slow\",\"after\":30}\n", r, sizeof(r)) &&
	   has(r, "\"error\":\"bad-argument\"") &&
	   has(r, "'slow' takes no arguments, and was given 'after'") && count(&started) == 0,
	   "a command with no keys refuses any, before it runs: %s", r);

	/* Pipelined: three requests in one write, answered in order. */
	ok(conn_send(&c, "{\"cmd\":\"echo\",\"n\":1}\n{\"cmd\":\"bad\"}\n{\"cmd\":\"echo\",\"n\":3}\n"),
	   "three requests in one write");
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 1 && !strcmp(r, "{\"ok\":true,\"n\":1}"), "first");
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 1 && has(r, "unknown-command"), "second");
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 1 && !strcmp(r, "{\"ok\":true,\"n\":3}"), "third");
	/* One request in pieces. */
	ok(conn_send(&c, "{\"cmd\":") && (sleep_ms(20), conn_send(&c, "\"echo\",\"n\":4")) &&
	   (sleep_ms(20), conn_send(&c, "}\n")) && conn_line(&c, r, sizeof(r), WAIT_MS) == 1 &&
	   !strcmp(r, "{\"ok\":true,\"n\":4}"), "a request in three writes");
	/* Half-closed: the reply still comes, then the server closes. */
	ok(conn_send(&c, "{\"cmd\":\"echo\",\"n\":5}\n") && shutdown(c.fd, SHUT_WR) == 0 &&
	   conn_line(&c, r, sizeof(r), WAIT_MS) == 1 && !strcmp(r, "{\"ok\":true,\"n\":5}"),
	   "after shutdown(SHUT_WR) the reply comes");
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 0, "then EOF");
	conn_close(&c);

	/* A last line without its newline, then EOF: still served. */
	ok(conn_open(&c) && conn_send(&c, "{\"cmd\":\"echo\",\"n\":6}\n{\"cmd\":\"echo\",\"n\":7}") &&
	   shutdown(c.fd, SHUT_WR) == 0 && conn_line(&c, r, sizeof(r), WAIT_MS) == 1 &&
	   !strcmp(r, "{\"ok\":true,\"n\":6}") && conn_line(&c, r, sizeof(r), WAIT_MS) == 1 &&
	   !strcmp(r, "{\"ok\":true,\"n\":7}"),
	   "a last request without its newline is answered at EOF: %s", r);
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 0, "then EOF");
	conn_close(&c);
	ok(conn_open(&c) && conn_send(&c, " \t") && shutdown(c.fd, SHUT_WR) == 0 &&
	   conn_line(&c, r, sizeof(r), WAIT_MS) == 0, "a blank last line gets no reply, just EOF");
	conn_close(&c);
}

/* Exactly CTL_LINE_MAX bytes is fine; one more is "too-long", then closed. */
static void test_too_long(void)
{
	static char req[CTL_LINE_MAX + 64], r[CTL_LINE_MAX + 64];
	struct conn c;
	int n;

	ok(conn_open(&c), "connect");
	n = snprintf(req, sizeof(req), "{\"cmd\":\"echo\",\"s\":\"");
	memset(req + n, 'x', CTL_LINE_MAX - n - 2);
	strcpy(req + CTL_LINE_MAX - 2, "\"}\n");
	ok(strlen(req) == CTL_LINE_MAX + 1, "a %d-byte line", CTL_LINE_MAX);
	ok(ask(&c, req, r, sizeof(r)) && has(r, "\"ok\":true"), "is served");
	strcpy(req + CTL_LINE_MAX - 2, "x\"}\n");
	ok(ask(&c, req, r, sizeof(r)) && has(r, "\"error\":\"too-long\""),
	   "a %d-byte line: too-long", CTL_LINE_MAX + 1);
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 0, "and the connection is closed");
	conn_close(&c);

	/* Endless bytes with no newline at all. */
	ok(conn_open(&c), "connect");
	memset(req, 'y', sizeof(req));
	for (int i = 0; i < 3 && send(c.fd, req, sizeof(req), MSG_NOSIGNAL) > 0; i++)
		;
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 1 && has(r, "\"error\":\"too-long\""),
	   "no newline: too-long");
	conn_close(&c);
}

static void test_slow(void)
{
	struct conn a, b;
	char r[512];
	int base = started;

	ok(conn_open(&a) && conn_open(&b), "two clients");
	ok(conn_send(&a, "{\"cmd\":\"slow\"}\n{\"cmd\":\"echo\",\"after\":\"slow\"}\n"),
	   "a: slow, then echo pipelined");
	ok(wait_count(&started, base + 1), "the slow command runs");
	ok(ask(&b, "{\"cmd\":\"slow2\"}\n", r, sizeof(r)) && has(r, "\"error\":\"busy\"") &&
	   has(r, "slow"), "b: another slow command is busy: %s", r);
	ok(ask(&b, "{\"cmd\":\"slow\"}\n", r, sizeof(r)) && has(r, "\"error\":\"busy\""),
	   "b: the same one too");
	ok(ask(&b, "{\"cmd\":\"echo\",\"n\":1}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true,\"n\":1}"), "b: fast commands are served meanwhile");
	ok(conn_line(&a, r, sizeof(r), 100) == -1, "a: its echo waits behind its slow command");
	release_one();
	ok(conn_line(&a, r, sizeof(r), WAIT_MS) == 1 && has(r, "\"ok\":true,\"ticket\":"),
	   "a: the slow reply: %s", r);
	ok(conn_line(&a, r, sizeof(r), WAIT_MS) == 1 && !strcmp(r, "{\"ok\":true,\"after\":\"slow\"}"),
	   "a: then its echo, in order");
	/* a's reply came after the loop took the job back: b may start one. */
	ok(conn_send(&b, "{\"cmd\":\"slow2\"}\n") && wait_count(&started, base + 2),
	   "b: now a slow command starts");
	release_one();
	ok(conn_line(&b, r, sizeof(r), WAIT_MS) == 1 && has(r, "\"ok\":true,\"ticket\":"),
	   "b: its reply: %s", r);
	conn_close(&a);
	conn_close(&b);
}

/*
 * Start a slow command from c, retrying while the previous one's end has
 * not reached the loop yet ("busy").
 */
static bool start_slow(struct conn *c, int *ticket)
{
	char r[512];

	for (int tries = 0; tries < WAIT_MS / 10; tries++) {
		pthread_mutex_lock(&lock);
		*ticket = started;
		pthread_mutex_unlock(&lock);
		if (!conn_send(c, "{\"cmd\":\"slow\"}\n"))
			return false;
		for (int i = 0; i < WAIT_MS / 10; i++) {
			int n;

			if (wait_count_ms(&started, *ticket + 1, 10))
				return true;
			n = conn_line(c, r, sizeof(r), 10);
			if (n == 1 && has(r, "\"error\":\"busy\""))
				break;
			if (n != -1)
				return false;
		}
		sleep_ms(10);
	}
	return false;
}

/*
 * Open and serve n connections, retrying while closed ones' slots are
 * still taken (until the loop sees them go).
 */
static bool open_served(struct conn *c, int n)
{
	char r[512];

	for (int i = 0; i < n; i++) {
		bool served = false;

		for (int tries = 0; tries < WAIT_MS / 10 && !served; tries++) {
			served = conn_open(&c[i]) &&
				 ask(&c[i], "{\"cmd\":\"echo\"}\n", r, sizeof(r)) &&
				 !strcmp(r, "{\"ok\":true}");
			if (!served) {
				conn_close(&c[i]);
				sleep_ms(10);
			}
		}
		if (!served)
			return false;
	}
	return true;
}

static void test_leaving(void)
{
	static struct conn more[CTL_MAX_CLIENTS - 1];
	struct conn a, b;
	char r[512];
	int ticket = -1;

	ok(conn_open(&a), "connect");
	ok(conn_send(&a, "{\"cmd\":\"ec"), "a: half a request");
	conn_close(&a);
	ok(conn_open(&b) && ask(&b, "{\"cmd\":\"echo\",\"n\":2}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true,\"n\":2}"), "a left mid-line: the next client is served");
	conn_close(&b);

	ok(conn_open(&a) && start_slow(&a, &ticket), "a: a slow command runs");
	conn_close(&a);
	ok(conn_open(&b) && ask(&b, "{\"cmd\":\"echo\",\"n\":3}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true,\"n\":3}"), "a left before its reply: b is served");
	/* a's slot is free at once, not when its command ends. */
	ok(open_served(more, CTL_MAX_CLIENTS - 1), "and %d more besides b", CTL_MAX_CLIENTS - 1);
	for (int i = 0; i < CTL_MAX_CLIENTS - 1; i++)
		conn_close(&more[i]);
	ok(count(&completed) == ticket, "all while a's command still runs");
	release_one();
	ok(wait_count(&completed, ticket + 1), "the slow command still completed");
	ok(ask(&b, "{\"cmd\":\"echo\",\"n\":4}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true,\"n\":4}"), "b gets its own reply, not a's: %s", r);
	ok(start_slow(&b, &ticket), "b: a slow command may run again");
	release_one();
	ok(conn_line(&b, r, sizeof(r), WAIT_MS) == 1 && has(r, "\"ok\":true,\"ticket\":"),
	   "b: its slow reply: %s", r);
	conn_close(&b);
}

static void test_too_many(void)
{
	static struct conn c[CTL_MAX_CLIENTS + 1];
	char r[512];

	ok(open_served(c, CTL_MAX_CLIENTS), "%d clients served at once", CTL_MAX_CLIENTS);
	ok(conn_open(&c[CTL_MAX_CLIENTS]) && conn_line(&c[CTL_MAX_CLIENTS], r, sizeof(r), WAIT_MS) == 1 &&
	   !strcmp(r, "{\"ok\":false,\"error\":\"busy\",\"message\":\"too many clients\"}"),
	   "one more: busy, too many clients: %s", r);
	ok(conn_line(&c[CTL_MAX_CLIENTS], r, sizeof(r), WAIT_MS) == 0, "and closed");
	conn_close(&c[CTL_MAX_CLIENTS]);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		ok(ask(&c[i], "{\"cmd\":\"echo\",\"again\":true}\n", r, sizeof(r)) &&
		   !strcmp(r, "{\"ok\":true,\"again\":true}"), "client %d still served", i);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		conn_close(&c[i]);
}

/* A client that sends and never reads is cut off once its replies pile up. */
static void test_unread(void)
{
	static char req[CTL_LINE_MAX];
	struct conn c, d;
	char r[512];
	bool cut = false;
	int n;

	n = snprintf(req, sizeof(req), "{\"cmd\":\"echo\",\"s\":\"");
	memset(req + n, 'z', sizeof(req) - n - 4);
	strcpy(req + sizeof(req) - 4, "\"}\n");
	ok(conn_open(&c), "connect");
	/* 16 MiB of replies, far beyond socket buffers and CTL_OUT_MAX. */
	for (int i = 0; i < 4096 && !cut; i++) {
		struct pollfd pfd = { .fd = c.fd, .events = POLLOUT };

		if (poll(&pfd, 1, WAIT_MS) != 1)
			break;
		if (pfd.revents & (POLLERR | POLLHUP))
			cut = true;
		else if (send(c.fd, req, strlen(req), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			cut = errno != EAGAIN;
	}
	ok(cut, "the server disconnected the client that never reads");
	conn_close(&c);
	ok(conn_open(&d) && ask(&d, "{\"cmd\":\"echo\"}\n", r, sizeof(r)) &&
	   !strcmp(r, "{\"ok\":true}"), "and serves the next one");
	conn_close(&d);
}

static void *release_later(void *arg __unused)
{
	sleep_ms(200);
	release_one();
	return NULL;
}

static bool is_socket(const char *path, struct stat *st)
{
	return !lstat(path, st) && S_ISSOCK(st->st_mode);
}

int main(void)
{
	struct ctl_server *s, *other;
	struct evloop loop, loop2;
	char dir[] = "/tmp/kvmini-ctl-XXXXXX";
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st, st2;
	struct conn c;
	pthread_t helper;
	char r[512];
	int fd, ticket = -1;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP no temporary directory: %s\n", strerror(errno));
		return 0;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", dir);
	strcpy(addr.sun_path, sock_path);
	/* A lax umask: the socket must be 0600 all the same. */
	umask(0);

	/* A socket file left behind with nobody listening: replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
	   "a stale socket file");
	close(fd);
	ok(evloop_init(&loop) == 0 && evloop_init(&loop2) == 0, "loops");
	ok(ctl_server_start(&s, sock_path, &loop, cmds, ARRAY_SIZE(cmds), NULL) == 0,
	   "start over the stale socket");
	memset(&st, 0, sizeof(st));
	ok(is_socket(sock_path, &st), "the socket file is there");
	ok((st.st_mode & 0777) == 0600, "its mode is 0600 (%o), umask 0 or not",
	   (unsigned int)(st.st_mode & 0777));
	ok(evloop_start(&loop) == 0, "loop thread");

	ok(ctl_server_start(&other, sock_path, &loop2, cmds, ARRAY_SIZE(cmds), NULL) == -EADDRINUSE &&
	   other == NULL, "a second server on a live socket: -EADDRINUSE");
	ok(is_socket(sock_path, &st2) && st2.st_ino == st.st_ino, "the live socket is untouched");

	test_echo();
	test_too_long();
	test_slow();
	test_leaving();
	test_too_many();
	test_unread();

	/* Stop while a slow command runs: stop waits for it. */
	ok(conn_open(&c) && start_slow(&c, &ticket), "a slow command runs");
	evloop_stop(&loop);
	ok(pthread_create(&helper, NULL, release_later, NULL) == 0, "released in 200 ms");
	ctl_server_stop(s);
	ok(count(&completed) == ticket + 1, "stop waited for the slow command");
	pthread_join(helper, NULL);
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) > 0 && strstr(r, "\"ok\":true"),
	   "its client got the reply before the socket closed (not an EOF)");
	ok(conn_line(&c, r, sizeof(r), WAIT_MS) == 0, "then the end");
	conn_close(&c);
	ok(lstat(sock_path, &st) < 0 && errno == ENOENT, "stop unlinked the socket");

	/* Not a socket: refused, never removed. */
	fd = open(sock_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ok(fd >= 0 && write(fd, "keep", 4) == 4, "a regular file at the path");
	close(fd);
	ok(ctl_server_start(&other, sock_path, &loop2, cmds, ARRAY_SIZE(cmds), NULL) == -EEXIST,
	   "start refuses it: -EEXIST");
	ok(!lstat(sock_path, &st) && S_ISREG(st.st_mode) && st.st_size == 4, "and left it alone");
	unlink(sock_path);

	/* Stop leaves a socket someone else put there in the meantime. */
	ok(ctl_server_start(&s, sock_path, &loop2, cmds, ARRAY_SIZE(cmds), NULL) == 0, "restart");
	ok(unlink(sock_path) == 0, "someone removes it");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
	   "and binds another socket there");
	ctl_server_stop(s);
	ok(is_socket(sock_path, &st), "stop leaves the other socket alone");
	close(fd);
	unlink(sock_path);

	evloop_destroy(&loop);
	evloop_destroy(&loop2);
	rmdir(dir);
	return tap_done();
}
