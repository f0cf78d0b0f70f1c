/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands. Each returns an exit status (>= 0) or -errno; main() maps it. */
#ifndef KVMINI_CLI_H
#define KVMINI_CLI_H

#include <kvmini/config.h>

/* A command-line mistake: already reported; main() exits with status 2. */
#define KVMINI_EUSAGE 1000
/* The guest did not finish in time (--timeout); main() exits with 124. */
#define KVMINI_ETIMEOUT 1001
/* Parsing printed --help: exit 0 without running anything. */
#define CLI_HELP_SHOWN 1

/*
 * A command-line mistake of `kvmini cmd`: "kvmini cmd: <message>" and where
 * to look, on stderr. Both return -KVMINI_EUSAGE.
 */
int __printf(2, 3) cli_usage_error(const char *cmd, const char *fmt, ...);
int cli_usage_hint(const char *cmd);

/* Parse `kvmini run` options into cfg: 0, CLI_HELP_SHOWN, or -KVMINI_EUSAGE. */
int run_parse_args(int argc, char **argv, struct vm_config *cfg);
/*
 * --timeout and --io-poll values as kvmini run takes them, for it and
 * for restore, which passes them on: 0, or a usage error naming cmd.
 */
int run_arg_timeout(const char *cmd, const char *arg, unsigned int *secs);
int run_arg_io_poll(const char *cmd, const char *arg, unsigned int *usec);

struct snapfile;
/*
 * Prepare, create, run and tear down the VM cfg describes (its test hooks
 * chosen here); restore: continue it from that snapshot instead of booting,
 * once this host is shown to run its vCPUs. The run's status or -errno.
 */
int cli_run_vm(struct vm_config *cfg, const struct snapfile *restore);

int cmd_run(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_cpu(int argc, char **argv);
/* `kvmini ctl`: a request to a running kvmini's control socket. */
int cmd_ctl(int argc, char **argv);
/* `kvmini restore`: a VM continued from a snapshot. */
int cmd_restore(int argc, char **argv);

#endif
