// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's server: connections on the event loop (edge
 * triggered, non-blocking), one line buffer and one output buffer each,
 * and a worker thread for slow commands that reports back through an
 * eventfd, so every reply is written from the loop thread.
 *
 * Clients live in a fixed array that is never freed while the loop runs:
 * an event still queued in the loop's batch for a closed connection then
 * reaches a slot that is unused (skipped) or reused (a spurious wakeup:
 * non-blocking reads and writes shrug it off, and a hangup is checked on
 * the fd before it is believed). A slow command's reply finds its client
 * by slot and generation, so a client that left is no harm.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <kvmini/ctl.h>
#include <kvmini/log.h>
#include <kvmini/thread-name.h>

struct ctl_reply {
	struct json_out out;		/* {"ok":true,... until finished */
	char code[32];			/* set: an error reply */
	char *message;
};

struct ctl_client {
	struct ev_source src;
	struct ctl_server *s;
	bool used;
	bool waiting;			/* its slow command runs: lines wait */
	bool eof;			/* the peer will send nothing more */
	bool closing;			/* close once the output is out */
	unsigned int gen;		/* tells this connection from the slot's next */
	struct json_out out;		/* replies not sent yet */
	size_t in_len;
	char in[CTL_LINE_MAX + 1];	/* a line and its newline; last */
};

struct ctl_job {
	const struct ctl_command *cmd;
	struct json_obj req;
	struct ctl_reply reply;
	int ret;
	unsigned int slot, gen;		/* whom to answer */
};

struct ctl_server {
	struct evloop *loop;
	const struct ctl_command *cmds;
	unsigned int nr;
	void *arg;
	char *path;
	bool bound;
	dev_t dev;			/* of the socket file we bound */
	ino_t ino;
	struct ev_source listen;
	struct ev_source done;		/* eventfd: the worker finished */
	struct ctl_client clients[CTL_MAX_CLIENTS];

	bool busy;			/* loop thread's: job is taken */
	struct ctl_job job;
	pthread_t worker;
	bool worker_started;
	pthread_mutex_t lock;		/* for the three below */
	pthread_cond_t cond;
	bool queued, finished, quit;
};

static struct ratelimit ctl_rl;

void ctl_reply_error(struct ctl_reply *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	free(r->message);
	va_start(ap, fmt);
	if (vasprintf(&r->message, fmt, ap) < 0)
		r->message = NULL;
	va_end(ap);
	snprintf(r->code, sizeof(r->code), "%s", code);
}

struct json_out *ctl_reply_fields(struct ctl_reply *r)
{
	return &r->out;
}

static void reply_init(struct ctl_reply *r)
{
	memset(r, 0, sizeof(*r));
	json_out_begin(&r->out);
	json_out_bool(&r->out, "ok", true);
}

/* Close the object, or replace it by the error, and add the newline. */
static void reply_finish(struct ctl_reply *r, int ret)
{
	if (!r->code[0] && ret < 0)
		ctl_reply_error(r, CTL_ERR_FAILED, "%s", strerror(-ret));
	if (!r->code[0] && r->out.err)
		ctl_reply_error(r, CTL_ERR_FAILED, "out of memory for the reply");
	if (r->code[0]) {
		json_out_reset(&r->out);
		json_out_begin(&r->out);
		json_out_bool(&r->out, "ok", false);
		json_out_str(&r->out, "error", r->code);
		json_out_str(&r->out, "message", r->message ? r->message : r->code);
	}
	json_out_end(&r->out);
	json_out_raw(&r->out, "\n", 1);
}

static void reply_free(struct ctl_reply *r)
{
	json_out_free(&r->out);
	free(r->message);
	r->message = NULL;
}

static bool client_alive(const struct ctl_client *c, unsigned int gen)
{
	return c->used && c->gen == gen;
}

static void client_close(struct ctl_client *c)
{
	evloop_del(c->s->loop, &c->src);
	close(c->src.fd);
	c->src.fd = -1;
	json_out_free(&c->out);
	c->used = false;
	c->gen++;
}

/* Send what is buffered; false if that closed c. */
static bool client_flush(struct ctl_client *c)
{
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t n = send(c->src.fd, c->out.buf + off, c->out.len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;		/* EPOLLOUT comes when there is room */
		if (n < 0) {		/* EPIPE, ECONNRESET: it left */
			client_close(c);
			return false;
		}
		off += (size_t)n;
	}
	if (off == c->out.len) {
		json_out_reset(&c->out);
	} else if (off) {
		memmove(c->out.buf, c->out.buf + off, c->out.len - off);
		c->out.len -= off;
	}
	return true;
}

static void client_queue(struct ctl_client *c, const char *data, size_t len)
{
	if (c->out.len + len > CTL_OUT_MAX) {
		log_ratelimited(&ctl_rl, LOG_WARN, "ctl",
				"control socket %s: a client leaves its replies unread; disconnecting it",
				c->s->path);
		client_close(c);
		return;
	}
	if (json_out_raw(&c->out, data, len)) {
		client_close(c);
		return;
	}
	client_flush(c);
}

static void client_send_reply(struct ctl_client *c, const struct ctl_reply *r)
{
	static const char oom[] =
		"{\"ok\":false,\"error\":\"failed\",\"message\":\"out of memory\"}\n";

	if (r->out.err)
		client_queue(c, oom, sizeof(oom) - 1);
	else
		client_queue(c, r->out.buf, r->out.len);
}

static void __printf(3, 4) client_error(struct ctl_client *c, const char *code,
					const char *fmt, ...)
{
	struct ctl_reply r;
	va_list ap;

	reply_init(&r);
	snprintf(r.code, sizeof(r.code), "%s", code);
	va_start(ap, fmt);
	if (vasprintf(&r.message, fmt, ap) < 0)
		r.message = NULL;
	va_end(ap);
	reply_finish(&r, 0);
	client_send_reply(c, &r);
	reply_free(&r);
}

static const struct ctl_command *ctl_find(struct ctl_server *s, const char *name)
{
	for (unsigned int i = 0; i < s->nr; i++)
		if (!strcmp(s->cmds[i].name, name))
			return &s->cmds[i];
	return NULL;
}

/* Add word to a space-separated list (an error shows up in list->err). */
static void word_list_add(struct json_out *list, const char *word)
{
	if (list->len)
		json_out_raw(list, " ", 1);
	json_out_raw(list, word, strlen(word));
}

static void client_unknown(struct ctl_client *c, const char *name)
{
	struct ctl_server *s = c->s;
	struct json_out list;

	json_out_init(&list);
	for (unsigned int i = 0; i < s->nr; i++)
		word_list_add(&list, s->cmds[i].name);
	client_error(c, CTL_ERR_UNKNOWN, "unknown command '%s' (known: %s)", name,
		     list.len && !list.err ? list.buf : "none");
	json_out_free(&list);
}

/* A key cmd does not take: refused with the ones it does take, true. */
static bool client_bad_key(struct ctl_client *c, const struct ctl_command *cmd,
			   const struct json_obj *req)
{
	const char *bad = json_obj_unknown_key(req, "cmd", cmd->keys);
	struct json_out list;

	if (!bad)
		return false;
	json_out_init(&list);
	for (const char *const *k = cmd->keys; k && *k; k++)
		word_list_add(&list, *k);
	if (list.len && !list.err)
		client_error(c, CTL_ERR_BAD_ARG, "'%s' takes no argument '%s' (it takes: %s)",
			     cmd->name, bad, list.buf);
	else
		client_error(c, CTL_ERR_BAD_ARG, "'%s' takes no arguments, and was given '%s'",
			     cmd->name, bad);
	json_out_free(&list);
	return true;
}

/* Hand req (taken over) to the worker; c waits for the reply. */
static void ctl_start_slow(struct ctl_client *c, const struct ctl_command *cmd,
			   struct json_obj *req)
{
	struct ctl_server *s = c->s;

	s->busy = true;
	s->job.cmd = cmd;
	s->job.req = *req;
	req->nr = 0;
	reply_init(&s->job.reply);
	s->job.slot = (unsigned int)(c - s->clients);
	s->job.gen = c->gen;
	c->waiting = true;
	pthread_mutex_lock(&s->lock);
	s->queued = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void client_line(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_server *s = c->s;
	const struct ctl_command *cmd;
	struct json_obj req;
	struct ctl_reply r;
	const char *name;
	char err[160];
	int ret;

	ret = json_obj_parse(line, len, &req, err, sizeof(err));
	if (ret) {
		if (ret == -EINVAL)
			client_error(c, CTL_ERR_PARSE, "malformed request: %s", err);
		else
			client_error(c, ret == -ENOMEM ? CTL_ERR_FAILED : CTL_ERR_BAD_ARG,
				     "%s", err);
		return;
	}
	ret = json_obj_get_str(&req, "cmd", &name);
	if (ret) {
		client_error(c, CTL_ERR_BAD_ARG, ret == -ENOENT ?
			     "no \"cmd\": say which command to run" :
			     "\"cmd\" must be a string");
		goto out;
	}
	cmd = ctl_find(s, name);
	if (!cmd) {
		client_unknown(c, name);
		goto out;
	}
	if (client_bad_key(c, cmd, &req))
		goto out;
	log_debug("ctl", "control socket: %s", cmd->name);
	if (cmd->slow) {
		if (s->busy)
			client_error(c, CTL_ERR_BUSY, "'%s' is still running; try again when it is done",
				     s->job.cmd->name);
		else
			ctl_start_slow(c, cmd, &req);
		goto out;
	}
	reply_init(&r);
	ret = cmd->run(s->arg, &req, &r);
	reply_finish(&r, ret);
	client_send_reply(c, &r);
	reply_free(&r);
out:
	json_obj_free(&req);
}

/* Serve the complete lines buffered, in order, until one has to wait. */
static void client_process(struct ctl_client *c)
{
	unsigned int gen = c->gen;

	while (client_alive(c, gen) && !c->waiting && !c->closing) {
		char *nl = memchr(c->in, '\n', c->in_len);
		size_t n;
		bool blank = true;

		if (!nl)
			return;
		n = (size_t)(nl - c->in);
		for (size_t i = 0; i < n && blank; i++)
			blank = c->in[i] == ' ' || c->in[i] == '\t' || c->in[i] == '\r';
		/* An empty line (a person pressing Enter) gets no reply. */
		if (!blank)
			client_line(c, c->in, n);
		if (!client_alive(c, gen))
			return;
		c->in_len -= n + 1;
		memmove(c->in, nl + 1, c->in_len);
	}
}

/* Serve lines and read more, until empty (edge triggered) or told to wait. */
static void client_read(struct ctl_client *c)
{
	unsigned int gen = c->gen;
	ssize_t n;

	for (;;) {
		client_process(c);
		if (!client_alive(c, gen) || c->waiting || c->closing || c->eof)
			return;
		if (c->in_len == sizeof(c->in)) {
			client_error(c, CTL_ERR_TOO_LONG,
				     "request line longer than %d bytes; closing the connection",
				     CTL_LINE_MAX);
			c->closing = true;
			c->in_len = 0;
			return;
		}
		n = recv(c->src.fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			client_close(c);
			return;
		}
		if (n == 0) {
			c->eof = true;
			/*
			 * A last line without its newline (printf '...' | socat)
			 * is still a request: end it, so it is served in turn.
			 * There is room: a full buffer was refused above.
			 */
			if (c->in_len) {
				c->in[c->in_len++] = '\n';
				client_process(c);
			}
			return;
		}
		c->in_len += (size_t)n;
	}
}

/* Close c once it has nothing left to do. */
static void client_settle(struct ctl_client *c)
{
	if (c->used && !c->out.len && (c->closing || (c->eof && !c->waiting)))
		client_close(c);
}

/*
 * The peer is gone both ways (or reset the connection). Asked of the fd
 * itself, as the event may be stale: the slot's previous connection's.
 */
static bool client_hung_up(const struct ctl_client *c)
{
	struct pollfd pfd = { .fd = c->src.fd };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

static void client_ready(struct ev_source *src, uint32_t events)
{
	struct ctl_client *c = container_of(src, struct ctl_client, src);

	if (!c->used)
		return;
	if ((events & EPOLLOUT) && !client_flush(c))
		return;
	client_read(c);
	/* No one to answer, whatever is still running or waiting. */
	if (c->used && (events & (EPOLLHUP | EPOLLERR)) && client_hung_up(c))
		client_close(c);
	client_settle(c);
}

static void ctl_refuse(struct ctl_server *s, int fd)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":\"busy\",\"message\":\"too many clients\"}\n";

	log_ratelimited(&ctl_rl, LOG_WARN, "ctl",
			"control socket %s: more than %d connections; refusing one",
			s->path, CTL_MAX_CLIENTS);
	/* A fresh socket has room for one line; if not, too bad. */
	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("ctl", "control socket: refusing: %s", strerror(errno));
	close(fd);
}

static void ctl_open(struct ctl_server *s, int fd)
{
	struct ctl_client *c = NULL;
	unsigned int gen;

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS && !c; i++)
		if (!s->clients[i].used)
			c = &s->clients[i];
	if (!c) {
		ctl_refuse(s, fd);
		return;
	}
	gen = c->gen;
	memset(c, 0, offsetof(struct ctl_client, in));
	c->gen = gen;
	c->s = s;
	c->src.fd = fd;
	c->src.ready = client_ready;
	c->src.name = "control connection";
	json_out_init(&c->out);
	/* Edge triggered: every path that stops reading early resumes itself. */
	if (evloop_add(s->loop, &c->src, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)) {
		close(fd);
		return;
	}
	c->used = true;
}

static void listen_ready(struct ev_source *src, uint32_t events __unused)
{
	struct ctl_server *s = container_of(src, struct ctl_server, listen);

	/* Edge triggered: out of fds, the next connection retries the backlog. */
	for (;;) {
		int fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0) {
			if (errno != EAGAIN)
				log_ratelimited(&ctl_rl, LOG_WARN, "ctl",
						"control socket %s: accept: %s",
						s->path, strerror(errno));
			return;
		}
		ctl_open(s, fd);
	}
}

/* The finished slow command's reply to its client (if it is still there); the job ends. */
static struct ctl_client *job_deliver(struct ctl_server *s)
{
	struct ctl_job *j = &s->job;
	struct ctl_client *c = &s->clients[j->slot];

	reply_finish(&j->reply, j->ret);
	if (client_alive(c, j->gen)) {
		c->waiting = false;
		client_send_reply(c, &j->reply);
	} else {
		log_debug("ctl", "control socket: %s: the client left; reply dropped",
			  j->cmd->name);
	}
	reply_free(&j->reply);
	json_obj_free(&j->req);
	s->busy = false;
	return c;
}

/* At the end: what is still buffered for c, while *budget_ms (shared by all clients) lasts. */
static void client_drain(struct ctl_client *c, int *budget_ms)
{
	while (c->used && c->out.len && *budget_ms > 0) {
		struct pollfd p = { .fd = c->src.fd, .events = POLLOUT };

		if (poll(&p, 1, 50) < 0 && errno != EINTR)
			break;
		*budget_ms -= 50;
		if (!client_flush(c))
			break;
	}
}

/* The worker finished s->job: answer on the loop thread. */
static void done_ready(struct ev_source *src, uint32_t events __unused)
{
	struct ctl_server *s = container_of(src, struct ctl_server, done);
	struct ctl_job *j = &s->job;
	struct ctl_client *c;
	uint64_t count;
	bool finished;

	if (read(src->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("ctl", "control socket %s: eventfd: %s", s->path, strerror(errno));
	pthread_mutex_lock(&s->lock);
	finished = s->finished;
	s->finished = false;
	pthread_mutex_unlock(&s->lock);
	if (!finished)
		return;

	c = job_deliver(s);
	/* Its lines that waited, and what came meanwhile (edge triggered). */
	if (client_alive(c, j->gen)) {
		client_read(c);
		client_settle(c);
	}
}

static void *ctl_worker(void *arg)
{
	static const uint64_t one = 1;
	struct ctl_server *s = arg;
	struct ctl_job *j = &s->job;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->queued && !s->quit)
			pthread_cond_wait(&s->cond, &s->lock);
		if (!s->queued)
			break;
		s->queued = false;
		pthread_mutex_unlock(&s->lock);
		j->ret = j->cmd->run(s->arg, &j->req, &j->reply);
		pthread_mutex_lock(&s->lock);
		s->finished = true;
		if (write(s->done.fd, &one, sizeof(one)) < 0)
			log_err("ctl", "control socket %s: eventfd: %s",
				s->path, strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/*
 * bind() found path taken. A socket nobody listens on (a crash left it)
 * is removed: 0, bind again. Otherwise -errno, logged.
 */
static int ctl_clear_stale(const char *path, const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		log_err("ctl", "--api-sock %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("ctl", "--api-sock %s: exists and is not a socket; not replacing it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		log_err("ctl", "socket: %s", strerror(-ret));
		return ret;
	}
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) ? -errno : 0;
	close(fd);
	if (ret == -ECONNREFUSED) {
		if (unlink(path) < 0 && errno != ENOENT) {
			ret = -errno;
			log_err("ctl", "--api-sock %s: cannot remove the stale socket: %s",
				path, strerror(-ret));
			return ret;
		}
		log_info("ctl", "--api-sock %s: replaced a stale socket", path);
		return 0;
	}
	if (!ret || ret == -EAGAIN) {
		log_err("ctl", "--api-sock %s: in use: something listens on it (another kvmini?)",
			path);
		return -EADDRINUSE;
	}
	log_err("ctl", "--api-sock %s: exists, and connecting to it fails: %s",
		path, strerror(-ret));
	return ret;
}

static int ctl_listen(struct ctl_server *s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (!s->path[0] || strlen(s->path) >= sizeof(addr.sun_path)) {
		log_err("ctl", "--api-sock '%s': a socket path must have 1 to %zu bytes",
			s->path, sizeof(addr.sun_path) - 1);
		return s->path[0] ? -ENAMETOOLONG : -EINVAL;
	}
	strcpy(addr.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		log_err("ctl", "socket: %s", strerror(-ret));
		return ret;
	}
	s->listen.fd = fd;
	/*
	 * Linux creates the socket file with the socket inode's mode (less
	 * the umask): 0600 from the first moment. The chmod below only
	 * makes sure a strict umask left the owner able to connect, before
	 * listen(), so no one can connect in between anyway.
	 */
	if (fchmod(fd, 0600) < 0)
		log_warn("ctl", "--api-sock %s: fchmod: %s", s->path, strerror(errno));
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	if (ret == -EADDRINUSE) {
		ret = ctl_clear_stale(s->path, &addr);
		if (ret)
			return ret;
		ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	}
	if (ret) {
		log_err("ctl", "--api-sock %s: bind: %s", s->path, strerror(-ret));
		return ret;
	}
	if (chmod(s->path, 0600) < 0 || lstat(s->path, &st) < 0) {
		ret = -errno;
		log_err("ctl", "--api-sock %s: %s", s->path, strerror(-ret));
		unlink(s->path);
		return ret;
	}
	s->bound = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (listen(fd, 2 * CTL_MAX_CLIENTS) < 0) {
		ret = -errno;
		log_err("ctl", "--api-sock %s: listen: %s", s->path, strerror(-ret));
		return ret;
	}
	return 0;
}

int ctl_server_start(struct ctl_server **out, const char *path,
		     struct evloop *loop, const struct ctl_command *cmds,
		     unsigned int nr, void *arg)
{
	struct ctl_server *s;
	bool any_slow = false;
	int ret;

	*out = NULL;
	for (unsigned int i = 0; i < nr; i++) {
		if (!cmds[i].name || !cmds[i].run) {
			log_err("ctl", "control command %u has no name or no handler", i);
			return -EINVAL;
		}
		any_slow = any_slow || cmds[i].slow;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->cmds = cmds;
	s->nr = nr;
	s->arg = arg;
	s->listen = (struct ev_source){ .fd = -1, .ready = listen_ready,
					.name = "control socket" };
	s->done = (struct ev_source){ .fd = -1, .ready = done_ready,
				      .name = "control socket worker" };
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->path = strdup(path);
	if (!s->path) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = ctl_listen(s);
	if (ret)
		goto fail;
	s->done.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->done.fd < 0) {
		ret = -errno;
		log_err("ctl", "eventfd: %s", strerror(-ret));
		goto fail;
	}
	if (any_slow) {
		ret = -pthread_create(&s->worker, NULL, ctl_worker, s);
		if (ret) {
			log_err("ctl", "cannot start the control socket's worker: %s",
				strerror(-ret));
			goto fail;
		}
		s->worker_started = true;
		thread_set_name(s->worker, "ctl");
	}
	ret = evloop_add(loop, &s->listen, EPOLLIN | EPOLLET);
	if (!ret)
		ret = evloop_add(loop, &s->done, EPOLLIN);
	if (ret)
		goto fail;
	*out = s;
	return 0;

fail:
	ctl_server_stop(s);
	return ret;
}

void ctl_server_stop(struct ctl_server *s)
{
	int budget_ms = 1000;	/* for draining every client, in all */
	struct stat st;

	if (!s)
		return;
	evloop_del(s->loop, &s->listen);
	evloop_del(s->loop, &s->done);
	if (s->worker_started) {
		pthread_mutex_lock(&s->lock);
		s->quit = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->worker, NULL);
	}
	/*
	 * A slow command that finished as the VM stopped (a snapshot the
	 * guest powered off during): its client gets the reply, not an EOF.
	 */
	if (s->busy && s->finished)
		job_deliver(s);
	if (s->busy) {
		reply_free(&s->job.reply);
		json_obj_free(&s->job.req);
	}
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (s->clients[i].used)
			client_drain(&s->clients[i], &budget_ms);
		/* Draining may have closed it (the client left). */
		if (s->clients[i].used)
			client_close(&s->clients[i]);
	}
	if (s->listen.fd >= 0)
		close(s->listen.fd);
	if (s->done.fd >= 0)
		close(s->done.fd);
	/* Only our own socket: someone may have replaced it meanwhile. */
	if (s->bound && !lstat(s->path, &st) && st.st_dev == s->dev &&
	    st.st_ino == s->ino && unlink(s->path) < 0)
		log_warn("ctl", "--api-sock %s: unlink: %s", s->path, strerror(errno));
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}
