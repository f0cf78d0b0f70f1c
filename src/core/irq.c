// SPDX-License-Identifier: GPL-2.0-only
/* Interrupt lines into the in-kernel interrupt controller: KVM_IRQ_LINE or an irqfd. */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <kvmini/irq.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>

void irq_line_init(struct irq_line *line)
{
	memset(line, 0, sizeof(*line));
	line->vm_fd = -1;
	line->irqfd = -1;
}

/* Guests drive this at will: failures are logged rate-limited. */
static int irq_line_ioctl(struct irq_line *line, bool level)
{
	static struct ratelimit rl;
	struct kvm_irq_level irq = { .irq = line->kvm_irq, .level = level };
	int ret = kvm_ioctl_quiet(line->vm_fd, KVM_IRQ_LINE, &irq);

	if (ret)
		log_ratelimited(&rl, LOG_ERR, "vm", "interrupt 0x%x: KVM_IRQ_LINE "
				"level %d failed: %s", line->kvm_irq, level, strerror(-ret));
	return ret;
}

int irq_line_set(struct irq_line *line, bool level)
{
	int ret = 0;

	if (line->level == level)
		return 0;
	/* Unconnected (unit tests): the level is still tracked. */
	if (line->vm_fd >= 0)
		ret = irq_line_ioctl(line, level);
	if (!ret)
		line->level = level;
	return ret;
}

int irq_line_pulse(struct irq_line *line)
{
	uint64_t one = 1;
	int ret;

	if (line->vm_fd < 0)
		return 0;
	if (line->irqfd >= 0) {
		/* An eventfd write cannot block below its 2^64-1 ceiling. */
		if (write(line->irqfd, &one, sizeof(one)) == sizeof(one))
			return 0;
		ret = -errno;
		log_err("vm", "interrupt %u: irqfd write failed: %s", line->gsi,
			strerror(errno));
		return ret;
	}
	ret = irq_line_ioctl(line, true);
	if (!ret)
		ret = irq_line_ioctl(line, false);
	return ret;
}

int irq_line_bind_irqfd(struct irq_line *line)
{
	struct kvm_irqfd req = { .gsi = line->gsi };
	int fd, ret;

	if (line->vm_fd < 0 || line->irqfd >= 0)
		return 0;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		log_err("vm", "interrupt %u: cannot create an eventfd: %s", line->gsi,
			strerror(errno));
		return ret;
	}
	req.fd = (__u32)fd;
	ret = kvm_ioctl(line->vm_fd, KVM_IRQFD, &req);
	if (ret) {
		close(fd);
		return ret;
	}
	line->irqfd = fd;
	return 0;
}

void irq_line_release(struct irq_line *line)
{
	struct kvm_irqfd req = {
		.gsi = line->gsi, .fd = (__u32)line->irqfd, .flags = KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (line->irqfd < 0)
		return;
	/* Best effort: the VM fd's close would drop it too. */
	(void)kvm_ioctl_quiet(line->vm_fd, KVM_IRQFD, &req);
	close(line->irqfd);
	line->irqfd = -1;
}
