// SPDX-License-Identifier: GPL-2.0-only
/*
 * 8250/16550A UART (the register set of National's PC16550D datasheet):
 * polled or interrupt-driven output, console input, the interrupt
 * identification a Linux driver probes for, loopback.
 *
 * Output is buffered by line and written without waiting (console-out.h).
 * When the output backs up (a pipe nobody reads, a stalled terminal) the
 * vCPU that writes THR waits for room - the guest's CPU stalls, as on a
 * line with flow control, and nothing is lost - but never under the
 * UART's lock, so the I/O thread (console input) is never held up; a stop
 * ends the wait. What is left when room comes back goes out from the I/O
 * thread.
 *
 * From a reset until the guest turns an interrupt or loopback on, its
 * reads are served from a register mirror (reg-mirror.h) without an exit:
 * a Linux console polling LSR before each byte of the boot log then exits
 * only when the coalesced THR writes fill their ring or are flushed.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/coalesced.h>
#include <kvmini/console-out.h>
#include <kvmini/console.h>
#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/fdt-util.h>
#include <kvmini/log.h>
#include <kvmini/reg-mirror.h>
#include <kvmini/state.h>
#include <kvmini/uart8250.h>
#include <kvmini/vm.h>

enum {
	UART_RBR_THR = 0,	/* DLL when LCR.DLAB */
	UART_IER = 1,		/* DLM when LCR.DLAB */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};
#define UART_IER_RDI	0x01	/* received data available */
#define UART_IER_THRI	0x02	/* transmitter holding register empty */
#define UART_IER_MASK	0x0f
#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_FIFO	0xc0	/* FIFOs enabled */
#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_KEPT	0xc1	/* enable and the trigger level are kept */
#define UART_LCR_DLAB	0x80
#define UART_MCR_LOOP	0x10
#define UART_MCR_MASK	0x1f
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MSR_DCD_DSR_CTS 0xb0

/*
 * Output waiting for its line's end or for room: past OUT_HIGH bytes a
 * writer waits; the rest of the buffer takes what a writer that does not
 * wait (a stopping VM's) or several at once add meanwhile.
 */
#define UART8250_OUT_HIGH 1024
#define UART8250_OUT_BUF 4096
/* A waiting writer looks whether the VM stops this often. */
#define UART8250_WAIT_SLICE_MS 100
#define UART8250_STATE_VERSION 1

/* What a guest can change: what reset clears and snapshots keep. */
struct uart8250_regs {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	/* The THRE interrupt is pending (cleared by reading IIR or writing THR). */
	bool thri;
	/* Loopback mode's receive FIFO: what the guest sent itself. */
	uint8_t loop[UART8250_FIFO_SIZE];
	unsigned int loop_head, loop_count;
};

struct uart8250 {
	struct device dev;
	pthread_mutex_t lock;
	struct console_out out;
	struct ev_source room_src;	/* out.fd has room again (edge-triggered) */
	bool out_tty;		/* a terminal: each byte goes out at once */
	bool out_failed;	/* said once */
	uint64_t out_dropped;	/* bytes the buffer had no room for */
	struct ratelimit rl;
	struct uart8250_regs r;
	char out_buf[UART8250_OUT_BUF];
	size_t out_len;
	struct console *in;	/* received bytes; NULL: none */
	bool coalescing;	/* THR writes are coalesced (uart8250_update_coalescing) */
	struct reg_mirror mirror;
	bool mirror_retired;	/* down until a reset (uart8250_update_mirror) */
};

static struct uart8250 *to_uart(struct device *dev)
{
	return container_of(dev, struct uart8250, dev);
}

/* What the output takes now of the buffer, without waiting; the rest stays. Under the lock. */
static void uart8250_flush_locked(struct uart8250 *uart)
{
	struct iovec v = { .iov_base = uart->out_buf, .iov_len = uart->out_len }, *iov = &v;
	int n = 1, ret;

	if (!uart->out_len)
		return;
	ret = uart->out.fd < 0 ? 0 : console_out_write_nowait(&uart->out, &iov, &n);
	/*
	 * -EINTR: a kick ended a write to a blocking fallback. The rest is kept,
	 * unless the VM stops (or pauses): the last flush would block on it.
	 */
	if (ret == -EAGAIN || (ret == -EINTR && vm_may_wait(uart->dev.vm))) {
		memmove(uart->out_buf, iov->iov_base, iov->iov_len);
		uart->out_len = iov->iov_len;
		return;
	}
	uart->out_len = 0;
	if (ret && ret != -EINTR && !uart->out_failed) {
		uart->out_failed = true;
		/* A closed pipe (kvmini ... | head) is an ordinary end of output. */
		if (ret == -EPIPE)
			log_debug("uart", "%s: console output closed; the guest's output is dropped",
				  uart->dev.name);
		else
			log_warn("uart", "%s: writing the guest's console output to fd %d: %s; "
				 "output that cannot be written is dropped", uart->dev.name,
				 uart->out.given, strerror(-ret));
	}
}

/*
 * The output backed up past OUT_HIGH: the writing vCPU waits for room with
 * the lock let go, until a stop or a pause is asked (vm_may_wait(); the
 * byte is kept, the buffer has room past OUT_HIGH). Under the lock, which
 * it holds again on return.
 */
static void uart8250_wait_room_locked(struct uart8250 *uart)
{
	struct vm *vm = uart->dev.vm;

	while (uart->out_len >= UART8250_OUT_HIGH && vm_may_wait(vm)) {
		pthread_mutex_unlock(&uart->lock);
		/* EINTR: a kick; the loop looks whether it was a stop or a pause. */
		(void)console_out_wait_room(&uart->out, UART8250_WAIT_SLICE_MS);
		pthread_mutex_lock(&uart->lock);
		uart8250_flush_locked(uart);
	}
}

/* The I/O thread: the output has room again; what waited goes out. */
static void uart8250_room_ready(struct ev_source *src, uint32_t events)
{
	struct uart8250 *uart = container_of(src, struct uart8250, room_src);

	(void)events;	/* an error or hang-up shows in the write */
	pthread_mutex_lock(&uart->lock);
	uart8250_flush_locked(uart);
	pthread_mutex_unlock(&uart->lock);
}

/*
 * Everything out, waiting for the reader as long as console_out_drain_ms()
 * says: without limit after a power-off (nothing is lost), a while when
 * kvmini was stopped; then what is left is dropped, and said.
 */
static void uart8250_quiesce(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);
	struct iovec v;
	int ret;

	pthread_mutex_lock(&uart->lock);
	v = (struct iovec){ .iov_base = uart->out_buf, .iov_len = uart->out_len };
	ret = uart->out.fd < 0 || !v.iov_len ? 0 :
	      console_out_write_wait(&uart->out, &v, 1, console_out_drain_ms(dev->vm));
	if (ret == -ETIMEDOUT)
		log_warn("uart", "%s: the console output took nothing for %d ms while kvmini "
			 "stops: the guest's last %zu bytes are dropped", dev->name,
			 CONSOLE_OUT_STOP_MS, v.iov_len);
	uart->out_len = 0;
	pthread_mutex_unlock(&uart->lock);
}

/* Without FIFOs the 16450's single receive holding register. */
static unsigned int uart8250_loop_capacity(const struct uart8250_regs *r)
{
	return r->fcr & UART_FCR_ENABLE ? UART8250_FIFO_SIZE : 1;
}

/*
 * Received data waiting: the loopback FIFO in loopback mode, else the
 * console's - offered only while the guest has the received-data interrupt
 * on. A driver opening the port resets and drains the receiver first (Linux
 * reads RBR three times to clear it); typed or piped bytes wait until it
 * listens instead of being drained.
 */
static bool uart8250_data_ready(const struct uart8250 *uart)
{
	if (uart->r.mcr & UART_MCR_LOOP)
		return uart->r.loop_count;
	return uart->r.ier & UART_IER_RDI && uart->in && console_pending(uart->in);
}

/* The IIR's interrupt identification, highest priority first. */
static uint8_t uart8250_iir(const struct uart8250 *uart)
{
	const struct uart8250_regs *r = &uart->r;
	uint8_t fifo = r->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0;

	if (r->ier & UART_IER_RDI && uart8250_data_ready(uart))
		return fifo | UART_IIR_RDI;
	if (r->ier & UART_IER_THRI && r->thri)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NO_INT;
}

/* Level-triggered: the line is high while the IIR reports something. */
static void uart8250_update_irq(struct uart8250 *uart)
{
	bool pending = !(uart8250_iir(uart) & UART_IIR_NO_INT);

	if (uart->dev.has_irq)
		(void)irq_line_set(&uart->dev.irq, pending);
}

static void uart8250_transmit(struct uart8250 *uart, uint8_t c)
{
	struct uart8250_regs *r = &uart->r;

	if (r->mcr & UART_MCR_LOOP) {
		/* Loopback: the byte comes back in, as if the line were looped. */
		if (r->loop_count < uart8250_loop_capacity(r))
			r->loop[(r->loop_head + r->loop_count++) % UART8250_FIFO_SIZE] = c;
		return;
	}
	if (uart->out_len == sizeof(uart->out_buf)) {
		uart->out_dropped++;
		log_ratelimited(&uart->rl, LOG_WARN, "uart", "%s: the console output backed "
				"up past its %d-byte buffer while the VM stops or pauses: dropped (%" PRIu64
				" bytes so far)", uart->dev.name, UART8250_OUT_BUF,
				uart->out_dropped);
		return;
	}
	uart->out_buf[uart->out_len++] = (char)c;
	if (uart->out_tty || c == '\n' || uart->out_len >= UART8250_OUT_HIGH)
		uart8250_flush_locked(uart);
	uart8250_wait_room_locked(uart);
}

/*
 * THR writes are coalesced (coalesced.h) while nothing the guest waits for
 * follows from one: no THRE interrupt (IER.THRI off) and no loopback. A
 * console polling LSR then costs one exit per byte instead of two (the LSR
 * read's exit replays the write before it is answered), and none while
 * the mirror serves LSR. Not while the divisor latch is open (LCR.DLAB):
 * offset 0 is then DLL, which the mirror shows, and a DLL write queued in
 * the ring would leave the guest reading the old divisor back. Under the
 * lock, after the registers changed.
 */
static void uart8250_update_coalescing(struct uart8250 *uart)
{
	bool want = !(uart->r.ier & UART_IER_THRI) && !(uart->r.mcr & UART_MCR_LOOP) &&
		    !(uart->r.lcr & UART_LCR_DLAB);

	if (want != uart->coalescing && uart->dev.vm &&
	    !vm_coalesce(uart->dev.vm, &uart->dev, UART_RBR_THR, 1, want))
		uart->coalescing = want;
}

static uint8_t uart8250_msr(const struct uart8250_regs *r)
{
	if (!(r->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD_DSR_CTS;
	/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	return (uint8_t)((r->mcr & 0x01) << 5 | (r->mcr & 0x02) << 3 |
			 (r->mcr & 0x04) << 4 | (r->mcr & 0x08) << 4);
}

/*
 * What a read of the register at offset returns, without the read's
 * effects. RBR with data waiting is uart8250_read()'s alone: its value is
 * the console's next byte, which only the read takes.
 */
static uint8_t uart8250_peek(const struct uart8250 *uart, uint64_t offset)
{
	const struct uart8250_regs *r = &uart->r;

	switch (offset) {
	case UART_RBR_THR:
		if (r->lcr & UART_LCR_DLAB)
			return r->dll;
		if (r->mcr & UART_MCR_LOOP && r->loop_count)
			return r->loop[r->loop_head];
		return 0;
	case UART_IER:
		return r->lcr & UART_LCR_DLAB ? r->dlm : r->ier;
	case UART_IIR_FCR:
		return uart8250_iir(uart);
	case UART_LCR:
		return r->lcr;
	case UART_MCR:
		return r->mcr;
	case UART_LSR:
		/* Bytes leave at once: the transmitter is always empty. */
		return UART_LSR_THRE | UART_LSR_TEMT | (uart8250_data_ready(uart) ? UART_LSR_DR : 0);
	case UART_MSR:
		return uart8250_msr(r);
	case UART_SCR:
		return r->scr;
	default:
		return 0;
	}
}

/* An RBR read that takes a byte: loopback's FIFO, else the console's. Under the lock. */
static uint8_t uart8250_receive(struct uart8250 *uart)
{
	struct uart8250_regs *r = &uart->r;
	uint8_t c = 0;

	if (r->mcr & UART_MCR_LOOP) {
		if (r->loop_count) {
			c = r->loop[r->loop_head];
			r->loop_head = (r->loop_head + 1) % UART8250_FIFO_SIZE;
			r->loop_count--;
		}
		return c;
	}
	/* The byte leaves the console only now: nothing is lost before. */
	(void)console_read(uart->in, &c, 1);
	return c;
}

static void uart8250_read(struct device *dev, unsigned int cpu, uint64_t offset,
			  void *data, unsigned int len)
{
	struct uart8250 *uart = to_uart(dev);
	struct uart8250_regs *r = &uart->r;
	uint64_t v = 0;

	(void)cpu;
	pthread_mutex_lock(&uart->lock);
	if (offset == UART_RBR_THR && !(r->lcr & UART_LCR_DLAB) &&
	    (r->mcr & UART_MCR_LOOP || uart8250_data_ready(uart))) {
		v = uart8250_receive(uart);
	} else {
		v = uart8250_peek(uart, offset);
		/* Reading the IIR acknowledges a THRE interrupt it reports. */
		if (offset == UART_IIR_FCR && (v & 0x0f) == UART_IIR_THRI)
			r->thri = false;
	}
	/*
	 * Registers are bytes. A wider read sees the registers above in its
	 * upper bytes, without their reads' effects: what the mirror's memory
	 * gives, so a guest sees the same whether the mirror is up or not.
	 */
	for (unsigned int i = 1; i < len; i++)
		v |= (uint64_t)uart8250_peek(uart, offset + i) << (8 * i);
	uart8250_update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	bus_data_put(data, len, v);
}

/*
 * The registers as the mirror shows them, or false while it is down. It
 * is up from a reset until the guest first turns an interrupt or loopback
 * on: till then no read has an effect (received data is offered only with
 * its interrupt on) and every value follows from the guest's writes. Then
 * it stays down until the next reset: a Linux driver that opened the port
 * clears IER around each console write, and remapping twice a line would
 * cost more than the exits it saves. Under the lock.
 */
static bool uart8250_image(struct uart8250 *uart, uint8_t image[UART8250_MIRROR_LEN])
{
	if (uart->r.ier || uart->r.mcr & UART_MCR_LOOP)
		uart->mirror_retired = true;
	if (uart->mirror_retired)
		return false;
	for (unsigned int i = 0; i < UART8250_MIRROR_LEN; i++)
		image[i] = uart8250_peek(uart, i);
	return true;
}

/* After the registers changed, under the lock: the mirror up to date, or down. */
static void uart8250_update_mirror(struct uart8250 *uart)
{
	uint8_t image[UART8250_MIRROR_LEN];

	if (!uart8250_image(uart, image)) {
		reg_mirror_show(&uart->mirror, false);
		return;
	}
	reg_mirror_update(&uart->mirror, image, sizeof(image));
	reg_mirror_show(&uart->mirror, true);
}

bool uart8250_mirror_page(struct device *dev, uint8_t image[UART8250_MIRROR_LEN])
{
	struct uart8250 *uart = to_uart(dev);
	const uint8_t *page;
	bool up;

	pthread_mutex_lock(&uart->lock);
	page = reg_mirror_page(&uart->mirror);
	up = page && !uart->mirror_retired;
	if (up)
		memcpy(image, page, UART8250_MIRROR_LEN);
	pthread_mutex_unlock(&uart->lock);
	return up;
}

static void uart8250_print_stats(struct device *dev, FILE *f)
{
	struct uart8250 *uart = to_uart(dev);

	pthread_mutex_lock(&uart->lock);
	fprintf(f, "kvmini: stats: %s: register mirror %s\n", dev->name,
		reg_mirror_state(&uart->mirror));
	pthread_mutex_unlock(&uart->lock);
}

static void uart8250_write(struct device *dev, unsigned int cpu, uint64_t offset,
			   const void *data, unsigned int len)
{
	struct uart8250 *uart = to_uart(dev);
	struct uart8250_regs *r = &uart->r;
	uint8_t v = (uint8_t)bus_data_get(data, len);
	bool sent = false;

	(void)cpu;
	pthread_mutex_lock(&uart->lock);
	switch (offset) {
	case UART_RBR_THR:
		if (r->lcr & UART_LCR_DLAB) {
			r->dll = v;
			break;
		}
		uart8250_transmit(uart, v);
		/* Sent at once: the holding register is empty again. */
		r->thri = true;
		sent = true;
		break;
	case UART_IER:
		if (r->lcr & UART_LCR_DLAB) {
			r->dlm = v;
			break;
		}
		/* Enabling the THRE interrupt with THR empty raises it (16550D). */
		if (v & UART_IER_THRI && !(r->ier & UART_IER_THRI))
			r->thri = true;
		r->ier = v & UART_IER_MASK;
		uart8250_update_coalescing(uart);
		break;
	case UART_IIR_FCR:
		/*
		 * A receive FIFO reset empties what loopback put there; the
		 * console's input has not reached the UART yet and stays.
		 */
		if (v & UART_FCR_CLEAR_RX || (v ^ r->fcr) & UART_FCR_ENABLE)
			r->loop_head = r->loop_count = 0;
		r->fcr = v & UART_FCR_KEPT;
		break;
	case UART_LCR:
		r->lcr = v;
		uart8250_update_coalescing(uart);
		break;
	case UART_MCR:
		r->mcr = v & UART_MCR_MASK;
		uart8250_update_coalescing(uart);
		break;
	case UART_SCR:
		r->scr = v;
		break;
	default:
		/* LSR and MSR are read-only. */
		break;
	}
	uart8250_update_irq(uart);
	/*
	 * A byte sent changes nothing the mirror shows (THRE is always set;
	 * loopback keeps it down): the coalesced writes' replay, a boot log's
	 * worth, skips rebuilding it.
	 */
	if (!sent)
		uart8250_update_mirror(uart);
	pthread_mutex_unlock(&uart->lock);
}

void uart8250_set_input(struct device *dev, struct console *in)
{
	struct uart8250 *uart = to_uart(dev);

	pthread_mutex_lock(&uart->lock);
	uart->in = in;
	pthread_mutex_unlock(&uart->lock);
}

void uart8250_input_ready(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);

	pthread_mutex_lock(&uart->lock);
	uart8250_update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}

static void uart8250_reset(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);

	pthread_mutex_lock(&uart->lock);
	uart8250_flush_locked(uart);
	memset(&uart->r, 0, sizeof(uart->r));
	uart->mirror_retired = false;
	uart8250_update_irq(uart);
	uart8250_update_coalescing(uart);
	uart8250_update_mirror(uart);
	pthread_mutex_unlock(&uart->lock);
}

/*
 * The VM exists (coalesced.h is set up): THR starts coalesced and the
 * mirror up, as after a reset.
 */
static int uart8250_realize(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);
	int ret = reg_mirror_init(&uart->mirror, dev);

	if (ret)
		return ret;
	pthread_mutex_lock(&uart->lock);
	uart8250_update_coalescing(uart);
	uart8250_update_mirror(uart);
	pthread_mutex_unlock(&uart->lock);
	/*
	 * Edge-triggered: an event each time a full output gets room, none
	 * while it just has some. Without the watch, what waited goes out
	 * with the guest's next write.
	 */
	if (uart->out.watchable && evloop_add(&dev->vm->loop, &uart->room_src, EPOLLOUT | EPOLLET))
		log_warn("uart", "%s: output that waits for room goes out only with the guest's "
			 "next", dev->name);
	return 0;
}

#define UART8250_FDT_NODE "uart"

void uart8250_fdt_path(const struct device *dev, char *buf, size_t len)
{
	snprintf(buf, len, "/%s@%llx", UART8250_FDT_NODE, (unsigned long long)dev->base);
}

static int uart8250_fdt_node(struct device *dev, void *fdt)
{
	FDT_TRY(fdt_begin_node_at(fdt, UART8250_FDT_NODE, dev->base));
	FDT_TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	FDT_TRY(fdt_prop_reg(fdt, dev->base, 0x8));
	FDT_TRY(fdt_property_u32(fdt, "clock-frequency", 1843200));
	/* Without an interrupt Linux polls the UART: it still works, slowly. */
	if (dev->has_irq)
		FDT_TRY(fdt_prop_irq(fdt, &dev->irq));
	return fdt_end_node(fdt);
}

/*
 * Saved with the output flushed (quiesce): the registers and loopback's
 * FIFO. Console input the guest has not read is the host's, not saved.
 */
static int uart8250_save(struct device *dev, struct state_buf *out)
{
	struct uart8250 *uart = to_uart(dev);
	const struct uart8250_regs *r = &uart->r;

	pthread_mutex_lock(&uart->lock);
	state_put_u8(out, UART8250_STATE_VERSION);
	state_put_u8(out, r->ier);
	state_put_u8(out, r->lcr);
	state_put_u8(out, r->mcr);
	state_put_u8(out, r->scr);
	state_put_u8(out, r->dll);
	state_put_u8(out, r->dlm);
	state_put_u8(out, r->fcr);
	state_put_u8(out, r->thri);
	state_put_u8(out, (uint8_t)r->loop_count);
	for (unsigned int i = 0; i < r->loop_count; i++)
		state_put_u8(out, r->loop[(r->loop_head + i) % UART8250_FIFO_SIZE]);
	pthread_mutex_unlock(&uart->lock);
	return state_write_done(out);
}

static int uart8250_load(struct device *dev, struct state_buf *in)
{
	struct uart8250 *uart = to_uart(dev);
	uint8_t version = state_get_u8(in), thri;
	struct uart8250_regs r = { 0 };
	int ret;

	if (!in->err && version != UART8250_STATE_VERSION) {
		log_err("uart", "%s: saved state version %u; this kvmini reads version %u",
			dev->name, version, UART8250_STATE_VERSION);
		return -EINVAL;
	}
	r.ier = state_get_u8(in);
	r.lcr = state_get_u8(in);
	r.mcr = state_get_u8(in);
	r.scr = state_get_u8(in);
	r.dll = state_get_u8(in);
	r.dlm = state_get_u8(in);
	r.fcr = state_get_u8(in);
	thri = state_get_u8(in);
	r.loop_count = state_get_u8(in);
	if (!in->err && (r.ier & ~UART_IER_MASK || r.mcr & ~UART_MCR_MASK ||
			 r.fcr & ~UART_FCR_KEPT || thri > 1 ||
			 r.loop_count > uart8250_loop_capacity(&r))) {
		log_err("uart", "%s: saved registers a 16550A cannot hold: IER 0x%02x, "
			"MCR 0x%02x, FCR 0x%02x, THRE pending %u, %u bytes looped back "
			"(at most IER 0x%02x, MCR 0x%02x, FCR 0x%02x, 1, %u bytes)",
			dev->name, r.ier, r.mcr, r.fcr, thri, r.loop_count, UART_IER_MASK,
			UART_MCR_MASK, UART_FCR_KEPT, uart8250_loop_capacity(&r));
		return -EINVAL;
	}
	r.thri = thri;
	for (unsigned int i = 0; i < r.loop_count && !in->err; i++)
		r.loop[i] = state_get_u8(in);
	ret = state_read_done(in);
	if (ret) {
		log_err("uart", "%s: saved state of %zu bytes is cut short or has bytes "
			"left over", dev->name, in->len);
		return ret;
	}
	pthread_mutex_lock(&uart->lock);
	uart->r = r;
	/* Up again if the registers allow it: always right, as after a reset. */
	uart->mirror_retired = false;
	uart8250_update_irq(uart);
	uart8250_update_coalescing(uart);
	uart8250_update_mirror(uart);
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

static void uart8250_destroy(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);

	/* What the last quiesce left (none after a run): one more try, no wait. */
	pthread_mutex_lock(&uart->lock);
	uart8250_flush_locked(uart);
	pthread_mutex_unlock(&uart->lock);
	if (uart->room_src.added)
		evloop_del(&dev->vm->loop, &uart->room_src);
	reg_mirror_destroy(&uart->mirror);
	console_out_close(&uart->out);
	pthread_mutex_destroy(&uart->lock);
	free(uart);
}

static const struct device_ops uart8250_ops = {
	.type = UART8250_TYPE,
	.read = uart8250_read,
	.write = uart8250_write,
	.realize = uart8250_realize,
	.reset = uart8250_reset,
	.quiesce = uart8250_quiesce,
	.fdt_node = uart8250_fdt_node,
	.save = uart8250_save,
	.load = uart8250_load,
	.print_stats = uart8250_print_stats,
	.destroy = uart8250_destroy,
};

int uart8250_create(uint64_t base, int out_fd, struct device **out)
{
	struct uart8250 *uart = calloc(1, sizeof(*uart));

	if (!uart)
		return -ENOMEM;
	device_init(&uart->dev, &uart8250_ops, base, UART8250_REGION_SIZE);
	pthread_mutex_init(&uart->lock, NULL);
	console_out_open(&uart->out, out_fd);
	uart->room_src = (struct ev_source){
		.fd = uart->out.fd, .ready = uart8250_room_ready, .name = "8250 output",
	};
	uart->out_tty = out_fd >= 0 && isatty(out_fd);
	*out = &uart->dev;
	return 0;
}
