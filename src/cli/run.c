// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini run`: parse, check against the host, create the VM, run it, report how it ended. */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include <kvmini/cli.h>
#include <kvmini/log.h>
#include <kvmini/test-hooks.h>
#include <kvmini/vm.h>

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm *vm = NULL;
	int ret = run_parse_args(argc, argv, &cfg);

	if (ret) {
		vm_config_free(&cfg);
		return ret == CLI_HELP_SHOWN ? 0 : ret;
	}
	/* What ps, top and the kernel's messages call kvmini and its threads (15 bytes kept). */
	if (cfg.name && prctl(PR_SET_NAME, cfg.name))
		log_warn("cli", "--name %s: cannot set the process name: %s", cfg.name,
			 strerror(errno));
	cfg.test_hooks = test_hooks_for(&cfg);
	ret = vm_prepare(&cfg, &vm);
	/* A configuration this host cannot run is a usage error, like a bad option. */
	if (ret == -EINVAL)
		ret = -KVMINI_EUSAGE;
	if (!ret)
		ret = vm_create(vm);
	if (!ret)
		ret = vm_run(vm);
	if (ret == -ETIMEDOUT)
		ret = -KVMINI_ETIMEOUT;
	vm_destroy(vm);
	vm_config_free(&cfg);
	return ret;
}
