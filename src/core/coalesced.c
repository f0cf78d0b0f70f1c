// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO and PIO (coalesced.h). The ring is one page KVM shares
 * with every vCPU's mapping, at page KVM_CHECK_EXTENSION(KVM_CAP_COALESCED_
 * MMIO) of a vCPU fd: KVM fills entries at `last` (its producer lock and a
 * write barrier before it moves `last`); kvmini is the consumer, moving
 * `first`, under a lock of its own since vCPU threads and the I/O thread
 * all drain. A full ring makes KVM exit with the write as usual.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/coalesced.h>
#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

struct coalesced {
	struct kvm_coalesced_mmio_ring *ring;
	size_t map_len;
	uint32_t max;			/* entries the ring holds */
	bool pio;			/* KVM_CAP_COALESCED_PIO */
	unsigned int nr_zones;		/* the flush timer runs while there are any */
	unsigned int flush_ms;		/* its period now (coalesced_flush_ready()) */
	uint64_t replayed;
	/*
	 * Two locks: a device registers zones under its own lock (drain_lock
	 * then its lock would deadlock), and a drain calls devices.
	 */
	pthread_mutex_t drain_lock;	/* the consumer side: replays stay in order */
	pthread_mutex_t zone_lock;	/* nr_zones and the (un)register ioctls */
	struct ev_source flush;		/* a timerfd */
	void (*kick)(struct vm *vm);	/* gets a vCPU to drain (coalesced_init()) */
	struct vm *vm;
	struct ratelimit rl;
};

static void coalesced_arm(struct coalesced *c, unsigned int period_ms);

/*
 * The flush timer does not replay the writes itself: a device's output may
 * block (a stalled terminal or pipe), and the I/O thread, which stops the
 * VM on a signal or --timeout, must never wait on it. It kicks vCPU 0,
 * whose thread drains the ring when KVM_RUN returns, as it would at an
 * exit; a kick interrupts its blocked write as it does any vCPU's.
 *
 * A ring found empty doubles the period, up to COALESCED_IDLE_FLUSH_MS: an
 * idle guest (a Linux guest's 8250 has THR coalesced whenever it is not
 * transmitting) does not wake the I/O thread 50 times a second for
 * nothing. Writes found bring the period back to COALESCED_FLUSH_MS.
 */
static void coalesced_flush_ready(struct ev_source *src, uint32_t events)
{
	struct coalesced *c = container_of(src, struct coalesced, flush);
	struct kvm_coalesced_mmio_ring *ring = c->ring;
	bool pending = coalesced_pending(ring);
	uint64_t expirations;

	(void)events;
	if (read(src->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_ratelimited(&c->rl, LOG_ERR, "vm", "coalesced writes: reading the flush "
				"timer: %s", strerror(errno));
	pthread_mutex_lock(&c->zone_lock);
	if (pending)
		coalesced_arm(c, COALESCED_FLUSH_MS);
	else if (c->flush_ms && c->flush_ms < COALESCED_IDLE_FLUSH_MS)
		coalesced_arm(c, 2 * c->flush_ms < COALESCED_IDLE_FLUSH_MS ?
				 2 * c->flush_ms : COALESCED_IDLE_FLUSH_MS);
	pthread_mutex_unlock(&c->zone_lock);
	if (pending)
		c->kick(c->vm);
}

int coalesced_init(struct vm *vm, int vcpu_fd, void (*kick)(struct vm *vm))
{
	long page = sysconf(_SC_PAGESIZE);
	int offset = kvm_check_cap(vm->kvm_fd, KVM_CAP_COALESCED_MMIO);
	struct coalesced *c;
	void *map;
	int ret;

	/* The ring page must lie inside what KVM_GET_VCPU_MMAP_SIZE says a vCPU fd maps. */
	if (offset <= 0 || page <= 0 || (long)vm->run_size < (offset + 1) * page) {
		log_debug("vm", "no coalesced MMIO (KVM_CAP_COALESCED_MMIO %d): every "
			  "device write exits", offset);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	map = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
		   (off_t)offset * page);
	if (map == MAP_FAILED) {
		ret = -errno;
		log_err("vm", "cannot map the coalesced MMIO ring (page %d of a vCPU): %s",
			offset, strerror(errno));
		free(c);
		return ret;
	}
	c->ring = map;
	c->map_len = (size_t)page;
	c->max = (uint32_t)(((size_t)page - sizeof(*c->ring)) / sizeof(c->ring->coalesced_mmio[0]));
	c->pio = kvm_check_cap(vm->kvm_fd, KVM_CAP_COALESCED_PIO) > 0;
	c->vm = vm;
	c->kick = kick;
	pthread_mutex_init(&c->drain_lock, NULL);
	pthread_mutex_init(&c->zone_lock, NULL);
	c->flush = (struct ev_source){ .fd = -1, .ready = coalesced_flush_ready,
				       .name = "coalesced-flush" };
	vm->coalesced = c;
	vm->coalesced_ring = c->ring;
	c->flush.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->flush.fd < 0) {
		ret = -errno;
		log_err("vm", "coalesced writes: timerfd_create: %s", strerror(errno));
		return ret;
	}
	return evloop_add(&vm->loop, &c->flush, EPOLLIN);
}

void coalesced_destroy(struct vm *vm)
{
	struct coalesced *c = vm->coalesced;

	if (!c)
		return;
	vm->coalesced = NULL;
	vm->coalesced_ring = NULL;
	if (c->flush.fd >= 0) {
		if (c->flush.added)
			evloop_del(&vm->loop, &c->flush);
		close(c->flush.fd);
	}
	munmap(c->ring, c->map_len);
	pthread_mutex_destroy(&c->drain_lock);
	pthread_mutex_destroy(&c->zone_lock);
	free(c);
}

/*
 * The flush timer runs while a zone exists, every period_ms; 0 or no zone
 * stops it. Under zone_lock.
 */
static void coalesced_arm(struct coalesced *c, unsigned int period_ms)
{
	struct itimerspec when = { 0 };

	if (!c->nr_zones)
		period_ms = 0;
	if (period_ms == c->flush_ms)
		return;
	when.it_value.tv_sec = period_ms / 1000;
	when.it_value.tv_nsec = (long)(period_ms % 1000) * 1000000L;
	when.it_interval = when.it_value;
	if (timerfd_settime(c->flush.fd, 0, &when, NULL)) {
		log_ratelimited(&c->rl, LOG_ERR, "vm", "coalesced writes: cannot set the flush "
				"timer: %s", strerror(errno));
		return;
	}
	c->flush_ms = period_ms;
}

void coalesced_hurry(struct vm *vm)
{
	struct coalesced *c = vm ? vm->coalesced : NULL;

	if (!c)
		return;
	pthread_mutex_lock(&c->zone_lock);
	if (c->flush_ms > COALESCED_FLUSH_MS)
		coalesced_arm(c, COALESCED_FLUSH_MS);
	pthread_mutex_unlock(&c->zone_lock);
}

int vm_coalesce(struct vm *vm, const struct device *dev, uint64_t offset, uint32_t len, bool on)
{
	struct coalesced *c = vm ? vm->coalesced : NULL;
	struct kvm_coalesced_mmio_zone zone = {
		.addr = dev->base + offset,
		.size = len,
		.pio = dev->pio,
	};
	int ret;

	if (!c || (dev->pio && !c->pio))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&c->zone_lock);
	ret = on ? kvm_ioctl_quiet(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) :
		   kvm_ioctl_quiet(vm->vm_fd, KVM_UNREGISTER_COALESCED_MMIO, &zone);
	if (ret) {
		log_ratelimited(&c->rl, LOG_ERR, "vm", "%s: cannot %s coalescing %u bytes at "
				"+0x%llx: %s", dev->name, on ? "start" : "stop", len,
				(unsigned long long)offset, strerror(-ret));
	} else {
		c->nr_zones = on ? c->nr_zones + 1 : c->nr_zones - 1;
		/* A zone (re)started: the device is busy, so the period is short again. */
		coalesced_arm(c, on ? COALESCED_FLUSH_MS : c->flush_ms);
	}
	pthread_mutex_unlock(&c->zone_lock);
	return ret;
}

__hot void coalesced_drain(struct vm *vm, unsigned int cpu)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced_ring;
	struct coalesced *c;

	/* Nothing coalesced: no lock taken. */
	if (!coalesced_pending(ring))
		return;
	c = vm->coalesced;
	pthread_mutex_lock(&c->drain_lock);
	for (;;) {
		uint32_t first = ring->first;
		uint32_t last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
		struct kvm_coalesced_mmio e;

		if (first == last)
			break;
		if (first >= c->max || last >= c->max) {
			log_ratelimited(&c->rl, LOG_ERR, "vm", "coalesced writes: ring indexes "
					"%u and %u beyond its %u entries; dropped", first, last,
					c->max);
			__atomic_store_n(&ring->first, last % c->max, __ATOMIC_RELEASE);
			break;
		}
		e = ring->coalesced_mmio[first];
		/* KVM records what it decoded: 1, 2, 4 or 8 bytes. */
		if (e.len && e.len <= sizeof(e.data) && !(e.len & (e.len - 1))) {
			struct bus *bus = e.pio ? vm->pio : &vm->mmio;

			if (bus)
				bus_access(bus, cpu, e.phys_addr, e.data, e.len, true);
			__atomic_store_n(&c->replayed, c->replayed + 1, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&ring->first, (first + 1) % c->max, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&c->drain_lock);
}

uint64_t coalesced_count(const struct vm *vm)
{
	return vm->coalesced ? __atomic_load_n(&vm->coalesced->replayed, __ATOMIC_RELAXED) : 0;
}
