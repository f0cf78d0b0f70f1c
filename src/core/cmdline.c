// SPDX-License-Identifier: GPL-2.0-only
/* The guest kernel's command line: kvmtool's implicit parts, then --params (cmdline.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cmdline.h>
#include <kvmini/config.h>
#include <kvmini/log.h>

/* Does params set this parameter (name=...) as a word of its own? */
static bool cmdline_has(const char *params, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = params; (p = strstr(p, name)); p += len)
		if ((p == params || p[-1] == ' ') && p[len] == '=')
			return true;
	return false;
}

int cmdline_build(const struct vm_config *cfg, size_t max, char **out)
{
	const char *params = cfg->params ? cfg->params : "";
	bool defaults = !cfg->nodefaults && (cfg->kernel_path || cfg->firmware_path);
	const char *console = "", *root = "";
	size_t len;
	char *s;

	if (defaults) {
		console = cfg->console == CONSOLE_VIRTIO ? "console=hvc0" : "console=ttyS0";
		if (cfg->nr_disks && !cmdline_has(params, "root"))
			root = " root=/dev/vda rw";
	}
	len = strlen(console) + strlen(root) + (defaults && *params ? 1 : 0) + strlen(params);
	if (len >= max) {
		log_err("vm", "--params: the kernel command line is %zu characters%s; the "
			"guest kernel takes at most %zu and would cut the rest off. Shorten it%s",
			len, defaults ? " with what kvmini adds (console=, root=)" : "", max - 1,
			defaults ? ", or give --nodefaults to add nothing" : "");
		return -E2BIG;
	}
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	snprintf(s, len + 1, "%s%s%s%s", console, root, defaults && *params ? " " : "", params);
	*out = s;
	return 0;
}
