// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include <kvmini/config.h>
#include <kvmini/options.h>

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_cpus = 1;
	cfg->ram_size = CONFIG_DEFAULT_RAM;
	cfg->kvm_path = CONFIG_DEFAULT_KVM;
	cfg->params = "";
	cfg->io_poll_us = CONFIG_DEFAULT_IO_POLL_US;
}

void vm_config_free(struct vm_config *cfg)
{
	test_run_options.free(cfg);
	arch_run_options.free(cfg);
	for (unsigned int i = 0; i < cfg->nr_disks; i++)
		free(cfg->disks[i].path);
	cfg->nr_disks = 0;
	cfg->test_hooks = NULL;
}
