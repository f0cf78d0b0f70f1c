// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the registers of the devices that are not virtio,
 * as a hostile guest reaches them: both machines' devices, created by
 * their create functions and added as the machine files add them - the
 * arm64 8250 UART and PL031 RTC on the MMIO bus; x86's COM1, CMOS RTC and
 * (on x86_64 hosts, where pm.c builds) the ACPI sleep and reset registers
 * on the port bus - with their interrupt lines unconnected (levels kept)
 * and no KVM. The input is a sequence of operations, each an op byte and
 * its operands:
 *   op & 7: 0-5 the n-th device (of the VM's list, wrapping), 6 another
 *   entry point (below: op >> 3 & 15, modulo 6, picks it; bit 7 the UART
 *   typed at), 7 a raw address (bit 6: on the port bus);
 *   op >> 3 & 3: 1, 2, 4 or 8 bytes - on the port bus, which takes only
 *   1, 2 and 4, a REP string instead: a byte of size and count follows;
 *   op & 0x20: a write (its value's bytes follow);
 *   op >> 6: where in the region - a byte within it and 16 beyond, around
 *   its end, a 16-bit offset, or the first aligned to the size.
 * Accesses go through bus_access() as the exit handlers dispatch them
 * (MMIO: one of 1, 2, 4, 8 bytes; ports: REP strings one element at a
 * time). The other entry points: a guest reboot (devices_reset), a
 * snapshot's save -> load -> save, state bytes from the input loaded
 * (what a snapshot may carry, which the guest then drives), console input
 * typed into a pipe and delivered by the event loop to a UART, a round of
 * the event loop (the RTCs' timers), and quiesce (the UART's output).
 *
 * Checked beyond ASan and UBSan:
 *  - a read writes no byte beyond the access's length, a write leaves the
 *    guest's data alone, and an access that hits nothing reads as the
 *    bus's filler (all-ones on the port bus, zeros on MMIO);
 *  - an access inside a device's region reaches it;
 *  - a device's state saves, loads back and saves again to the same bytes,
 *    state bytes a load accepts save back to themselves, and a refused
 *    load changes nothing;
 *  - the PL031's line is up exactly while its masked status is;
 *  - while a UART's register mirror is up, each register reads (bytewise
 *    and in one 8-byte read) as its page shows it, and reading them
 *    changes nothing: the page, the saved state, the pending input;
 *  - the guest stops the VM only by powering off or resetting it;
 *  - what guest accesses log is bounded (rate-limited), however many.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/console.h>
#include <kvmini/device.h>
#include <kvmini/mc146818.h>
#include <kvmini/pl031.h>
#include <kvmini/state.h>
#include <kvmini/uart8250.h>
#include <kvmini/vm.h>

#include "../../src/arch/arm64/layout.h"
#include "../../src/arch/x86_64/layout.h"
#ifdef __x86_64__
#include "../../src/arch/x86_64/x86_64.h"
#endif

#define UARTS 2
/* Lines the guest's accesses of one input may log: rate limits allow a few per second each. */
#define LOG_LINES_MAX 200
#define PL031_MIS 0x18
#define PL031_STATE_RIS 18	/* the raw status' byte in its saved state */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vm vm;
static int null_fd = -1;
static struct device *uarts[UARTS], *rtc;	/* rtc: the PL031 */
/* Each UART's console: input typed into a pipe, as a non-terminal stdin. */
static struct console consoles[UARTS];
static int pipes[UARTS][2];

/* pm.c's registers stop the VM; here each stop is checked and counted. */
void vm_stop(struct vm *v, enum vm_stop_reason reason, int err)
{
	if (v != &vm || (reason != VM_STOP_POWEROFF && reason != VM_STOP_RESET) || err)
		abort();
}

/* Lines logged: stderr is counted, not printed, while an input runs. */
static size_t log_lines;

static ssize_t count_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	for (size_t i = 0; i < n; i++)
		log_lines += buf[i] == '\n';
	return (ssize_t)n;
}

static FILE *real_stderr, *counter;

static void setup(void)
{
	if (null_fd >= 0)
		return;
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	counter = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = count_write });
	if (null_fd < 0 || !counter || evloop_init(&vm.loop))
		abort();
	setvbuf(counter, NULL, _IONBF, 0);
	real_stderr = stderr;
	log_set_level(LOG_WARN);
	vm.vm_fd = -1;
	bus_init(&vm.mmio, "mmio");
	bus_init(&vm.port_bus, "port");
	vm.port_bus.floating = true;	/* as x86's vm.c sets it up */
	vm.pio = &vm.port_bus;
	/* What KVM emulates in the kernel, reserved as the machine files do. */
	if (bus_reserve(&vm.mmio, ARM64_GIC_DIST_BASE, ARM64_GIC_DIST_SIZE, "gicv3-dist") ||
	    bus_reserve(&vm.mmio, X86_IOAPIC_BASE, 0x1000, "ioapic"))
		abort();
}

static void add_irq_device(struct device *dev)
{
	dev->has_irq = true;	/* unconnected (vm_fd -1): its level is tracked */
	if (vm_add_device(&vm, dev))
		abort();
}

/* Both machine files' devices, realized, each UART with its console. */
static void machine_create(void)
{
	struct device *d;

	if (uart8250_create(ARM64_UART_BASE, null_fd, &uarts[0]))
		abort();
	add_irq_device(uarts[0]);
	if (pl031_create(ARM64_RTC_BASE, 1, &rtc))
		abort();
	add_irq_device(rtc);
	if (uart8250_create(X86_COM1_PORT, null_fd, &uarts[1]))
		abort();
	device_use_ports(uarts[1], 8);
	add_irq_device(uarts[1]);
	if (mc146818_create(X86_RTC_PORT, &d))
		abort();
	add_irq_device(d);
#ifdef __x86_64__
	if (x86_pm_add(&vm))
		abort();
#endif
	if (devices_realize(&vm))
		abort();
	for (int i = 0; i < UARTS; i++) {
		if (pipe2(pipes[i], O_CLOEXEC | O_NONBLOCK) ||
		    console_init(&consoles[i], &vm, pipes[i][0], NULL))
			abort();
		uart8250_set_input(uarts[i], &consoles[i]);
		console_connect(&consoles[i], uarts[i], uart8250_input_ready);
		if (console_start(&consoles[i]))
			abort();
	}
}

static void machine_destroy(void)
{
	devices_destroy(&vm);
	for (int i = 0; i < UARTS; i++) {
		struct console *c = &consoles[i];

		if (c->in_src.added)
			evloop_del(&vm.loop, &c->in_src);
		if (c->room_src.added)
			evloop_del(&vm.loop, &c->room_src);
		console_destroy(c);
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

/* The input, read front to back; zeros once it is used up. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint8_t next(struct cursor *c)
{
	if (!c->left)
		return 0;
	c->left--;
	return *c->p++;
}

static struct device *nth_device(unsigned int n)
{
	unsigned int count = 0;
	struct device *d;

	for (d = vm.devices; d; d = d->next)
		count++;
	for (d = vm.devices, n %= count; n; n--)
		d = d->next;
	return d;
}

/* One access as an exit handler dispatches it; in_region: dev's region holds it. */
static void guest_access(struct bus *bus, uint64_t addr, unsigned int len, bool is_write,
		   struct cursor *c, bool in_region)
{
	uint8_t buf[16], before[16];
	bool hit;

	memset(buf, 0x5a, sizeof(buf));
	for (unsigned int i = 0; is_write && i < len; i++)
		buf[i] = next(c);
	memcpy(before, buf, sizeof(buf));
	hit = bus_access(bus, 0, addr, buf, len, is_write);
	if (in_region && !hit)
		abort();	/* the bus lost an access to a device */
	if (is_write ? memcmp(buf, before, sizeof(buf)) :
		       memcmp(buf + len, before + len, sizeof(buf) - len))
		abort();	/* a write changed the guest's data, or a read wrote past it */
	for (unsigned int i = 0; !hit && !is_write && i < len; i++)
		if (buf[i] != (bus->floating ? 0xff : 0))
			abort();
}

static const unsigned int sizes[4] = { 1, 2, 4, 8 };

static void device_access(struct device *dev, uint8_t op, struct cursor *c)
{
	struct bus *bus = dev->pio ? vm.pio : &vm.mmio;
	unsigned int len = sizes[op >> 3 & 3], count = 1;
	bool is_write = op & 0x20;
	uint64_t span = dev->size + 16 < 256 ? dev->size + 16 : 256, off;
	uint8_t b = next(c);

	if (dev->pio && len == 8) {
		/* A REP INS or OUTS: count accesses of 1, 2 or 4 bytes. */
		uint8_t rep = next(c);

		len = sizes[rep % 3];
		count = (rep >> 2) + 1u;
	}
	switch (op >> 6) {
	case 0:
		off = b % span;
		break;
	case 1:
		off = dev->size - 32 + (b & 63);	/* may wrap below base: neighbours */
		break;
	case 2:
		off = b | (uint64_t)next(c) << 8;
		break;
	default:
		off = b % span & ~(uint64_t)(len - 1);
	}
	for (unsigned int i = 0; i < count; i++) {
		uint64_t addr = dev->base + off;

		if (dev->pio)
			addr &= 0xffff;	/* a port number is 16 bits */
		guest_access(bus, addr, len, is_write, c,
		       addr >= dev->base && addr - dev->base + len <= dev->size);
	}
}

/* An address on either bus, in gaps, reserved regions and straddling ends. */
static void raw_access(uint8_t op, struct cursor *c)
{
	unsigned int len = sizes[op >> 3 & 3];
	bool pio = op & 0x40;
	unsigned int bytes = pio ? 2 : op & 0x80 ? 5 : 4;
	uint64_t addr = 0;

	for (unsigned int i = 0; i < bytes; i++)
		addr |= (uint64_t)next(c) << (8 * i);
	if (pio && len == 8)
		len = 4;
	guest_access(pio ? vm.pio : &vm.mmio, addr, len, op & 0x20, c, false);
}

static void save(struct device *dev, struct state_buf *s)
{
	state_init(s);
	if (dev->ops->save(dev, s))
		abort();
}

/*
 * Two saved states of dev are the same. A PL031 restored in the second of
 * its match raises its status (rtc_arm): the one difference time allows.
 */
static bool same_state(const struct device *dev, const struct state_buf *a,
		       const struct state_buf *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if (a->data[i] != b->data[i] &&
		    !(dev == rtc && i == PL031_STATE_RIS && !a->data[i] && b->data[i] == 1))
			return false;
	return true;
}

/* Load bytes into dev: accepted, they save back as they were; refused, nothing changed. */
static int load(struct device *dev, const uint8_t *bytes, size_t len)
{
	struct state_buf before, in, after, given;
	int ret;

	save(dev, &before);
	state_init_read(&in, bytes, len);
	ret = dev->ops->load(dev, &in);
	save(dev, &after);
	state_init_read(&given, bytes, len);
	if (!same_state(dev, ret ? &before : &given, &after))
		abort();
	state_free(&before);
	state_free(&after);
	return ret;
}

/* A snapshot's save and restore: a device's own state must load. */
static void round_trip(struct device *dev)
{
	struct state_buf s;

	save(dev, &s);
	if (load(dev, s.data, s.len))
		abort();
	state_free(&s);
}

/* Console input: typed into the pipe, read by the event loop as stdin is. */
static void type_keys(unsigned int uart, struct cursor *c)
{
	uint8_t keys[256];
	size_t n = next(c);

	for (size_t i = 0; i < n; i++)
		keys[i] = next(c);
	if (n && write(pipes[uart][1], keys, n) < 0)
		return;	/* the pipe is full: the guest reads nothing */
	evloop_run_once(&vm.loop, 0);
}

static void pl031_check_irq(void)
{
	uint32_t mis;

	rtc->ops->read(rtc, 0, PL031_MIS, &mis, 4);
	if (mis != rtc->irq.level)
		abort();
}

/*
 * What the guest would read from a UART's mirror page is what the exit
 * would give, and the reads change nothing: the page, the saved state,
 * the console's pending input.
 */
static void uart_check_mirror(void)
{
	for (int i = 0; i < UARTS; i++) {
		struct device *u = uarts[i];
		uint8_t image[UART8250_MIRROR_LEN], again[UART8250_MIRROR_LEN], v;
		size_t pending = console_pending(&consoles[i]);
		struct state_buf before, after;
		uint64_t wide = 0;

		if (!uart8250_mirror_page(u, image))
			continue;
		save(u, &before);
		for (unsigned int r = 0; r < UART8250_MIRROR_LEN; r++) {
			u->ops->read(u, 0, r, &v, 1);
			if (v != image[r])
				abort();
		}
		u->ops->read(u, 0, 0, &wide, 8);
		for (unsigned int r = 0; r < UART8250_MIRROR_LEN; r++)
			if ((uint8_t)(wide >> (8 * r)) != image[r])
				abort();
		save(u, &after);
		if (!uart8250_mirror_page(u, again) || memcmp(image, again, sizeof(image)) ||
		    !same_state(u, &before, &after) || console_pending(&consoles[i]) != pending)
			abort();
		state_free(&before);
		state_free(&after);
	}
}

static void other_entry(uint8_t op, struct cursor *c)
{
	struct device *dev;
	uint8_t bytes[256];
	size_t before = log_lines, n;

	switch ((op >> 3 & 15) % 6) {
	case 0:
		devices_reset(&vm);
		break;
	case 1:
		round_trip(nth_device(next(c)));
		break;
	case 2:
		dev = nth_device(next(c));
		n = next(c);
		for (size_t i = 0; i < n; i++)
			bytes[i] = next(c);
		(void)load(dev, bytes, n);
		log_lines = before;	/* a refused snapshot is logged in full: not the guest's */
		break;
	case 3:
		type_keys(op >> 7, c);
		break;
	case 4:
		evloop_run_once(&vm.loop, 0);
		break;
	default:
		devices_quiesce(&vm);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };

	setup();
	machine_create();
	stderr = counter;
	log_lines = 0;
	while (c.left) {
		uint8_t op = next(&c);

		if ((op & 7) == 6)
			other_entry(op, &c);
		else if ((op & 7) == 7)
			raw_access(op, &c);
		else
			device_access(nth_device(op & 7), op, &c);
		pl031_check_irq();
		uart_check_mirror();
	}
	if (log_lines > LOG_LINES_MAX)
		abort();	/* a guest can flood the log */
	stderr = real_stderr;
	machine_destroy();
	return 0;
}
