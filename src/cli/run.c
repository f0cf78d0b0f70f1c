// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini run`: parse, create the VM, run it, report how it ended. */
#include <kvmini/cli.h>
#include <kvmini/cpu.h>
#include <kvmini/vm.h>

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm *vm = NULL;
	int ret = run_parse_args(argc, argv, &cfg);

	if (ret == CLI_HELP_SHOWN)
		ret = 0;
	else if (!ret)
		ret = vm_create(&cfg, &vm);
	if (!ret && vm) {
		ret = vm_run(vm);
		vm_destroy(vm);
	}
	cpu_opts_free(&cfg);
	return ret;
}
