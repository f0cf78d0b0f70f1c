// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini run`: parse, check against the host, create the VM, run it, report how it ended. */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include <kvmini/cli.h>
#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/test-hooks.h>
#include <kvmini/vm.h>

int cli_run_vm(struct vm_config *cfg, const struct snapfile *restore)
{
	struct vm *vm = NULL;
	int ret;

	cfg->test_hooks = test_hooks_for(cfg);
	ret = vm_prepare(cfg, &vm);
	/*
	 * A configuration this host cannot run is a usage error, like a bad
	 * option; a restore's comes from the snapshot, whose refusal is not.
	 */
	if (ret == -EINVAL && !restore)
		ret = -KVMINI_EUSAGE;
	if (!ret && restore) {
		vm->restore = restore;
		ret = arch_snapshot_check(vm, restore);
		if (!ret)
			log_info("snapshot", "restoring %s", restore->path);
	}
	if (!ret)
		ret = vm_create(vm);
	if (!ret)
		ret = vm_run(vm);
	if (ret == -ETIMEDOUT)
		ret = -KVMINI_ETIMEOUT;
	vm_destroy(vm);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	int ret = run_parse_args(argc, argv, &cfg);

	if (ret) {
		vm_config_free(&cfg);
		return ret == CLI_HELP_SHOWN ? 0 : ret;
	}
	/* What ps, top and the kernel's messages call kvmini and its threads (15 bytes kept). */
	if (cfg.name && prctl(PR_SET_NAME, cfg.name))
		log_warn("cli", "--name %s: cannot set the process name: %s", cfg.name,
			 strerror(errno));
	ret = cli_run_vm(&cfg, NULL);
	vm_config_free(&cfg);
	return ret;
}
