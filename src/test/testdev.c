// SPDX-License-Identifier: GPL-2.0-only
/* The test device: guest status, cheap exits, vCPU index, exception reports. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kvmini/arch.h>
#include <kvmini/bus.h>
#include <kvmini/fdt-util.h>
#include <kvmini/log.h>
#include <kvmini/state.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "testdev.h"

struct testdev_reg_info {
	const char *name;
	unsigned int size;
	bool readable, writable;
};

static __hot const struct testdev_reg_info *testdev_reg_info(uint64_t offset)
{
	static const struct testdev_reg_info regs[] = {
		[TESTDEV_ID / 4] = { "ID", 4, true, false },
		[TESTDEV_VERSION / 4] = { "VERSION", 4, true, false },
		[TESTDEV_EXIT_STATUS / 4] = { "EXIT_STATUS", 4, false, true },
		[TESTDEV_PING / 4] = { "PING", 4, true, true },
		[TESTDEV_EXC_ESR / 4] = { "EXC_ESR", 8, false, true },
		[TESTDEV_EXC_ELR / 4] = { "EXC_ELR", 8, false, true },
		[TESTDEV_EXC_FAR / 4] = { "EXC_FAR", 8, false, true },
		[TESTDEV_EXC_SPSR / 4] = { "EXC_SPSR", 8, false, true },
		[TESTDEV_EXC_REPORT / 4] = { "EXC_REPORT", 4, false, true },
		[TESTDEV_CPU / 4] = { "CPU", 4, true, false },
		[TESTDEV_REQUEST / 4] = { "REQUEST", 4, false, true },
		[TESTDEV_REQUEST_STATUS / 4] = { "REQUEST_STATUS", 4, true, false },
		[TESTDEV_REQUEST_ARG / 4] = { "REQUEST_ARG", 8, false, true },
	};

	if (offset % 4 || offset / 4 >= ARRAY_SIZE(regs) || !regs[offset / 4].name)
		return NULL;
	return &regs[offset / 4];
}

static __hot uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct testdev *to_testdev(struct device *dev)
{
	return container_of(dev, struct testdev, dev);
}

/* The accessing vCPU's slot; the bus passes indexes of the VM's vCPUs. */
static unsigned int testdev_cpu(const struct testdev *td, unsigned int cpu)
{
	return cpu < td->nr_cpus ? cpu : 0;
}

/* The accessing vCPU itself, for requests and hooks; NULL without a VM (unit tests). */
static struct vcpu *testdev_vcpu(const struct testdev *td, unsigned int cpu)
{
	const struct vm *vm = td->dev.vm;

	return vm && cpu < vm->nr_vcpus ? vm->vcpus[cpu] : NULL;
}

/* Check the access against the register's size and direction; log misuse. */
static __hot const struct testdev_reg_info *testdev_check(struct testdev *td,
						    uint64_t offset,
						    unsigned int len,
						    bool is_write)
{
	const struct testdev_reg_info *reg = testdev_reg_info(offset);

	if (!reg) {
		log_ratelimited(&td->rl, LOG_WARN, "testdev",
				"guest %s unknown test device register at offset 0x%" PRIx64
				" (len %u); ignored", is_write ? "wrote" : "read",
				offset, len);
		return NULL;
	}
	if (len != reg->size) {
		log_ratelimited(&td->rl, LOG_WARN, "testdev",
				"guest %s test device register %s with a %u-byte access "
				"(it is %u bytes); ignored", is_write ? "wrote" : "read",
				reg->name, len, reg->size);
		return NULL;
	}
	if (is_write ? !reg->writable : !reg->readable) {
		log_ratelimited(&td->rl, LOG_WARN, "testdev",
				"guest %s test device register %s, which is %s; ignored",
				is_write ? "wrote" : "read", reg->name,
				is_write ? "read-only" : "write-only");
		return NULL;
	}
	return reg;
}

static void testdev_read(struct device *dev, unsigned int cpu, uint64_t offset,
			 void *data, unsigned int len)
{
	struct testdev *td = to_testdev(dev);
	uint32_t v = 0;

	bus_data_put(data, len, 0);
	if (!testdev_check(td, offset, len, false))
		return;
	switch (offset) {
	case TESTDEV_ID:
		v = TESTDEV_ID_VALUE;
		break;
	case TESTDEV_VERSION:
		v = TESTDEV_VERSION_VALUE;
		break;
	case TESTDEV_PING:
		v = __atomic_load_n(&td->ping_count, __ATOMIC_RELAXED);
		break;
	case TESTDEV_CPU:
		v = testdev_cpu(td, cpu);
		break;
	case TESTDEV_REQUEST_STATUS:
		v = td->cpu[testdev_cpu(td, cpu)].request_status;
		break;
	}
	bus_data_put(data, len, v);
}

static void testdev_report_exception(struct testdev *td, unsigned int cpu,
				     uint32_t vector)
{
	const struct testdev_cpu *e = &td->cpu[testdev_cpu(td, cpu)];
	char what[160];

	arch_describe_exception(e->esr, what, sizeof(what));
	log_ratelimited(&td->rl, LOG_ERR, "testdev", "guest vCPU %u took an unexpected exception (vector %u): "
		"%s; ESR 0x%" PRIx64 " ELR 0x%" PRIx64 " FAR 0x%" PRIx64
		" SPSR 0x%" PRIx64, cpu, vector, what, e->esr, e->elr, e->far,
		e->spsr);
	td->failed = true;
}

static void testdev_request(struct testdev *td, unsigned int cpu, struct testdev_cpu *c,
			    uint32_t req)
{
	struct vcpu *vcpu = testdev_vcpu(td, cpu);
	int ret = -ENOSYS;

	if (vcpu && td->request)
		ret = td->request(vcpu, req, c->request_arg);
	if (ret == -ENOSYS)
		log_ratelimited(&td->rl, LOG_WARN, "testdev",
				"guest made unknown test device request %u; failed "
				"with ENOSYS", req);
	c->request_status = (uint32_t)-ret;
}

__hot void testdev_write(struct device *dev, unsigned int cpu, uint64_t offset,
			  const void *data, unsigned int len)
{
	struct testdev *td = to_testdev(dev);
	struct testdev_cpu *e;
	uint64_t v;

	/* A well-formed PING skips the register table: one page less per exit. */
	if ((offset != TESTDEV_PING || len != 4) && !testdev_check(td, offset, len, true))
		return;
	/* PING's value is the hook's only: unread otherwise, its page (x86: the PIO data's) untouched. */
	if (offset == TESTDEV_PING) {
		uint64_t t = now_ns();

		/* Lock-free: PING is the hot path the exit benchmark measures. */
		uint32_t n = __atomic_add_fetch(&td->ping_count, 1, __ATOMIC_RELAXED);

		if (n == 1)
			__atomic_store_n(&td->ping_first_ns, t, __ATOMIC_RELAXED);
		__atomic_store_n(&td->ping_last_ns, t, __ATOMIC_RELAXED);
		if (td->ping_hook) {
			struct vcpu *vcpu = testdev_vcpu(td, cpu);

			if (vcpu)
				td->ping_hook(vcpu, (uint32_t)bus_data_get(data, len), n);
		}
		return;
	}
	v = bus_data_get(data, len);
	pthread_mutex_lock(&td->lock);
	e = &td->cpu[testdev_cpu(td, cpu)];
	switch (offset) {
	case TESTDEV_EXIT_STATUS:
		if (v > 255) {
			log_ratelimited(&td->rl, LOG_ERR, "testdev", "guest wrote %" PRIu64 " (0x%" PRIx64 ") to "
				"EXIT_STATUS: not an exit status (0..255); the run fails",
				v, v);
			td->failed = true;
			break;
		}
		td->status = (uint32_t)v;
		td->status_set = true;
		log_debug("testdev", "guest exit status %" PRIu64, v);
		break;
	case TESTDEV_EXC_ESR:
		e->esr = v;
		break;
	case TESTDEV_EXC_ELR:
		e->elr = v;
		break;
	case TESTDEV_EXC_FAR:
		e->far = v;
		break;
	case TESTDEV_EXC_SPSR:
		e->spsr = v;
		break;
	case TESTDEV_EXC_REPORT:
		testdev_report_exception(td, cpu, (uint32_t)v);
		break;
	case TESTDEV_REQUEST_ARG:
		e->request_arg = v;
		break;
	case TESTDEV_REQUEST:
		pthread_mutex_unlock(&td->lock);
		/* Runs on the requesting vCPU's own thread: it owns its fd. */
		testdev_request(td, cpu, e, (uint32_t)v);
		return;
	}
	pthread_mutex_unlock(&td->lock);
}

static int testdev_fdt_node(struct device *dev, void *fdt)
{
	FDT_TRY(fdt_begin_node_at(fdt, "testdev", dev->base));
	FDT_TRY(fdt_property_string(fdt, "compatible", "kvmini,testdev"));
	FDT_TRY(fdt_prop_reg(fdt, dev->base, dev->size));
	return fdt_end_node(fdt);
}

static void testdev_destroy(struct device *dev)
{
	struct testdev *td = to_testdev(dev);

	pthread_mutex_destroy(&td->lock);
	free(td->cpu);
	free(td);
}

/*
 * Saved so a snapshot of the test guest continues its run: what the guest
 * reported so far (status, failure) and each vCPU's request and exception
 * registers. Exit-cost timestamps are this process's and start afresh.
 */
static int testdev_save(struct device *dev, struct state_buf *out)
{
	struct testdev *td = to_testdev(dev);

	pthread_mutex_lock(&td->lock);
	state_put_u32(out, td->nr_cpus);
	for (unsigned int i = 0; i < td->nr_cpus; i++) {
		const struct testdev_cpu *c = &td->cpu[i];

		state_put_u64(out, c->esr);
		state_put_u64(out, c->elr);
		state_put_u64(out, c->far);
		state_put_u64(out, c->spsr);
		state_put_u64(out, c->request_arg);
		state_put_u32(out, c->request_status);
	}
	state_put_u32(out, td->ping_count);
	state_put_u8(out, td->status_set);
	state_put_u32(out, td->status);
	state_put_u8(out, td->failed);
	pthread_mutex_unlock(&td->lock);
	return state_write_done(out);
}

static int testdev_load(struct device *dev, struct state_buf *in)
{
	struct testdev *td = to_testdev(dev);
	struct testdev_cpu *cpu;
	uint32_t nr = state_get_u32(in), ping, status;
	uint8_t status_set, failed;

	if (in->err || nr != td->nr_cpus) {
		log_err("testdev", "saved state is for %u vCPUs; this VM has %u", nr, td->nr_cpus);
		return -EBADMSG;
	}
	cpu = calloc(nr, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	for (unsigned int i = 0; i < nr; i++) {
		cpu[i].esr = state_get_u64(in);
		cpu[i].elr = state_get_u64(in);
		cpu[i].far = state_get_u64(in);
		cpu[i].spsr = state_get_u64(in);
		cpu[i].request_arg = state_get_u64(in);
		cpu[i].request_status = state_get_u32(in);
	}
	ping = state_get_u32(in);
	status_set = state_get_u8(in);
	status = state_get_u32(in);
	failed = state_get_u8(in);
	/* Nothing changes unless all of it is well-formed. */
	if (state_read_done(in) || status_set > 1 || failed > 1) {
		log_err("testdev", "saved state of %zu bytes is malformed", in->len);
		free(cpu);
		return -EBADMSG;
	}
	pthread_mutex_lock(&td->lock);
	memcpy(td->cpu, cpu, nr * sizeof(*cpu));
	td->ping_count = ping;
	td->status_set = status_set;
	td->status = status;
	td->failed = failed;
	pthread_mutex_unlock(&td->lock);
	free(cpu);
	return 0;
}

static const struct device_ops testdev_ops = {
	.type = TESTDEV_TYPE,
	.read = testdev_read,
	.write = testdev_write,
	.fdt_node = testdev_fdt_node,
	.save = testdev_save,
	.load = testdev_load,
	.destroy = testdev_destroy,
};

int testdev_create(uint64_t base, unsigned int nr_cpus, struct testdev **out)
{
	struct testdev *td = calloc(1, sizeof(*td));

	if (!td)
		return -ENOMEM;
	device_init(&td->dev, &testdev_ops, base, TESTDEV_REGION_SIZE);
	td->nr_cpus = nr_cpus ? nr_cpus : 1;
	td->cpu = calloc(td->nr_cpus, sizeof(*td->cpu));
	if (!td->cpu) {
		free(td);
		return -ENOMEM;
	}
	pthread_mutex_init(&td->lock, NULL);
	*out = td;
	return 0;
}

void testdev_print_stats(struct testdev *td, FILE *f)
{
	if (td->ping_count > 1)
		fprintf(f, "kvmini: stats: %u PING exits, %.1f ns per exit "
			"from the first to the last\n", td->ping_count,
			(double)(td->ping_last_ns - td->ping_first_ns) /
				(td->ping_count - 1));
}

int testdev_exit_status(struct testdev *td, int fallback)
{
	int status;

	pthread_mutex_lock(&td->lock);
	if (td->failed)
		status = td->status_set && td->status ? (int)td->status : 1;
	else
		status = td->status_set ? (int)td->status : fallback;
	pthread_mutex_unlock(&td->lock);
	return status;
}
