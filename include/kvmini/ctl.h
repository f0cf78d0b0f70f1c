/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket (`kvmini run --api-sock PATH`): newline-delimited
 * JSON over a UNIX stream socket, served from the event loop. The server
 * knows nothing about VMs; its owner hands it a table of commands.
 *
 * Request, one line:  {"cmd":"snapshot","path":"/tmp/s.kvs","force":true}
 *   flat: values are strings, integers (int64), true/false or null.
 * Reply, one line:    {"ok":true,...result fields}
 *                     {"ok":false,"error":"<code>","message":"<text>"}
 *
 * Requests on one connection are answered in order; up to CTL_MAX_CLIENTS
 * connections are served at once.
 */
#ifndef KVMINI_CTL_H
#define KVMINI_CTL_H

#include <kvmini/compiler.h>
#include <kvmini/evloop.h>
#include <kvmini/json.h>

/* The longest request line, without its newline. */
#define CTL_LINE_MAX 4096
#define CTL_MAX_CLIENTS 8
/* Replies a client leaves unread beyond this get it disconnected. */
#define CTL_OUT_MAX (256 * 1024)

/* Error codes of replies. */
#define CTL_ERR_PARSE "parse"			/* not JSON; names the offset */
#define CTL_ERR_TOO_LONG "too-long"		/* line > CTL_LINE_MAX; closes */
#define CTL_ERR_UNKNOWN "unknown-command"	/* lists the known ones */
#define CTL_ERR_BAD_ARG "bad-argument"	/* JSON we refuse (nested...), no "cmd" */
#define CTL_ERR_BUSY "busy"			/* a slow command runs already */
#define CTL_ERR_FAILED "failed"			/* the command's own error */

struct ctl_reply;

/*
 * Make the reply an error (the last call wins; fields added are dropped).
 * code: one of CTL_ERR_* or another short name.
 */
void __printf(3, 4) ctl_reply_error(struct ctl_reply *r, const char *code,
				    const char *fmt, ...);
/* Where a command adds its result fields (json_out_str()...; not "ok"). */
struct json_out *ctl_reply_fields(struct ctl_reply *r);

struct ctl_command {
	const char *name;
	/*
	 * true: runs on the server's worker thread, one slow command at a
	 * time; a request for any slow command meanwhile gets "busy". Fast
	 * commands run on the loop thread and keep being served meanwhile
	 * (so a slow command must not assume they do not run).
	 */
	bool slow;
	/*
	 * The keys a request may carry besides "cmd", NULL-terminated; NULL:
	 * none. The server refuses any other key before run, naming it, so
	 * that a misspelt or unsupported argument is never silently ignored.
	 */
	const char *const *keys;
	/*
	 * 0: ok, with the fields added to reply. -errno: failed; unless
	 * ctl_reply_error() was called, the reply is "failed" with
	 * strerror(). req stays valid for the call only.
	 */
	int (*run)(void *arg, const struct json_obj *req, struct ctl_reply *reply);
};

struct ctl_server;

/*
 * Bind path as a socket only its owner may use (mode 0600 from the
 * start), listen, and serve it from loop. A socket file nobody listens on
 * (left by a crash) is replaced; one something listens on is refused with
 * -EADDRINUSE, and any other file with -EEXIST (never removed). cmds must
 * outlive the server. 0 or -errno, logged.
 */
int __must_check ctl_server_start(struct ctl_server **out, const char *path,
				  struct evloop *loop,
				  const struct ctl_command *cmds, unsigned int nr,
				  void *arg);
/*
 * Remove the server from its loop, wait for a running slow command to
 * finish (its reply is dropped), close the connections and unlink the
 * socket (if it is still the one bound). NULL is a no-op.
 *
 * With the loop stopped, or from the loop thread but not from a command
 * or any other callback of the server's. The server's sources are freed
 * here: like every evloop source they must outlive the batch being run,
 * so from a callback of the loop the caller must know none of them is
 * pending in it (stopping the loop first is the simple way).
 */
void ctl_server_stop(struct ctl_server *s);

#endif
