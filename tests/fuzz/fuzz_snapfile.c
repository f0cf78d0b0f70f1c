// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the snapshot file reader: a snapshot is a file
 * from anywhere (copied between hosts, kept for months), so every byte is
 * input. Byte 0 of the fuzz input holds options, the rest is the file,
 * which the harness puts in a memfd and opens by its /proc/self/fd name.
 * With option bit 0 the harness first recomputes every checksum the
 * header's table lets it find (and the header's file size): otherwise
 * nearly every mutation fails the first checksum and the layout, table
 * and section checks behind it are never reached.
 *
 * Checked beyond ASan and UBSan:
 *  - snapfile_open() refusals are -EBADMSG (or -ENOMEM), always logged,
 *    and leave nothing open;
 *  - what it accepts has every section inside the file, aligned, before
 *    the table, sorted by key without duplicates, each found by its key
 *    (chunk tables not); a section read back is the file's bytes there,
 *    and a lazy section's chunks are accepted exactly when their bytes
 *    match the chunk table;
 *  - with checksums recomputed, snapfile_verify() accepts every section
 *    (the reader agrees with the harness on what each checksum covers);
 *  - restore.c on a machine of one 8 KiB RAM region, a UART, a PL031 and
 *    a virtio-rng: the saved command line, memory map, RAM and device
 *    states are read or refused with a message; RAM read in holds the
 *    file's bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kvmini/crc32c.h>
#include <kvmini/device.h>
#include <kvmini/pl031.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/uart8250.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/vm.h>

#define ARCH SNAPFILE_ARCH_X86_64
#define RAM 0x40000000ULL
#define RAM_SIZE 0x2000ULL
#define OPT_FIX_CRCS 1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* restore.c's calls into the architecture and the lazy loader: RAM read in whole. */
bool arch_snapshot_memory_lazy(const struct vm *vm)
{
	(void)vm;
	return false;
}

int snapshot_lazy_start(struct vm *vm, const struct snapfile *f, uint32_t **crcs,
			struct snapshot_lazy **out)
{
	(void)vm, (void)f, (void)crcs, (void)out;
	abort();	/* never: arch_snapshot_memory_lazy() says no */
}

int arch_snapshot_restore_memory(struct vm *vm, const struct snapfile *f)
{
	(void)vm, (void)f;
	return 0;
}

int arch_snapshot_restore(struct vm *vm, const struct snapfile *f)
{
	(void)vm, (void)f;
	return 0;
}

/* Messages logged: stderr is counted, not printed, while the reader runs. */
static size_t logged;

static ssize_t count_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie, (void)buf;
	logged += n;
	return (ssize_t)n;
}

static FILE *real_stderr, *counter;
static int file_fd = -1, null_fd = -1;
static char file_path[64];
static struct vm vm;

static void setup(void)
{
	void *host;

	if (file_fd >= 0)
		return;
	file_fd = memfd_create("fuzz-snapshot", MFD_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	counter = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = count_write });
	host = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (file_fd < 0 || null_fd < 0 || !counter || host == MAP_FAILED ||
	    evloop_init(&vm.loop))
		abort();
	setvbuf(counter, NULL, _IONBF, 0);
	snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	vm.mem.regions[0] = (struct guest_region){ .gpa = RAM, .size = RAM_SIZE, .host = host,
						   .fd = -1 };
	vm.mem.nr = 1;
	vm.vm_fd = -1;
	real_stderr = stderr;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static bool inside(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

/* The table entry with this key, or NULL. */
static uint8_t *entry(uint8_t *table, uint32_t nr, uint32_t type, uint32_t index)
{
	for (uint32_t i = 0; i < nr; i++)
		if (get32(table + i * 40) == type && get32(table + i * 40 + 4) == index)
			return table + i * 40;
	return NULL;
}

/*
 * Every checksum as a writer would compute it, where the header's table
 * lies inside the file: chunk tables from their lazy sections' bytes
 * first (they are section data too), then each section's crc, a lazy
 * one's being its chunk table's; the table's and the header's last.
 */
static void fix_crcs(uint8_t *f, size_t size)
{
	uint64_t toff = get64(f + 16);
	uint32_t nr = get32(f + 24);
	uint8_t *table;

	put64(f + 32, size);
	if (nr > SNAPFILE_MAX_SECTIONS || !inside(toff, (uint64_t)nr * 40, size) ||
	    toff < SNAPFILE_HEADER_SIZE)
		goto header;
	table = f + toff;
	for (uint32_t i = 0; i < nr; i++) {
		uint8_t *e = table + i * 40, *t;
		uint64_t off = get64(e + 16), len = get64(e + 24), toff2, tlen;

		if (!(get32(e + 8) & SNAPFILE_F_LAZY) || !inside(off, len, size))
			continue;
		t = entry(table, nr, get32(e) | SNAPFILE_CHUNK_TABLE, get32(e + 4));
		if (!t)
			continue;
		toff2 = get64(t + 16);
		tlen = get64(t + 24);
		if (tlen != snapfile_chunks(len) * 4 || !inside(toff2, tlen, size))
			continue;
		for (uint64_t c = 0; c < snapfile_chunks(len); c++)
			put32(f + toff2 + c * 4, crc32c(0, f + off + c * SNAPFILE_CHUNK,
						       snapfile_chunk_len(len, c)));
	}
	for (uint32_t i = 0; i < nr; i++) {
		uint8_t *e = table + i * 40;
		uint64_t off = get64(e + 16), len = get64(e + 24);

		if (!(get32(e + 8) & SNAPFILE_F_LAZY) && inside(off, len, size))
			put32(e + 12, crc32c(0, f + off, len));
	}
	for (uint32_t i = 0; i < nr; i++) {
		uint8_t *e = table + i * 40;
		uint8_t *t = entry(table, nr, get32(e) | SNAPFILE_CHUNK_TABLE, get32(e + 4));

		if ((get32(e + 8) & SNAPFILE_F_LAZY) && t)
			put32(e + 12, get32(t + 12));
	}
	put32(f + 28, crc32c(0, table, (size_t)nr * 40));
header:
	put32(f + 60, crc32c(0, f, 60));
}

/* What snapfile_open() accepted: each section where the format puts it. */
static void check_sections(const struct snapfile *f, const uint8_t *file, size_t size)
{
	uint64_t table_off = size - (uint64_t)f->nr * SNAPFILE_ENTRY_SIZE;

	if (f->size != size || f->arch != ARCH || f->version != SNAPFILE_VERSION ||
	    f->nr > SNAPFILE_MAX_SECTIONS || f->fd < 0 || get64(file + 16) != table_off)
		abort();
	for (unsigned int i = 0; i < f->nr; i++) {
		const struct snapfile_section *s = &f->secs[i];
		uint64_t align = s->flags & SNAPFILE_F_LAZY ? SNAPFILE_ALIGN_PAGE : SNAPFILE_ALIGN;
		bool table = s->type & SNAPFILE_CHUNK_TABLE;

		if (s->offset < SNAPFILE_HEADER_SIZE || s->offset > table_off ||
		    s->length > table_off - s->offset || s->offset % align ||
		    (s->flags & ~SNAPFILE_F_ALL))
			abort();
		if (i && (f->secs[i - 1].type > s->type ||
			  (f->secs[i - 1].type == s->type && f->secs[i - 1].index >= s->index)))
			abort();
		if (snapfile_find(f, s->type, s->index) != (table ? NULL : s))
			abort();
	}
}

/* Each section read back: the file's bytes, and its chunks checked against the table. */
static void check_reads(const struct snapfile *f, const uint8_t *file, bool fixed)
{
	static uint8_t chunk[SNAPFILE_CHUNK];

	for (unsigned int i = 0; i < f->nr; i++) {
		const struct snapfile_section *s = &f->secs[i];
		uint32_t *crcs;
		void *buf;
		size_t len;
		int ret;

		ret = snapfile_verify(f, s);
		if ((fixed && ret) || (!(s->flags & SNAPFILE_F_LAZY) && ret))
			abort();	/* open checked it, or the harness made it right */
		ret = snapfile_read(f, s, SNAPSHOT_SECTION_MAX, &buf);
		if (!ret && memcmp(buf, file + s->offset, s->length))
			abort();
		free(buf);
		if (!(s->flags & SNAPFILE_F_LAZY))
			continue;
		if (snapfile_chunk_crcs(f, s, &crcs))
			abort();	/* open checked the chunk table */
		for (uint64_t c = 0; c < snapfile_chunks(s->length); c++) {
			const uint8_t *want = file + s->offset + c * SNAPFILE_CHUNK;
			size_t n = snapfile_chunk_len(s->length, c);

			ret = snapfile_read_chunk(f, s, crcs, c, chunk, &len);
			if (!ret != (crc32c(0, want, n) == crcs[c]) ||
			    (!ret && (len != n || memcmp(chunk, want, n))))
				abort();
		}
		free(crcs);
	}
}

/* restore.c on the harness's machine; each refusal says why. */
static void check_restore(const struct snapfile *f, const uint8_t *file)
{
	struct device *uart, *rtc, *rng;
	const struct snapfile_section *ram;
	size_t before = logged;
	char **argv, *cwd;
	int argc, ret;

	ret = snapshot_read_config(f, &argc, &argv, &cwd);
	if (!ret) {
		if (cwd && cwd[0] != '/')
			abort();
		free(cwd);
		if (argc < 1 || argv[argc])
			abort();
		for (int i = 0; i < argc; i++)
			if (strlen(argv[i]) >= SNAPSHOT_ARG_MAX)
				abort();
		snapshot_free_config(argc, argv);
	} else if (logged == before) {
		abort();
	}

	vm.restore = f;
	vm.mem.regions[0].backing = GUEST_MEM_ANON;
	memset(vm.mem.regions[0].host, 0xa5, RAM_SIZE);
	before = logged;
	ret = snapshot_restore_memory(&vm);
	ram = snapfile_find(f, SNAP_SEC_MEMORY, 0);
	if (ret ? logged == before : !ram || ram->length != RAM_SIZE ||
	    memcmp(vm.mem.regions[0].host, file + ram->offset, RAM_SIZE))
		abort();

	if (uart8250_create(0x3f8, null_fd, &uart) || pl031_create(0x9010000, 0, &rtc) ||
	    virtio_rng_create(0xa000000, &rng))
		abort();
	uart->vm = rtc->vm = rng->vm = &vm;
	vm.devices = uart;
	uart->next = rtc;
	rtc->next = rng;
	before = logged;
	if (snapshot_restore_state(&vm) && logged == before)
		abort();
	vm.devices = NULL;
	uart->ops->destroy(uart);
	rtc->ops->destroy(rtc);
	rng->ops->destroy(rng);
	vm.restore = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapfile f;
	uint8_t *file;
	size_t before;
	int ret;

	setup();
	if (size < 1)
		return 0;
	file = malloc(size);
	if (!file)
		abort();
	memcpy(file, data + 1, --size);
	if ((data[0] & OPT_FIX_CRCS) && size >= SNAPFILE_HEADER_SIZE)
		fix_crcs(file, size);
	if (ftruncate(file_fd, 0) || pwrite(file_fd, file, size, 0) != (ssize_t)size)
		abort();
	stderr = counter;
	before = logged;
	ret = snapfile_open(&f, file_path, ARCH);
	if (ret) {
		if ((ret != -EBADMSG && ret != -ENOMEM) || logged == before || f.fd != -1 ||
		    f.secs || f.nr || f.path)
			abort();
	} else {
		check_sections(&f, file, size);
		check_reads(&f, file, data[0] & OPT_FIX_CRCS);
		check_restore(&f, file);
		snapfile_close(&f);
	}
	stderr = real_stderr;
	free(file);
	return 0;
}
