// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini run`: parse, create the VM, run it, report how it ended. */
#include <kvmini/cli.h>
#include <kvmini/vm.h>

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm *vm;
	int ret = run_parse_args(argc, argv, &cfg);

	if (ret == CLI_HELP_SHOWN)
		return 0;
	if (ret)
		return ret;
	ret = vm_create(&cfg, &vm);
	if (ret)
		return ret;
	ret = vm_run(vm);
	vm_destroy(vm);
	return ret;
}
