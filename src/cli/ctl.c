// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini ctl`: one request to a running kvmini's control socket, its reply. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/cli.h>
#include <kvmini/ctl.h>
#include <kvmini/json.h>
#include <kvmini/parse.h>

#define CTL_DEFAULT_TIMEOUT 600
/* poll() takes int milliseconds. */
#define CTL_TIMEOUT_MAX (INT32_MAX / 1000)
/* A reply longer than this is not from kvmini. */
#define CTL_REPLY_MAX (1024 * 1024)

static void ctl_usage(FILE *f)
{
	fprintf(f,
"Usage: kvmini ctl SOCKET COMMAND [KEY=VALUE...] [--json] [--timeout SECS]\n"
"\n"
"Send one command to a kvmini started with --api-sock SOCKET and print the\n"
"reply: the result's fields as 'key: value' lines (nothing if it has none).\n"
"\n"
"  KEY=VALUE        an argument of the command: true and false are booleans,\n"
"                   integers are numbers, anything else (or KEY=) a string\n"
"  --json           print the reply as it came, one JSON line\n"
"  --timeout SECS   wait at most SECS seconds for the reply (default %d,\n"
"                   since a snapshot of a big guest takes time; 0: forever)\n"
"  --               the arguments after it are not options\n"
"  -h, --help       this text\n"
"\n"
"Commands (those of kvmini run's control socket):\n"
"  status                       the VM's state\n"
"  pause, resume                stop and restart the vCPUs\n"
"  snapshot path=FILE [force=true]\n"
"                               save the VM to FILE (force: overwrite it);\n"
"                               a relative FILE is taken from this directory\n"
"  stop                         end the VM\n"
"\n"
"Examples:\n"
"  kvmini run -k Image --api-sock /tmp/vm.sock &\n"
"  kvmini ctl /tmp/vm.sock status\n"
"  kvmini ctl /tmp/vm.sock pause\n"
"  kvmini ctl /tmp/vm.sock snapshot path=/tmp/vm.kvs force=true\n"
"  kvmini ctl /tmp/vm.sock resume\n"
"  kvmini ctl /tmp/vm.sock stop --json\n"
"\n"
"Exit status: 0 ok, 1 the command failed (its message on stderr), no reply\n"
"came in time, or the socket does not answer; 2 a usage mistake.\n",
		CTL_DEFAULT_TIMEOUT);
}

#define ctl_bad_usage(...) cli_usage_error("ctl", __VA_ARGS__)

/* -?(0|[1-9][0-9]*) within int64: what JSON and the server take as one. */
static bool ctl_parse_int(const char *s, int64_t *val)
{
	const char *d = s + (*s == '-');
	char *end;

	if (!*d || strspn(d, "0123456789") != strlen(d) || (d[0] == '0' && d[1]))
		return false;
	errno = 0;
	*val = strtoll(s, &end, 10);
	return !errno && !*end;
}

/* path=FILE as an absolute file name: relative ones from this process's directory. */
static int ctl_put_path(struct json_out *o, const char *val)
{
	char cwd[PATH_MAX], *abs;

	if (!*val || *val == '/') {
		json_out_str(o, "path", val);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "kvmini ctl: path=%s: cannot tell the current directory (%s); "
			"give an absolute path\n", val, strerror(errno));
		return 1;
	}
	if (asprintf(&abs, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", val) < 0)
		return -ENOMEM;
	/* val was checked; the directory it is relative to was not. */
	if (json_utf8_bad_at(abs) >= 0) {
		int ret = ctl_bad_usage("path=%s: the current directory %s is not UTF-8, "
					"which is all the control socket's JSON carries; give "
					"an absolute path in UTF-8", val, cwd);

		free(abs);
		return ret;
	}
	json_out_str(o, "path", abs);
	free(abs);
	return 0;
}

/* The request line: {"cmd":COMMAND,KEY:VALUE...}\n */
static int ctl_build(struct json_out *o, const char *cmd, int argc, char **argv)
{
	json_out_begin(o);
	json_out_str(o, "cmd", cmd);
	if (argc > JSON_OBJ_MAX - 1)
		return ctl_bad_usage("%d arguments: a command takes at most %d",
				     argc, JSON_OBJ_MAX - 1);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *val;
		ssize_t bad;
		int64_t num;

		if (!eq || eq == argv[i])
			return ctl_bad_usage("'%s': arguments are KEY=VALUE", argv[i]);
		*eq = 0;
		val = eq + 1;
		if (!strcmp(argv[i], "cmd"))
			return ctl_bad_usage("'cmd=': the command is given by name, before the arguments");
		for (int j = 0; j < i; j++)
			if (!strcmp(argv[j], argv[i]))
				return ctl_bad_usage("%s: given twice", argv[i]);
		/* Sent as is or not at all: a replaced byte would name another file. */
		bad = json_utf8_bad_at(val);
		if (bad >= 0)
			return ctl_bad_usage("%s=: byte %zd (0x%02x) is not UTF-8, which is all "
					     "the control socket's JSON carries; give a value "
					     "(a file name) in UTF-8", argv[i], bad,
					     (unsigned char)val[bad]);
		/*
		 * A file name is always a string, and the server runs elsewhere:
		 * a relative one is made absolute here, where the user gave it.
		 */
		if (!strcmp(argv[i], "path")) {
			int ret = ctl_put_path(o, val);

			if (ret)
				return ret;
		} else if (!strcmp(val, "true") || !strcmp(val, "false"))
			json_out_bool(o, argv[i], val[0] == 't');
		else if (ctl_parse_int(val, &num))
			json_out_int(o, argv[i], num);
		else
			json_out_str(o, argv[i], val);
	}
	json_out_end(o);
	if (o->err)
		return o->err;
	if (o->len > CTL_LINE_MAX)
		return ctl_bad_usage("the request has %zu bytes; the limit is %d",
				     o->len, CTL_LINE_MAX);
	return json_out_raw(o, "\n", 1);
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (!path[0] || strlen(path) >= sizeof(addr.sun_path))
		return ctl_bad_usage("%s: a socket path must have 1 to %zu bytes",
				     path, sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "kvmini ctl: socket: %s\n", strerror(err));
		return -err;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		struct stat st;

		err = errno;
		/* A snapshot file or a typo for one: say what the path is instead. */
		if (err == ECONNREFUSED && !stat(path, &st) && !S_ISSOCK(st.st_mode))
			fprintf(stderr, "kvmini ctl: %s: %s, not a socket; give the path of "
				"a kvmini run --api-sock\n", path,
				S_ISREG(st.st_mode) ? "a regular file" :
				S_ISDIR(st.st_mode) ? "a directory" : "another kind of file");
		else
			fprintf(stderr, "kvmini ctl: %s: cannot connect: %s; "
				"is kvmini run --api-sock %s running?\n",
				path, strerror(err), path);
		close(fd);
		return -err;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read up to the first newline into in (NUL-terminated, without it).
 * 0, or an error message's status (printed).
 */
static int ctl_read_reply(int fd, const char *path, unsigned int timeout,
			  struct json_out *in)
{
	int64_t deadline = now_ms() + (int64_t)timeout * 1000;
	char buf[4096];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait = timeout ? (int)(deadline - now_ms()) : -1;
		char *nl;
		ssize_t n;

		if (timeout && wait < 0)
			wait = 0;
		n = poll(&pfd, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			fprintf(stderr, "kvmini ctl: %s: no reply within %u s (--timeout); the "
				"command may still be running and finish (a snapshot is still "
				"written): 'kvmini ctl %s status' says when the VM is free\n",
				path, timeout, path);
			return 1;
		}
		n = n < 0 ? -1 : recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "kvmini ctl: %s: %s before the reply\n", path,
				n ? strerror(errno) : "the connection was closed");
			return 1;
		}
		nl = memchr(buf, '\n', (size_t)n);
		if (json_out_raw(in, buf, nl ? (size_t)(nl - buf) : (size_t)n))
			return -ENOMEM;
		if (nl)
			return 0;
		if (in->len > CTL_REPLY_MAX) {
			fprintf(stderr, "kvmini ctl: %s: the reply is longer than %d bytes\n",
				path, CTL_REPLY_MAX);
			return 1;
		}
	}
}

struct ctl_result {
	int ok;				/* -1: absent */
	char *error, *message;
	struct json_out text;		/* key: value lines */
};

static void ctl_result_line(struct json_out *text, const struct json_member *m)
{
	char num[24];
	const char *val = num;

	if (m->type == JSON_STR)
		val = m->s;
	else if (m->type == JSON_BOOL)
		val = m->b ? "true" : "false";
	else if (m->type == JSON_NULL)
		val = "null";
	else
		snprintf(num, sizeof(num), "%" PRId64, m->i);
	json_out_raw(text, m->key, strlen(m->key));
	json_out_raw(text, ": ", 2);
	json_out_raw(text, val, strlen(val));
	json_out_raw(text, "\n", 1);
}

static int ctl_result_member(void *ctx, struct json_member *m, const char **why)
{
	struct ctl_result *res = ctx;
	char **keep = NULL;

	if (!strcmp(m->key, "ok")) {
		if (m->type != JSON_BOOL) {
			*why = "not a boolean";
			return -EINVAL;
		}
		res->ok = m->b;
		json_member_free(m);
		return 0;
	}
	ctl_result_line(&res->text, m);
	if (m->type == JSON_STR && !strcmp(m->key, "error"))
		keep = &res->error;
	else if (m->type == JSON_STR && !strcmp(m->key, "message"))
		keep = &res->message;
	if (keep && !*keep) {
		*keep = m->s;
		m->s = NULL;
	}
	json_member_free(m);
	return 0;
}

/* Print the reply; the exit status. */
static int ctl_show(const char *path, const char *cmd, const char *line, bool json)
{
	struct ctl_result res = { .ok = -1 };
	char err[160];
	int ret;

	json_out_init(&res.text);
	ret = json_parse_flat(line, strlen(line), ctl_result_member, &res,
			      err, sizeof(err));
	if (!ret && res.ok < 0) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "no \"ok\"");
	}
	if (ret) {
		fprintf(stderr, "kvmini ctl: %s: not a kvmini reply (%s): %s\n",
			path, err, line);
		ret = 1;
		goto out;
	}
	if (json)
		printf("%s\n", line);
	if (!res.ok) {
		fprintf(stderr, "kvmini ctl: %s: %s\n", cmd,
			res.message ? res.message : res.error ? res.error : "failed");
		ret = 1;
	} else if (!json && res.text.len) {
		fputs(res.text.buf, stdout);
	}
	if (fflush(stdout)) {
		fprintf(stderr, "kvmini ctl: standard output: %s\n", strerror(errno));
		ret = 1;
	}
out:
	json_out_free(&res.text);
	free(res.error);
	free(res.message);
	return ret;
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int timeout = CTL_DEFAULT_TIMEOUT;
	struct json_out req, reply;
	const char *path, *cmd;
	bool json = false;
	uint64_t secs;
	int c, fd, ret;
	ssize_t n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 't':
			if (parse_uint(optarg, 0, CTL_TIMEOUT_MAX, &secs))
				return ctl_bad_usage("--timeout %s: not a number of seconds "
						     "from 0 to %d", optarg, CTL_TIMEOUT_MAX);
			timeout = (unsigned int)secs;
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		default:
			return ctl_bad_usage("%s '%s'", c == ':' ?
					     "option needs a value:" : "unknown option",
					     argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return ctl_bad_usage(argc == optind ? "no SOCKET and COMMAND" : "no COMMAND");
	path = argv[optind];
	cmd = argv[optind + 1];
	json_out_init(&req);
	json_out_init(&reply);
	ret = ctl_build(&req, cmd, argc - optind - 2, argv + optind + 2);
	if (ret)
		goto out;
	fd = ctl_connect(path);
	if (fd < 0) {
		ret = fd == -KVMINI_EUSAGE ? fd : 1;
		goto out;
	}
	for (size_t off = 0; off < req.len; off += (size_t)n) {
		n = send(fd, req.buf + off, req.len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		/* The server may have answered and closed ("busy"): read on. */
		if (n < 0)
			break;
	}
	ret = ctl_read_reply(fd, path, timeout, &reply);
	close(fd);
	if (!ret)
		ret = ctl_show(path, cmd, reply.buf ? reply.buf : "", json);
out:
	json_out_free(&req);
	json_out_free(&reply);
	return ret;
}
