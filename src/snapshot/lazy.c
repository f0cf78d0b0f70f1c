// SPDX-License-Identifier: GPL-2.0-only
/*
 * A restored VM's RAM, read in as it is first touched and checked before
 * anyone sees it (see snapshot.h). The guest RAM is registered with
 * userfaultfd; one thread serves each first touch - by a vCPU through KVM,
 * by a device, by a save - by reading the snapshot's chunk that holds it,
 * checking the chunk's checksum and copying it in whole. A chunk that
 * reads as zeros (its checksum says so) is mapped to the zero page without
 * reading it. Between faults the thread checks the chunks nobody touched
 * yet, so damage anywhere in the file is found while the VM runs, not only
 * where the guest looks. Damage stops the VM with the chunk named; the
 * guest never runs on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/thread-name.h>
#include <kvmini/vm.h>

#define CHUNK_POPULATED 1u	/* in guest RAM */
#define CHUNK_VERIFIED 2u	/* its checksum checked against the file */

struct lazy_region {
	uint8_t *host;
	uint64_t gpa, size;
	const struct snapfile_section *sec;
	uint32_t *crcs;
	uint8_t *state;			/* CHUNK_* per chunk */
	uint64_t nr;
};

struct snapshot_lazy {
	struct vm *vm;
	const struct snapfile *f;
	int uffd, stop_fd;
	pthread_t thread;
	bool started;
	bool failed;			/* damage found: zeros from now on, the VM stops (atomic) */
	long page;
	uint8_t *buf;
	unsigned int nr;
	struct lazy_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned int scan_region;	/* the background check's place */
	uint64_t scan_chunk;
	/* Counts for --stats, read by other threads: atomic. */
	uint64_t copied, zeroed, scanned, faults;
	struct ratelimit rl;	/* a fill failing fault after fault */
};

/* Damage: the VM stops (vCPUs kicked first), then every fault gets zeros so all threads can end. */
static void lazy_fail(struct snapshot_lazy *l, const struct lazy_region *r, uint64_t i, int err)
{
	if (__atomic_exchange_n(&l->failed, true, __ATOMIC_SEQ_CST))
		return;
	log_err("snapshot", "%s: guest RAM at 0x%" PRIx64 "-0x%" PRIx64 " cannot be restored "
		"(%s): stopping the VM; the guest never ran on it", l->f->path,
		r->gpa + i * SNAPFILE_CHUNK, r->gpa + i * SNAPFILE_CHUNK + snapfile_chunk_len(r->size, i) - 1,
		strerror(-err));
	vm_stop(l->vm, VM_STOP_ERROR, err);
}

/* UFFDIO_ZEROPAGE or UFFDIO_COPY of [dst, dst + len), waking whoever waits there. */
static int lazy_fill(struct snapshot_lazy *l, uint8_t *dst, const uint8_t *src, size_t len)
{
	for (;;) {
		int64_t done;
		int ret;

		if (src) {
			struct uffdio_copy c = { .dst = (uintptr_t)dst, .src = (uintptr_t)src,
						 .len = len };

			ret = ioctl(l->uffd, UFFDIO_COPY, &c);
			done = c.copy;
		} else {
			struct uffdio_zeropage z = { .range = { .start = (uintptr_t)dst,
								.len = len } };

			ret = ioctl(l->uffd, UFFDIO_ZEROPAGE, &z);
			done = z.zeropage;
		}
		if (!ret)
			return 0;
		if (errno == EAGAIN) {
			/* Interrupted part-way (or the address space changed): the rest, again. */
			if (done > 0 && (size_t)done < len) {
				dst += done;
				src = src ? src + done : NULL;
				len -= (size_t)done;
			}
			continue;
		}
		if (errno != EEXIST || len <= (size_t)l->page)
			return errno == EEXIST ? 0 : -errno;
		/* Some pages are there already: the rest one by one. */
		for (size_t off = 0; off < len; off += (size_t)l->page) {
			ret = lazy_fill(l, dst + off, src ? src + off : NULL, (size_t)l->page);
			if (ret)
				return ret;
		}
		return 0;
	}
}

/*
 * Wake whoever waits on [addr, addr + len) without filling it: the access
 * runs again, and faults again if the range is still empty - so a fill
 * that failed is retried (with zeros, once the restore has failed) rather
 * than leaving its thread blocked forever (an I/O thread so blocked would
 * hold up the stop).
 */
static void lazy_wake(struct snapshot_lazy *l, uint64_t addr, size_t len)
{
	struct uffdio_range w = { .start = addr & ~(uint64_t)(l->page - 1),
				  .len = (len + (size_t)l->page - 1) & ~(size_t)(l->page - 1) };

	if (ioctl(l->uffd, UFFDIO_WAKE, &w))
		log_err("snapshot", "waking a thread that waits on guest RAM at %p: %s",
			(void *)(uintptr_t)addr, strerror(errno));
}

static void lazy_populate(struct snapshot_lazy *l, struct lazy_region *r, uint64_t i)
{
	uint8_t *dst = r->host + i * SNAPFILE_CHUNK;
	size_t len = snapfile_chunk_len(r->size, i), got;
	int err = 0;

	/*
	 * A hole (RAM the guest never touched, left out by the save) needs no
	 * reading: it is zeros. Its checksum alone would not do: data with
	 * the same CRC as zeros would be mapped as zeros unseen. The
	 * background check still reads it.
	 */
	if (snapshot_lazy_failed(l) || (r->crcs[i] == snapfile_zeros_crc(len) &&
					 snapfile_chunk_is_hole(l->f, r->sec, i))) {
		err = lazy_fill(l, dst, NULL, len);
		__atomic_fetch_add(&l->zeroed, 1, __ATOMIC_RELAXED);
	} else {
		err = snapfile_read_chunk(l->f, r->sec, r->crcs, i, l->buf, &got);
		if (err) {
			lazy_fail(l, r, i, err);
			err = lazy_fill(l, dst, NULL, len);
		} else {
			err = lazy_fill(l, dst, l->buf, len);
			r->state[i] |= CHUNK_VERIFIED;
			__atomic_fetch_add(&l->copied, 1, __ATOMIC_RELAXED);
		}
	}
	if (err) {
		/* Not marked: its next fault tries again (zeros, the VM stopping). */
		log_ratelimited(&l->rl, LOG_ERR, "snapshot", "filling guest RAM at %p from the "
				"snapshot: %s", dst, strerror(-err));
		lazy_fail(l, r, i, err);
		lazy_wake(l, (uintptr_t)dst, len);
		return;
	}
	r->state[i] |= CHUNK_POPULATED;
}

static void lazy_fault(struct snapshot_lazy *l, uint64_t addr)
{
	for (unsigned int n = 0; n < l->nr; n++) {
		struct lazy_region *r = &l->regions[n];
		uint64_t off = addr - (uintptr_t)r->host;

		if (addr < (uintptr_t)r->host || off >= r->size)
			continue;
		if (r->state[off / SNAPFILE_CHUNK] & CHUNK_POPULATED) {
			/* Filled after this fault was queued: just wake its thread. */
			lazy_wake(l, addr, (size_t)l->page);
		} else {
			lazy_populate(l, r, off / SNAPFILE_CHUNK);
		}
		return;
	}
	log_err("snapshot", "a userfaultfd fault at 0x%" PRIx64 " outside guest RAM", addr);
}

/* One chunk nobody has checked yet; false when all are. */
static bool lazy_scan_one(struct snapshot_lazy *l)
{
	size_t got;

	while (l->scan_region < l->nr) {
		struct lazy_region *r = &l->regions[l->scan_region];

		while (l->scan_chunk < r->nr && (r->state[l->scan_chunk] & CHUNK_VERIFIED))
			l->scan_chunk++;
		if (l->scan_chunk == r->nr) {
			l->scan_region++;
			l->scan_chunk = 0;
			continue;
		}
		int err = snapfile_read_chunk(l->f, r->sec, r->crcs, l->scan_chunk, l->buf, &got);

		if (err)
			lazy_fail(l, r, l->scan_chunk, err);
		r->state[l->scan_chunk++] |= CHUNK_VERIFIED;
		__atomic_fetch_add(&l->scanned, 1, __ATOMIC_RELAXED);
		return true;
	}
	return false;
}

static void *lazy_thread(void *arg)
{
	struct snapshot_lazy *l = arg;
	bool scanning = true;

	for (;;) {
		struct pollfd p[2] = { { .fd = l->uffd, .events = POLLIN },
				       { .fd = l->stop_fd, .events = POLLIN } };
		struct uffd_msg msg;
		int n = poll(p, 2, scanning && !snapshot_lazy_failed(l) ? 0 : -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("snapshot", "userfaultfd poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!n) {
			scanning = lazy_scan_one(l);
			if (!scanning)
				log_debug("snapshot", "every chunk of the snapshot's RAM checked: "
					  "%" PRIu64 " read in at first touch, %" PRIu64 " zero, "
					  "%" PRIu64 " checked in the background", l->copied,
					  l->zeroed, l->scanned);
			continue;
		}
		if (read(l->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;	/* EAGAIN: another wake-up took it */
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			__atomic_fetch_add(&l->faults, 1, __ATOMIC_RELAXED);
			lazy_fault(l, msg.arg.pagefault.address);
		}
	}
	return NULL;
}

static int lazy_open_uffd(struct snapshot_lazy *l)
{
	struct uffdio_api api = { .api = UFFD_API };

	l->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (l->uffd < 0)
		return -errno;
	if (ioctl(l->uffd, UFFDIO_API, &api))
		return -errno;
	for (unsigned int i = 0; i < l->nr; i++) {
		struct uffdio_register reg = {
			.range = { .start = (uintptr_t)l->regions[i].host,
				   .len = l->regions[i].size },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};
		const uint64_t need = (1ULL << _UFFDIO_COPY) | (1ULL << _UFFDIO_ZEROPAGE);

		if (ioctl(l->uffd, UFFDIO_REGISTER, &reg))
			return -errno;
		if ((reg.ioctls & need) != need)
			return -EOPNOTSUPP;
	}
	return 0;
}

void snapshot_lazy_print_stats(struct snapshot_lazy *l, FILE *f)
{
	uint64_t total = 0;

	if (!l)
		return;
	for (unsigned int i = 0; i < l->nr; i++)
		total += l->regions[i].nr;
	fprintf(f, "kvmini: stats: RAM from the snapshot, of %" PRIu64 " chunks of 1 MiB: %"
		PRIu64 " read in at first touch, %" PRIu64 " mapped as zeros, %" PRIu64
		" checked by the background scan (%" PRIu64 " faults)\n", total,
		__atomic_load_n(&l->copied, __ATOMIC_RELAXED),
		__atomic_load_n(&l->zeroed, __ATOMIC_RELAXED),
		__atomic_load_n(&l->scanned, __ATOMIC_RELAXED),
		__atomic_load_n(&l->faults, __ATOMIC_RELAXED));
}

bool snapshot_lazy_failed(struct snapshot_lazy *l)
{
	return l && __atomic_load_n(&l->failed, __ATOMIC_SEQ_CST);
}

void snapshot_lazy_stop(struct snapshot_lazy *l)
{
	uint64_t one = 1;

	if (!l)
		return;
	if (l->started) {
		if (write(l->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_err("snapshot", "stopping the RAM loader: %s", strerror(errno));
		pthread_join(l->thread, NULL);
		log_debug("snapshot", "RAM loader: %" PRIu64 " faults, %" PRIu64 " chunks read "
			  "in, %" PRIu64 " zero, %" PRIu64 " checked in the background",
			  l->faults, l->copied, l->zeroed, l->scanned);
	}
	if (l->uffd >= 0)
		close(l->uffd);
	if (l->stop_fd >= 0)
		close(l->stop_fd);
	for (unsigned int i = 0; i < l->nr; i++) {
		free(l->regions[i].crcs);
		free(l->regions[i].state);
	}
	free(l->buf);
	free(l);
}

int snapshot_lazy_start(struct vm *vm, const struct snapfile *f, uint32_t **crcs,
			struct snapshot_lazy **out)
{
	struct snapshot_lazy *l = calloc(1, sizeof(*l));
	int ret;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->vm = vm;
	l->f = f;
	l->uffd = l->stop_fd = -1;
	l->page = sysconf(_SC_PAGESIZE);
	l->nr = vm->mem.nr;
	ret = 0;
	for (unsigned int i = 0; i < l->nr && !ret; i++) {
		struct lazy_region *r = &l->regions[i];

		r->host = vm->mem.regions[i].host;
		r->gpa = vm->mem.regions[i].gpa;
		r->size = vm->mem.regions[i].size;
		r->sec = snapfile_find(f, SNAP_SEC_MEMORY, i);
		r->nr = snapfile_chunks(r->size);
		r->crcs = crcs[i];	/* borrowed until the thread runs */
		r->state = calloc(r->nr ? r->nr : 1, 1);
		if (!r->state)
			ret = -ENOMEM;
	}
	l->buf = malloc(SNAPFILE_CHUNK);
	if (!ret && !l->buf)
		ret = -ENOMEM;
	if (!ret) {
		l->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (l->stop_fd < 0)
			ret = -errno;
	}
	if (!ret)
		ret = lazy_open_uffd(l);
	if (!ret) {
		/* The VMM's signals go to the threads made for them, not this one. */
		sigset_t all, old;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		ret = -pthread_create(&l->thread, NULL, lazy_thread, l);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		l->started = !ret;
		if (l->started)
			thread_set_name(l->thread, "lazy");
	}
	for (unsigned int i = 0; i < l->nr; i++) {
		if (l->started)
			crcs[i] = NULL;		/* the loader's now */
		else
			l->regions[i].crcs = NULL;	/* still the caller's */
	}
	if (!l->started) {
		snapshot_lazy_stop(l);
		return ret;
	}
	*out = l;
	return 0;
}
