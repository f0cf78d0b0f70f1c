// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device layer without KVM: devices join a VM's list and bus in order,
 * overlaps and duplicate names are refused (and the refused device freed),
 * accesses carry the vCPU index, and the UART's state survives a save and
 * load while every corrupted state is refused without changing anything.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>
#include <kvmini/state.h>
#include <kvmini/uart8250.h>
#include <kvmini/vm.h>

#include "../../src/test/testdev.h"
#include "tap.h"

/* A device counting its hook calls, in a log shared by all of them. */
struct probe {
	struct device dev;
	char *log;
};

static char hook_log[256];

static void probe_note(struct device *dev, const char *what)
{
	size_t n = strlen(hook_log);

	snprintf(hook_log + n, sizeof(hook_log) - n, "%s:%s ", what, dev->name);
}

static void probe_read(struct device *dev, unsigned int cpu, uint64_t off, void *data,
		       unsigned int len)
{
	(void)dev;
	(void)off;
	bus_data_put(data, len, cpu);
}

static void probe_write(struct device *dev, unsigned int cpu, uint64_t off, const void *data,
			unsigned int len)
{
	(void)dev, (void)cpu, (void)off, (void)data, (void)len;
}

static void probe_reset(struct device *dev) { probe_note(dev, "reset"); }
static void probe_quiesce(struct device *dev) { probe_note(dev, "quiesce"); }
static int probe_realize(struct device *dev) { probe_note(dev, "realize"); return 0; }

static void probe_destroy(struct device *dev)
{
	probe_note(dev, "destroy");
	free(container_of(dev, struct probe, dev));
}

static const struct device_ops probe_ops = {
	.type = "probe", .read = probe_read, .write = probe_write, .realize = probe_realize,
	.reset = probe_reset, .quiesce = probe_quiesce, .destroy = probe_destroy,
};

static struct device *probe_new(uint64_t base)
{
	struct probe *p = calloc(1, sizeof(*p));

	device_init(&p->dev, &probe_ops, base, 0x100);
	return &p->dev;
}

static void device_list(void)
{
	struct vm vm;
	uint32_t v = 0;

	memset(&vm, 0, sizeof(vm));
	bus_init(&vm.mmio, "mmio");
	ok(vm_add_device(&vm, probe_new(0x1000)) == 0 && vm_add_device(&vm, probe_new(0x2000)) == 0,
	   "two devices added");
	ok(vm.devices && !strcmp(vm.devices->name, "probe@1000") && vm.devices->next &&
	   !strcmp(vm.devices->next->name, "probe@2000") && vm.devices->vm == &vm,
	   "kept in the order added, named type@base, owned by the VM");
	hook_log[0] = 0;
	ok(vm_add_device(&vm, probe_new(0x1080)) == -EEXIST &&
	   !strcmp(hook_log, "destroy:probe@1080 "), "an overlapping device: refused and freed");
	hook_log[0] = 0;
	{
		struct device *dup = probe_new(0x3000);

		snprintf(dup->name, sizeof(dup->name), "probe@1000");
		ok(vm_add_device(&vm, dup) == -EEXIST && !strcmp(hook_log, "destroy:probe@1000 "),
		   "a second device of the same name: refused and freed");
	}
	ok(vm.mmio.nr_regions == 2, "refused devices left nothing on the bus");
	ok(vm_find_device(&vm, "probe") == vm.devices && !vm_find_device(&vm, "nope"),
	   "find by type");
	ok(bus_access(&vm.mmio, 3, 0x2004, &v, 4, false) && v == 3,
	   "an access reaches the device with the vCPU's index");
	hook_log[0] = 0;
	ok(devices_realize(&vm) == 0, "realize");
	devices_reset(&vm);
	devices_quiesce(&vm);
	devices_destroy(&vm);
	ok(!strcmp(hook_log, "realize:probe@1000 realize:probe@2000 reset:probe@1000 "
		   "reset:probe@2000 quiesce:probe@1000 quiesce:probe@2000 "
		   "destroy:probe@1000 destroy:probe@2000 "),
	   "hooks run in list order (%s)", hook_log);
	ok(!vm.devices && vm.mmio.nr_regions == 0, "destroyed: off the list and the bus");
}

static void uart_out(struct device *uart, const char *s)
{
	for (; *s; s++) {
		uint8_t c = (uint8_t)*s;

		uart->ops->write(uart, 0, 0, &c, 1);
	}
}

static uint8_t uart_reg(struct device *uart, unsigned int reg)
{
	uint8_t v = 0xee;

	uart->ops->read(uart, 0, reg, &v, 1);
	return v;
}

static void uart_reg_set(struct device *uart, unsigned int reg, uint8_t v)
{
	uart->ops->write(uart, 0, reg, &v, 1);
}

/* A saved UART state with byte i changed, loaded into uart: the result. */
static int uart_load_bytes(struct device *uart, const uint8_t *bytes, size_t len)
{
	struct state_buf in;

	state_init_read(&in, bytes, len);
	return uart->ops->load(uart, &in);
}

static void uart_state(void)
{
	struct device *a, *b;
	struct state_buf out;
	char got[64] = { 0 };
	int fds[2];
	uint8_t saved[16];
	size_t n;

	if (pipe(fds) || uart8250_create(0x1000000, fds[1], &a) || uart8250_create(0x1000000, -1, &b))
		return;
	uart_out(a, "hello\nwor");
	ok(read(fds[0], got, sizeof(got) - 1) == 6 && !strcmp(got, "hello\n"),
	   "THR output goes out line by line");
	a->ops->quiesce(a);
	memset(got, 0, sizeof(got));
	ok(read(fds[0], got, sizeof(got) - 1) == 3 && !strcmp(got, "wor"),
	   "quiesce flushes a partial line");

	uart_reg_set(a, 3, 0x83);	/* LCR: DLAB, 8 bits */
	uart_reg_set(a, 0, 0x01);	/* DLL */
	uart_reg_set(a, 1, 0x02);	/* DLM */
	uart_reg_set(a, 3, 0x03);
	uart_reg_set(a, 1, 0x05);	/* IER */
	uart_reg_set(a, 4, 0x0b);	/* MCR */
	uart_reg_set(a, 7, 0x5a);	/* SCR */
	state_init(&out);
	n = a->ops->save(a, &out) == 0 ? out.len : 0;
	ok(n == 7, "save: %zu bytes", n);
	n = out.len < sizeof(saved) ? out.len : sizeof(saved);
	memcpy(saved, out.data, n);
	ok(n == 7 && saved[0] == 1 && saved[1] == 0x05 && saved[2] == 0x03 && saved[3] == 0x0b &&
	   saved[4] == 0x5a && saved[5] == 0x01 && saved[6] == 0x02,
	   "the state: version, IER, LCR, MCR, SCR, DLL, DLM");
	state_free(&out);

	ok(uart_load_bytes(b, saved, n) == 0, "load into a fresh UART");
	uart_reg_set(b, 3, 0x83);
	ok(uart_reg(b, 1) == 0x02 && uart_reg(b, 0) == 0x01, "divisor latch restored");
	uart_reg_set(b, 3, 0x03);
	ok(uart_reg(b, 1) == 0x05 && uart_reg(b, 4) == 0x0b && uart_reg(b, 7) == 0x5a,
	   "IER, MCR and SCR restored");

	/* Corrupt states: refused, and b keeps what it had. */
	{
		uint8_t bad[16];

		memcpy(bad, saved, n);
		bad[0] = 2;
		ok(uart_load_bytes(b, bad, n) == -EINVAL, "a future state version refused");
		memcpy(bad, saved, n);
		bad[1] = 0xf5;
		ok(uart_load_bytes(b, bad, n) == -EINVAL, "IER bits a 16550A lacks refused");
		memcpy(bad, saved, n);
		bad[3] = 0xff;
		ok(uart_load_bytes(b, bad, n) == -EINVAL, "MCR bits a 16550A lacks refused");
		ok(uart_load_bytes(b, saved, n - 1) == -EBADMSG, "a truncated state refused");
		memcpy(bad, saved, n);
		bad[n] = 0;
		ok(uart_load_bytes(b, bad, n + 1) == -EBADMSG, "trailing bytes refused");
		ok(uart_load_bytes(b, saved, 0) == -EBADMSG, "an empty state refused");
		ok(uart_reg(b, 1) == 0x05 && uart_reg(b, 7) == 0x5a,
		   "after every refusal the UART is unchanged");
	}
	b->ops->reset(b);
	ok(uart_reg(b, 1) == 0 && uart_reg(b, 3) == 0 && uart_reg(b, 7) == 0,
	   "reset: back to power-on values");
	a->ops->destroy(a);
	b->ops->destroy(b);
	close(fds[0]);
	close(fds[1]);
}

static void testdev_cpus(void)
{
	struct testdev *td;
	uint32_t v = 0, status = 42;

	if (testdev_create(0x1020000, 4, &td))
		return;
	td->dev.ops->read(&td->dev, 3, TESTDEV_CPU, &v, 4);
	ok(v == 3, "test device: CPU reads the accessing vCPU's index (%u)", v);
	td->dev.ops->read(&td->dev, 9, TESTDEV_CPU, &v, 4);
	ok(v == 0, "an index beyond the device's vCPUs reads as 0");
	td->dev.ops->write(&td->dev, 1, TESTDEV_EXIT_STATUS, &status, 4);
	ok(testdev_exit_status(td, 7) == 42, "the exit status a guest wrote");
	ok(td->dev.ops->save == NULL, "test machinery: the test device cannot be saved");
	td->dev.ops->destroy(&td->dev);
}

int main(void)
{
	device_list();
	uart_state();
	testdev_cpus();
	return tap_done();
}
