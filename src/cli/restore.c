// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini restore SNAPSHOT`: check the snapshot whole, make the machine its
 * `kvmini run` arguments describe, check this host can run its vCPUs, and
 * run it on from where it was saved.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <kvmini/cli.h>
#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/test-hooks.h>
#include <kvmini/vm.h>

static void restore_usage(FILE *f)
{
	fprintf(f,
"Usage: kvmini restore SNAPSHOT [OPTIONS]\n"
"\n"
"Continue a VM from a snapshot written by 'kvmini ctl SOCKET snapshot path=FILE'.\n"
"The snapshot is checked before anything is created: its checksums, format\n"
"version and architecture, and whether this host can run its vCPUs (SVE\n"
"vector lengths, MTE, the counter's frequency, every ID register field).\n"
"The machine is the one the snapshot was taken of ('kvmini run' options as\n"
"given then, read in the directory they were given in, so their relative\n"
"paths name the same files). Its RAM is read in 1 MiB chunks as the guest\n"
"first touches them, each checked before the guest sees it, and the rest\n"
"checked in the background: damage anywhere stops the VM (status 1),\n"
"naming the guest addresses. An MTE VM's RAM, or all RAM where userfaultfd\n"
"is not available, is read in and checked before the VM starts.\n"
"\n"
"Options:\n"
"      --api-sock PATH  serve the control socket at PATH (as kvmini run does)\n"
"      --verify-memory  check all of the RAM before any VM exists (reads it\n"
"                       all first; a damaged file is then refused up front)\n"
"      --timeout SECS   as kvmini run's, counted from the restore\n"
"      --stats          as kvmini run's, for the restored run\n"
"      --io-poll USEC   as kvmini run's (default: the saved run's)\n"
"      --dump-regs      as kvmini run's: every register when the guest stops\n"
"      --inject-fault restore\n"
"                       test the tester: flip a bit of a vector register the\n"
"                       restored test guest holds a pattern in (arm64: V7 at\n"
"                       its first FP/SIMD or SVE check exit; x86_64: YMM7 or\n"
"                       XMM7 at its first vector check exit); its checks must\n"
"                       catch it\n"
"  -h, --help           this text\n"
"\n"
"Exit status: as 'kvmini run' (the guest's status; 1 when the snapshot is\n"
"refused, 2 for usage errors).\n");
}

/* Options passed on to the replayed `kvmini run` arguments, after them (so they win). */
#define RESTORE_MAX_EXTRA 16	/* the table's pass-through options take 8 */

struct restore_opts {
	const char *path;
	const char *api_sock;
	bool verify_memory;
	const char *extra[RESTORE_MAX_EXTRA];
	unsigned int nr_extra;
};

static void restore_pass_on(struct restore_opts *o, const char *opt, const char *val)
{
	/* An option given again replaces its earlier value (the table's options are few). */
	for (unsigned int i = 0; i < o->nr_extra; i++) {
		if (strcmp(o->extra[i], opt))
			continue;
		if (val)
			o->extra[i + 1] = val;
		return;
	}
	if (o->nr_extra + (val ? 2 : 1) > RESTORE_MAX_EXTRA)
		return;
	o->extra[o->nr_extra++] = opt;
	if (val)
		o->extra[o->nr_extra++] = val;
}

static int restore_parse(int argc, char **argv, struct restore_opts *o)
{
	static const struct option opts[] = {
		{ "api-sock", required_argument, NULL, 'a' },
		{ "verify-memory", no_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "io-poll", required_argument, NULL, 'p' },
		{ "dump-regs", no_argument, NULL, 'r' },
		{ "inject-fault", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int checked;
	int c, ret;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			restore_usage(stdout);
			return CLI_HELP_SHOWN;
		case 'a':
			if (!*optarg)
				return cli_usage_error("restore", "--api-sock '': give the socket's path");
			o->api_sock = optarg;
			break;
		case 'v':
			o->verify_memory = true;
			break;
		case 't':
			/* Checked here, or the replayed run's refusal would blame the snapshot. */
			ret = run_arg_timeout("restore", optarg, &checked);
			if (ret)
				return ret;
			restore_pass_on(o, "--timeout", optarg);
			break;
		case 's':
			restore_pass_on(o, "--stats", NULL);
			break;
		case 'p':
			ret = run_arg_io_poll("restore", optarg, &checked);
			if (ret)
				return ret;
			restore_pass_on(o, "--io-poll", optarg);
			break;
		case 'r':
			restore_pass_on(o, "--dump-regs", NULL);
			break;
		case 'f':
			if (strcmp(optarg, "restore"))
				return cli_usage_error("restore", "--inject-fault %s: a restore "
						       "injects only 'restore'", optarg);
			restore_pass_on(o, "--inject-fault", optarg);
			break;
		case ':':
			return cli_usage_error("restore", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("restore", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc - 1)
		return cli_usage_error("restore", "'%s' after the snapshot file %s: give one "
				       "snapshot file (options take the form --name VALUE)",
				       argv[optind + 1], argv[optind]);
	if (optind == argc)
		return cli_usage_error("restore", "which snapshot? give its file");
	o->path = argv[optind];
	return 0;
}

/* The longest path a unix socket's address holds (sun_path, less its NUL). */
#define SOCK_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/*
 * Into the directory the saved run was started in, so the relative paths
 * in its arguments (-d disk.img) name the files they named then, wherever
 * this restore was started. This restore's own relative --api-sock keeps
 * its meaning: made absolute (*api_abs, to free), or, when that is longer
 * than a socket address holds, reached through a descriptor of this
 * directory (*here_fd, to close) that the process keeps open.
 */
static int restore_enter_dir(const struct snapfile *f, const char *saved_dir,
			     struct restore_opts *o, char **api_abs, int *here_fd)
{
	char here[PATH_MAX];
	bool known = getcwd(here, sizeof(here)) != NULL;

	if (!saved_dir || (known && !strcmp(here, saved_dir)))
		return 0;
	if (o->api_sock && o->api_sock[0] != '/') {
		if (!known) {
			int err = -errno;

			log_err("snapshot", "--api-sock %s: a relative path, and the current "
				"directory cannot be told (%s); give an absolute path",
				o->api_sock, strerror(-err));
			return err;
		}
		if (asprintf(api_abs, "%s/%s", strcmp(here, "/") ? here : "", o->api_sock) < 0) {
			*api_abs = NULL;
			return -ENOMEM;
		}
		if (strlen(*api_abs) > SOCK_PATH_MAX) {
			free(*api_abs);
			*api_abs = NULL;
			*here_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (*here_fd < 0) {
				int err = -errno;

				log_err("snapshot", "--api-sock %s: cannot keep the current "
					"directory open to serve it from there: %s", o->api_sock,
					strerror(-err));
				return err;
			}
			if (asprintf(api_abs, "/proc/self/fd/%d/%s", *here_fd, o->api_sock) < 0) {
				*api_abs = NULL;
				return -ENOMEM;
			}
		}
		o->api_sock = *api_abs;
	}
	if (chdir(saved_dir)) {
		log_warn("snapshot", "%s: its VM was started in %s, which cannot be entered "
			 "here (%s): relative paths in its 'kvmini run' arguments are taken "
			 "from %s instead", f->path, saved_dir, strerror(errno),
			 known ? here : "the current directory");
		return 0;
	}
	log_info("snapshot", "%s: working in %s, where its VM was started, so the relative "
		 "paths in its 'kvmini run' arguments name the same files", f->path, saved_dir);
	return 0;
}

/*
 * The saved arguments, with this restore's control socket in place of
 * the original's (whose path may be in use by the VM still running).
 */
static int restore_config(const struct snapfile *f, struct restore_opts *o,
			  struct vm_config *cfg, int *argc, char ***argv, char ***all,
			  char **api_abs, int *here_fd)
{
	char *saved_dir = NULL;
	int ret = snapshot_read_config(f, argc, argv, &saved_dir);

	if (!ret)
		ret = restore_enter_dir(f, saved_dir, o, api_abs, here_fd);
	free(saved_dir);
	if (ret)
		return ret;
	/* The saved arguments, then this restore's own (a --timeout of the original is replaced). */
	*all = calloc((size_t)*argc + o->nr_extra + 1, sizeof(**all));
	if (!*all)
		return -ENOMEM;
	memcpy(*all, *argv, (size_t)*argc * sizeof(**all));
	memcpy(*all + *argc, o->extra, o->nr_extra * sizeof(**all));
	ret = run_parse_args(*argc + (int)o->nr_extra, *all, cfg);
	if (ret) {
		log_err("snapshot", "%s: its 'kvmini run' arguments are not ones this kvmini "
			"takes", f->path);
		return ret == CLI_HELP_SHOWN ? -EBADMSG : ret;
	}
	cfg->api_sock_path = o->api_sock;
	/* A snapshot of this VM records the machine's arguments, not this restore's options. */
	cfg->argc = *argc;
	cfg->argv = *argv;
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	struct restore_opts o;
	struct snapfile f;
	struct vm_config cfg;
	char **saved_argv = NULL, **all_argv = NULL, *api_abs = NULL, *snap_abs = NULL;
	int saved_argc = 0, here_fd = -1;
	int ret = restore_parse(argc, argv, &o);

	if (ret)
		return ret == CLI_HELP_SHOWN ? 0 : ret;
	vm_config_init(&cfg);
	ret = snapfile_open(&f, o.path, snapshot_arch());
	if (ret)
		return ret;
	/* Named in later messages as it is, not relative to the directory restore enters. */
	if (o.path[0] != '/')
		snap_abs = realpath(o.path, NULL);
	/* Lazily mapped RAM is not read at open: its checksum only on request, before any VM. */
	for (unsigned int i = 0; i < f.nr && o.verify_memory && !ret; i++)
		if (f.secs[i].flags & SNAPFILE_F_LAZY)
			ret = snapfile_verify(&f, &f.secs[i]);
	if (!ret)
		ret = restore_config(&f, &o, &cfg, &saved_argc, &saved_argv, &all_argv, &api_abs,
				     &here_fd);
	if (!ret && snap_abs) {
		free(f.path);
		f.path = snap_abs;
		snap_abs = NULL;
	}
	if (!ret)
		ret = cli_run_vm(&cfg, &f);
	vm_config_free(&cfg);
	snapshot_free_config(saved_argc, saved_argv);
	free(all_argv);
	free(api_abs);
	if (here_fd >= 0)
		close(here_fd);
	snapfile_close(&f);
	free(snap_abs);
	return ret;
}
