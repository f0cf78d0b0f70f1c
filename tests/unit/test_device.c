// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device layer without KVM: devices join a VM's list and bus in order,
 * overlaps and duplicate names are refused (and the refused device freed),
 * accesses carry the vCPU index, and the UART's state survives a save and
 * load while every corrupted state is refused without changing anything, and
 * a device without state loads only an empty one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/console-out.h>
#include <kvmini/console.h>
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

static int quits;

static void count_quit(struct vm *vm)
{
	(void)vm;
	quits++;
}

/*
 * Interrupts, console input and loopback, as a 16550A driver sees them:
 * stdin is a pipe read by the event loop (run here without its thread).
 */
static void uart_behaviour(void)
{
	static uint8_t big[5000];
	struct vm vm;
	struct device *u;
	int fds[2];
	uint8_t c;
	size_t got;

	memset(&vm, 0, sizeof(vm));
	if (pipe(fds) || evloop_init(&vm.loop) ||
	    console_init(&vm.console, &vm, fds[0], count_quit) ||
	    uart8250_create(0x1000000, -1, &u))
		return;
	u->has_irq = true;	/* unconnected: the level is still tracked */
	uart8250_set_input(u, &vm.console);
	console_connect(&vm.console, u, uart8250_input_ready);
	ok(console_start(&vm.console) == 0 && !vm.console.raw, "console on a pipe: not raw");
	ok((uart_reg(u, 2) & 0x0f) == 0x01 && !u->irq.level && !(uart_reg(u, 5) & 0x01),
	   "reset: no interrupt, line low, no data");
	ok(write(fds[1], "abc", 3) == 3 && evloop_run_once(&vm.loop, 1000) == 1,
	   "typed bytes reach the console on the event loop");
	ok(!(uart_reg(u, 5) & 0x01) && !u->irq.level && uart_reg(u, 0) == 0,
	   "RX interrupt off: nothing offered yet, a drain reads nothing");
	uart_reg_set(u, 2, 0x07);	/* FCR: FIFO on, both cleared */
	uart_reg_set(u, 1, 0x01);	/* IER: received data */
	ok(uart_reg(u, 5) & 0x01, "the guest listens: data ready, nothing lost to the drain");
	ok(u->irq.level && (uart_reg(u, 2) & 0x0f) == 0x04 && (uart_reg(u, 2) & 0xc0) == 0xc0,
	   "RX interrupt on: line high, IIR says received data, FIFOs on");
	c = uart_reg(u, 0);
	ok(c == 'a' && uart_reg(u, 0) == 'b' && uart_reg(u, 0) == 'c',
	   "RBR gives the bytes in order");
	ok(!(uart_reg(u, 5) & 0x01) && !u->irq.level, "drained: no data, line low");
	uart_reg_set(u, 1, 0x03);	/* IER: + THR empty */
	ok(u->irq.level && (uart_reg(u, 2) & 0x0f) == 0x02,
	   "enabling the THRE interrupt with THR empty raises it");
	ok(!u->irq.level && (uart_reg(u, 2) & 0x0f) == 0x01,
	   "reading the IIR acknowledged it: line low");
	uart_out(u, "x");
	ok(u->irq.level, "a byte sent: THR empty again, THRE interrupt back");
	ok(write(fds[1], "d", 1) == 1 && evloop_run_once(&vm.loop, 1000) == 1 &&
	   (uart_reg(u, 2) & 0x0f) == 0x04, "received data outranks THRE in the IIR");
	uart_reg(u, 0);
	uart_reg_set(u, 1, 0x01);
	ok(!u->irq.level, "only the RX interrupt on, nothing received: line low");

	/* More than the console holds: the rest waits in the pipe, none is lost. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	ok(write(fds[1], big, sizeof(big)) == sizeof(big) && evloop_run_once(&vm.loop, 1000) == 1 &&
	   console_pending(&vm.console) == CONSOLE_BUF && vm.console.in_paused,
	   "a full console buffer stops reading stdin (%zu held)", console_pending(&vm.console));
	got = 0;
	for (size_t i = 0; i < sizeof(big); i++) {
		if (!console_pending(&vm.console) && evloop_run_once(&vm.loop, 1000) <= 0)
			break;
		if (!(uart_reg(u, 5) & 0x01))
			evloop_run_once(&vm.loop, 1000);	/* stdin back on the loop, read */
		if (uart_reg(u, 0) != big[i])
			break;
		got++;
	}
	ok(got == sizeof(big), "all %zu bytes arrive in order through the UART (%zu)",
	   sizeof(big), got);

	uart_reg_set(u, 4, 0x1f);	/* MCR: loopback, all outputs */
	ok(uart_reg(u, 6) == 0xf0, "loopback: MSR mirrors DTR/RTS/OUT1/OUT2 (0x%02x)", uart_reg(u, 6));
	ok(write(fds[1], "z", 1) == 1 && evloop_run_once(&vm.loop, 1000) == 1 &&
	   !(uart_reg(u, 5) & 0x01), "loopback: the line is not heard");
	uart_out(u, "L");
	ok(uart_reg(u, 0) == 'L', "loopback: a sent byte comes back");
	uart_reg_set(u, 4, 0x00);
	ok(uart_reg(u, 0) == 'z', "out of loopback, the typed byte is still there");
	uart_reg_set(u, 1, 0x00);
	close(fds[1]);
	ok(evloop_run_once(&vm.loop, 1000) == 1 && vm.console.in_done && !quits,
	   "end of input: the console stops reading; no quit without a terminal");
	u->ops->destroy(u);
	console_destroy(&vm.console);
	evloop_destroy(&vm.loop);
	close(fds[0]);
}

struct uart_writer {
	struct device *u;
	const char *text;
	size_t len;
	bool done;
};

/* A vCPU printing: text byte by byte into THR. */
static void *uart_write_text(void *arg)
{
	struct uart_writer *w = arg;

	for (size_t i = 0; i < w->len; i++)
		w->u->ops->write(w->u, 0, 0, &w->text[i], 1);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool uart_writer_done(struct uart_writer *w, int ms)
{
	for (int i = 0; i < ms && !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * An output nobody reads (a blocking pipe, full): the printing vCPU waits -
 * nothing is lost - but never holding the UART's lock, so the I/O thread's
 * console input and register accesses from other vCPUs go on; a stop ends
 * the wait; what is left when room comes back goes out from the I/O thread.
 */
static void no_kick(void *arg)
{
	(void)arg;
}

static void uart_backpressure(void)
{
	static char filler[1 << 16];
	struct uart_writer w;
	struct console_out sock;
	struct vm vm;
	struct device *u;
	pthread_t t;
	size_t n = 0, cap, len;
	uint64_t t0;
	char *text, *got;
	uint8_t lsr;
	int p[2], sv[2];

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1;	/* no KVM */
	signal(SIGPIPE, SIG_IGN);
	pause_init(&vm.pause);
	if (evloop_init(&vm.loop) || pipe2(p, O_CLOEXEC) || fcntl(p[0], F_SETFL, O_NONBLOCK) ||
	    fcntl(p[1], F_SETPIPE_SZ, 4096) < 0 || uart8250_create(0x1000000, p[1], &u))
		return;
	/* A page at least: sized from what the pipe holds, whatever the page size. */
	cap = (size_t)fcntl(p[1], F_GETPIPE_SZ);
	len = 2 * cap + 2048;
	text = malloc(len);
	got = malloc(len);
	u->vm = &vm;
	if (!text || !got || cap > sizeof(filler) || u->ops->realize(u)) {
		ok(false, "a UART on a pipe");
		return;
	}
	for (size_t i = 0; i < len; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	w = (struct uart_writer){ .u = u, .text = text, .len = len };
	if (pthread_create(&t, NULL, uart_write_text, &w))
		return;
	ok(!uart_writer_done(&w, 300), "%zu bytes into a %zu-byte pipe nobody reads: the "
	   "printing vCPU waits", len, cap);
	t0 = now_ms();
	lsr = uart_reg(u, 5);
	uart8250_input_ready(u);
	/* A lock held by the waiting writer would hang here: any bound far below forever will do. */
	ok(now_ms() - t0 < 2000 && (lsr & 0x60) == 0x60,
	   "meanwhile the UART answers other threads at once: its lock is free (LSR 0x%02x, "
	   "%llu ms)", lsr, (unsigned long long)(now_ms() - t0));
	for (t0 = now_ms(); n < len && now_ms() - t0 < 10000;) {
		ssize_t r = read(p[0], got + n, len - n);

		if (r > 0)
			n += (size_t)r;
		else
			evloop_run_once(&vm.loop, 10);
	}
	ok(!pthread_join(t, NULL) && w.done && n == len && !memcmp(got, text, len),
	   "the reader back: the vCPU goes on, every byte out in order (%zu of %zu)", n, len);

	/* Left over with room to spare: no wait, and the I/O thread sends it when room comes. */
	ok(write(p[1], filler, cap) == (ssize_t)cap, "the pipe filled by someone else");
	w = (struct uart_writer){ .u = u, .text = "tail\n", .len = 5 };
	uart_write_text(&w);
	ok(w.done && read(p[0], filler, cap) == (ssize_t)cap,
	   "a line the full output cannot take: kept, the vCPU does not wait");
	ok(evloop_run_once(&vm.loop, 1000) == 1 && read(p[0], got, len) == 5 &&
	   !memcmp(got, "tail\n", 5), "room again: the I/O thread sends what was kept");

	/* A pause, then a stop, end a wait. */
	ok(write(p[1], filler, cap) == (ssize_t)cap, "the pipe filled again");
	w = (struct uart_writer){ .u = u, .text = text, .len = 2048 };
	if (pthread_create(&t, NULL, uart_write_text, &w))
		return;
	ok(!uart_writer_done(&w, 200), "a vCPU waits for room");
	pause_all(&vm.pause, false, no_kick, NULL);
	ok(uart_writer_done(&w, 5000) && !pthread_join(t, NULL),
	   "a pause asked: the wait ends (its bytes kept), so the vCPU can park");
	pause_resume(&vm.pause);
	w = (struct uart_writer){ .u = u, .text = text, .len = 1 };
	if (pthread_create(&t, NULL, uart_write_text, &w))
		return;
	ok(!uart_writer_done(&w, 200), "resumed: the next byte waits again");
	__atomic_store_n(&vm.stop_reason, VM_STOP_QUIT, __ATOMIC_SEQ_CST);
	ok(uart_writer_done(&w, 5000) && !pthread_join(t, NULL),
	   "the VM stops: the wait ends within a slice");
	/* kvmini stopped (not a power-off): the last flush gives a reader that takes nothing 2 s. */
	t0 = now_ms();
	u->ops->quiesce(u);
	t0 = now_ms() - t0;
	ok(t0 >= 1500 && t0 < 10000, "stopped by the user: the last flush gives up on the full "
	   "output after %d ms, dropping the rest (%llu ms)", CONSOLE_OUT_STOP_MS,
	   (unsigned long long)t0);
	close(p[0]);
	u->ops->destroy(u);
	evloop_destroy(&vm.loop);
	pause_destroy(&vm.pause);
	close(p[1]);
	free(text);
	free(got);

	/* A socket: a number of its own, so two devices can each watch it in one loop. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	console_out_open(&sock, sv[0]);
	ok(sock.fd >= 0 && sock.fd != sv[0] && sock.owned && sock.socket && sock.watchable,
	   "a socket output is a duplicate of its own, sent without waiting");
	console_out_close(&sock);
	close(sv[0]);
	close(sv[1]);
}

/* The vCPU kick: a handler without SA_RESTART, as src/core/vcpu.c installs it. */
static void kick_handler(int sig)
{
	(void)sig;
}

/*
 * A vCPU printing to a terminal while it is kicked (the coalesced-write
 * flush timer kicks vCPU 0 every 20 ms): a terminal's write fails with
 * EINTR when a signal is pending, even without blocking. Every byte still
 * goes out, in order: found losing characters at a pty under load.
 */
static void uart_kicked_at_terminal(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	size_t len = 64 * 1024, n = 0, kicks = 0;
	struct uart_writer w;
	struct termios raw;
	struct vm vm;
	struct device *u;
	char *text, *got;
	pthread_t t;
	uint64_t t0;
	int master, slave;

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1;	/* no KVM */
	pause_init(&vm.pause);
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    tcgetattr(slave, &raw) || (cfmakeraw(&raw), tcsetattr(slave, TCSANOW, &raw)) ||
	    fcntl(master, F_SETFL, O_NONBLOCK) || sigaction(SIGUSR2, &sa, NULL) ||
	    evloop_init(&vm.loop) || uart8250_create(0x1000000, slave, &u)) {
		ok(false, "a UART on a pseudo-terminal");
		return;
	}
	text = malloc(len);
	got = malloc(len);
	u->vm = &vm;
	if (!text || !got || u->ops->realize(u)) {
		ok(false, "a UART on a pseudo-terminal");
		return;
	}
	for (size_t i = 0; i < len; i++)
		text[i] = (char)('a' + (i * 7 + i / 26) % 26);
	w = (struct uart_writer){ .u = u, .text = text, .len = len };
	if (pthread_create(&t, NULL, uart_write_text, &w))
		return;
	for (t0 = now_ms(); n < len && now_ms() - t0 < 20000;) {
		ssize_t r = read(master, got + n, len - n);

		if (r > 0)
			n += (size_t)r;
		else
			evloop_run_once(&vm.loop, 0);
		if (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) && !pthread_kill(t, SIGUSR2))
			kicks++;
	}
	ok(!pthread_join(t, NULL) && n == len && !memcmp(got, text, len),
	   "a vCPU kicked %zu times while it prints to a terminal: every byte out, in order "
	   "(%zu of %zu)", kicks, n, len);
	u->ops->destroy(u);
	evloop_destroy(&vm.loop);
	pause_destroy(&vm.pause);
	close(slave);
	close(master);
	free(text);
	free(got);
}

/* A saved UART state, loaded into uart. */
static int device_load_bytes(struct device *dev, const uint8_t *bytes, size_t len)
{
	struct state_buf in;

	state_init_read(&in, bytes, len);
	return dev->ops->load(dev, &in);
}

/*
 * Each register reads (bytewise and in one 8-byte read) as the mirror's
 * page shows it, and reading them all changed nothing: the page, the
 * saved state, the console's pending input.
 */
static bool uart_mirror_matches(struct device *u, struct console *in)
{
	uint8_t image[UART8250_MIRROR_LEN], after[UART8250_MIRROR_LEN];
	struct state_buf before_state, after_state;
	size_t pending = console_pending(in);
	uint64_t wide = 0;
	bool same;

	if (!uart8250_mirror_page(u, image))
		return false;
	state_init(&before_state);
	if (u->ops->save(u, &before_state))
		return false;
	for (unsigned int i = 0; i < UART8250_MIRROR_LEN; i++)
		if (uart_reg(u, i) != image[i]) {
			printf("# register %u reads 0x%02x, the mirror shows 0x%02x\n", i,
			       uart_reg(u, i), image[i]);
			return false;
		}
	u->ops->read(u, 0, 0, &wide, 8);
	for (unsigned int i = 0; i < UART8250_MIRROR_LEN; i++)
		if ((uint8_t)(wide >> (8 * i)) != image[i]) {
			printf("# an 8-byte read at 0 has 0x%02x in byte %u, the mirror 0x%02x\n",
			       (uint8_t)(wide >> (8 * i)), i, image[i]);
			return false;
		}
	state_init(&after_state);
	same = !u->ops->save(u, &after_state) && after_state.len == before_state.len &&
	       !memcmp(after_state.data, before_state.data, after_state.len);
	state_free(&before_state);
	state_free(&after_state);
	return same && console_pending(in) == pending && uart8250_mirror_page(u, after) &&
	       !memcmp(image, after, sizeof(image)) && uart_reg(u, 8) == 0;
}

/*
 * The register mirror (reg-mirror.h) of a realized UART, its page kept
 * though no KVM maps it: up from a reset while no read has an effect,
 * showing what every read returns; down for good once the guest turns an
 * interrupt or loopback on, until the next reset or load.
 */
static void uart_mirror(void)
{
	struct vm vm;
	struct device *u;
	struct state_buf s;
	uint8_t image[UART8250_MIRROR_LEN];
	int fds[2];

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1;
	if (pipe(fds) || evloop_init(&vm.loop) ||
	    console_init(&vm.console, &vm, fds[0], count_quit) ||
	    uart8250_create(0x1000000, -1, &u))
		return;
	u->has_irq = true;
	u->vm = &vm;
	uart8250_set_input(u, &vm.console);
	console_connect(&vm.console, u, uart8250_input_ready);
	ok(console_start(&vm.console) == 0 && u->ops->realize(u) == 0, "realized, no KVM");
	ok(uart_mirror_matches(u, &vm.console) && uart8250_mirror_page(u, image) &&
	   image[5] == 0x60 && image[2] == 0x01 && image[6] == 0xb0,
	   "after reset: up, LSR 0x60, IIR 0x01, MSR 0xb0");
	ok(write(fds[1], "q", 1) == 1 && evloop_run_once(&vm.loop, 1000) == 1 &&
	   uart_mirror_matches(u, &vm.console) && console_pending(&vm.console) == 1,
	   "typed input while the RX interrupt is off: still up, nothing offered or taken");
	uart_reg_set(u, 3, 0x83);	/* LCR: DLAB */
	uart_reg_set(u, 0, 0x0c);	/* DLL */
	uart_reg_set(u, 1, 0x01);	/* DLM: with DLAB, not IER */
	ok(uart_mirror_matches(u, &vm.console) && uart8250_mirror_page(u, image) &&
	   image[0] == 0x0c && image[1] == 0x01 && image[3] == 0x83,
	   "DLAB: the divisor at 0 and 1");
	uart_reg_set(u, 3, 0x03);
	uart_reg_set(u, 2, 0x07);	/* FCR: FIFOs on */
	uart_reg_set(u, 4, 0x0b);	/* MCR: DTR, RTS, OUT2; no loopback */
	uart_reg_set(u, 7, 0xa5);	/* SCR */
	uart_out(u, "out");
	ok(uart_mirror_matches(u, &vm.console) && uart8250_mirror_page(u, image) &&
	   image[2] == 0xc1 && image[4] == 0x0b && image[7] == 0xa5 && image[0] == 0,
	   "FIFOs, modem control, scratch and sent bytes: shown as read");
	uart_reg_set(u, 1, 0x01);	/* IER: received data */
	ok(!uart8250_mirror_page(u, image) && uart_reg(u, 0) == 'q',
	   "RX interrupt on: down, and the typed byte is read through the exit");
	uart_reg_set(u, 1, 0x00);
	ok(!uart8250_mirror_page(u, image), "IER off again: stays down until a reset");
	u->ops->reset(u);
	ok(uart_mirror_matches(u, &vm.console), "reset: up again");
	uart_reg_set(u, 4, 0x10);	/* MCR: loopback */
	ok(!uart8250_mirror_page(u, image), "loopback on: down");
	uart_reg_set(u, 4, 0x00);
	state_init(&s);
	ok(u->ops->save(u, &s) == 0, "saved with IER 0, loopback off");
	{
		struct state_buf in;

		state_init_read(&in, s.data, s.len);
		ok(u->ops->load(u, &in) == 0 && uart_mirror_matches(u, &vm.console),
		   "loaded registers that allow it: up again");
	}
	state_free(&s);
	u->ops->destroy(u);
	console_destroy(&vm.console);
	evloop_destroy(&vm.loop);
	close(fds[0]);
	close(fds[1]);
}

static void uart_state(void)
{
	struct device *a, *b;
	struct state_buf out;
	char got[64] = { 0 };
	int fds[2];
	uint8_t saved[32], bad[32];
	size_t n;

	if (pipe(fds) || uart8250_create(0x1000000, fds[1], &a) || uart8250_create(0x1000000, -1, &b))
		return;
	uart_out(a, "hello\nwor");
	ok(read(fds[0], got, sizeof(got) - 1) == 6 && !strcmp(got, "hello\n"),
	   "THR output goes out line by line (not a terminal)");
	a->ops->quiesce(a);
	memset(got, 0, sizeof(got));
	ok(read(fds[0], got, sizeof(got) - 1) == 3 && !strcmp(got, "wor"),
	   "quiesce flushes a partial line");

	uart_reg_set(a, 3, 0x83);	/* LCR: DLAB, 8 bits */
	uart_reg_set(a, 0, 0x01);	/* DLL */
	uart_reg_set(a, 1, 0x02);	/* DLM */
	uart_reg_set(a, 3, 0x03);
	uart_reg_set(a, 2, 0xc1);	/* FCR: FIFO, trigger 14 */
	uart_reg_set(a, 1, 0x05);	/* IER */
	uart_reg_set(a, 4, 0x1b);	/* MCR: loopback */
	uart_out(a, "xyz");
	uart_reg(a, 0);			/* 'x' read: "yz" stay in the FIFO */
	uart_reg_set(a, 7, 0x5a);	/* SCR */
	state_init(&out);
	n = a->ops->save(a, &out) == 0 ? out.len : 0;
	ok(n == 12, "save: %zu bytes", n);
	n = n < sizeof(saved) ? n : 0;
	memcpy(saved, out.data, n);
	ok(n == 12 && saved[0] == 1 && saved[1] == 0x05 && saved[2] == 0x03 && saved[3] == 0x1b &&
	   saved[4] == 0x5a && saved[5] == 0x01 && saved[6] == 0x02 && saved[7] == 0xc1 &&
	   saved[8] == 1 && saved[9] == 2 && saved[10] == 'y' && saved[11] == 'z',
	   "the state: version, IER, LCR, MCR, SCR, DLL, DLM, FCR, THRE pending, loopback FIFO");
	state_free(&out);

	ok(device_load_bytes(b, saved, n) == 0, "load into a fresh UART");
	uart_reg_set(b, 3, 0x83);
	ok(uart_reg(b, 1) == 0x02 && uart_reg(b, 0) == 0x01, "divisor latch restored");
	uart_reg_set(b, 3, 0x03);
	ok(uart_reg(b, 1) == 0x05 && uart_reg(b, 4) == 0x1b && uart_reg(b, 7) == 0x5a &&
	   (uart_reg(b, 2) & 0xc0) == 0xc0, "IER, MCR, SCR and FIFO mode restored");

	/* Corrupt states: refused, and b keeps what it had (the FIFO too). */
	memcpy(bad, saved, n);
	bad[0] = 2;
	ok(device_load_bytes(b, bad, n) == -EINVAL, "a future state version refused");
	memcpy(bad, saved, n);
	bad[1] = 0xf5;
	ok(device_load_bytes(b, bad, n) == -EINVAL, "IER bits a 16550A lacks refused");
	memcpy(bad, saved, n);
	bad[3] = 0xff;
	ok(device_load_bytes(b, bad, n) == -EINVAL, "MCR bits a 16550A lacks refused");
	memcpy(bad, saved, n);
	bad[8] = 2;
	ok(device_load_bytes(b, bad, n) == -EINVAL, "a THRE flag that is not 0 or 1 refused");
	memcpy(bad, saved, n);
	bad[9] = 17;
	ok(device_load_bytes(b, bad, n) == -EINVAL, "more looped-back bytes than the FIFO holds refused");
	memcpy(bad, saved, n);
	bad[7] = 0;
	ok(device_load_bytes(b, bad, n) == -EINVAL, "2 looped-back bytes without a FIFO refused");
	memcpy(bad, saved, n);
	bad[9] = 3;
	ok(device_load_bytes(b, bad, n) == -EBADMSG, "a FIFO count beyond the bytes given refused");
	ok(device_load_bytes(b, saved, n - 1) == -EBADMSG, "a truncated state refused");
	memcpy(bad, saved, n);
	bad[n] = 0;
	ok(device_load_bytes(b, bad, n + 1) == -EBADMSG, "trailing bytes refused");
	ok(device_load_bytes(b, saved, 0) == -EBADMSG, "an empty state refused");
	ok(uart_reg(b, 1) == 0x05 && uart_reg(b, 7) == 0x5a && uart_reg(b, 0) == 'y' &&
	   uart_reg(b, 0) == 'z', "after every refusal the UART is unchanged, its FIFO too");
	b->ops->reset(b);
	ok(uart_reg(b, 1) == 0 && uart_reg(b, 3) == 0 && uart_reg(b, 7) == 0 &&
	   !(uart_reg(b, 5) & 0x01), "reset: back to power-on values");
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
	td->dev.ops->destroy(&td->dev);
}

/* A snapshot of the test guest carries what it reported so far into the restored run. */
static void testdev_state(void)
{
	struct testdev *a, *b;
	struct state_buf out;
	uint32_t status = 5;
	uint8_t bad[512];

	if (testdev_create(0x1020000, 2, &a) || testdev_create(0x1020000, 2, &b))
		return;
	a->dev.ops->write(&a->dev, 1, TESTDEV_EXIT_STATUS, &status, 4);
	state_init(&out);
	ok(a->dev.ops->save(&a->dev, &out) == 0, "test device: state saved");
	ok(device_load_bytes(&b->dev, out.data, out.len) == 0, "and loaded into another");
	ok(testdev_exit_status(b, 7) == 5, "the restored device keeps the guest's status");
	ok(device_load_bytes(&b->dev, out.data, out.len - 1) == -EBADMSG, "a truncated state refused");
	memcpy(bad, out.data, out.len);
	bad[0] = 3;	/* the vCPU count */
	ok(device_load_bytes(&b->dev, bad, out.len) == -EBADMSG, "a state for another vCPU count refused");
	memcpy(bad, out.data, out.len);
	bad[out.len - 1] = 2;	/* "failed" is a bool */
	ok(device_load_bytes(&b->dev, bad, out.len) == -EBADMSG, "a flag other than 0 or 1 refused");
	ok(testdev_exit_status(b, 7) == 5, "a refused load changes nothing");
	state_free(&out);
	a->dev.ops->destroy(&a->dev);
	b->dev.ops->destroy(&b->dev);
}

static const struct device_ops stateless_ops = {
	.type = "stateless", .read = probe_read, .write = probe_write,
	.save = device_save_stateless, .load = device_load_stateless,
};

/* A device without state saves nothing and loads only nothing (a fuzzer's find). */
static void stateless_state(void)
{
	const uint8_t junk[2] = { 2, 2 };
	struct state_buf out, in;
	struct device d;

	device_init(&d, &stateless_ops, 0xcf9, 1);
	state_init(&out);
	ok(d.ops->save(&d, &out) == 0 && out.len == 0, "stateless device: saves no bytes");
	state_free(&out);
	ok(device_load_bytes(&d, NULL, 0) == 0, "and loads an empty state");
	ok(device_load_bytes(&d, junk, sizeof(junk)) == -EBADMSG,
	   "a state with bytes in it is not its own: refused");
	/* As restore.c reads a section: the device's name first, then its load. */
	state_init_read(&in, junk, sizeof(junk));
	(void)state_get_u8(&in);
	(void)state_get_u8(&in);
	ok(d.ops->load(&d, &in) == 0, "what the section held before its state is not counted");
}

int main(void)
{
	device_list();
	uart_behaviour();
	uart_mirror();
	uart_state();
	uart_backpressure();
	uart_kicked_at_terminal();
	testdev_cpus();
	testdev_state();
	stateless_state();
	return tap_done();
}
