// SPDX-License-Identifier: GPL-2.0-only
/* virtio-rng (virtio 1.x, 5.4): the guest's buffers filled from getrandom(). */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include <kvmini/log.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>

/* Per request: enough for any reseed, bounded so one request cannot hog the I/O thread. */
#define RNG_MAX_PER_REQUEST (64 * 1024)

struct virtio_rng {
	struct virtio_dev vd;
	struct virtq_chain chain;	/* large: not on the I/O thread's stack */
};

static void rng_fill(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_rng *rng = container_of(vd, struct virtio_rng, vd);
	struct virtq_chain *c = &rng->chain;
	uint8_t buf[4096];

	for (unsigned int served = 0; virtio_pop(vd, q, c) > 0; served++) {
		uint64_t want = c->in_bytes < RNG_MAX_PER_REQUEST ? c->in_bytes : RNG_MAX_PER_REQUEST;
		uint32_t done = 0;

		while (done < want) {
			size_t chunk = want - done < sizeof(buf) ? want - done : sizeof(buf);
			ssize_t n = getrandom(buf, chunk, 0);

			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			done += (uint32_t)virtq_chain_write(c, done, buf, (size_t)n);
		}
		virtio_push(vd, q, c, done);
		/* A queue's worth per call: a busy guest must not starve the I/O thread. */
		if (served + 1 == VIRTQ_MAX_SIZE) {
			virtio_requeue(vd, q);
			break;
		}
	}
	virtio_notify(vd, q);
}

static void rng_destroy(struct virtio_dev *vd)
{
	free(container_of(vd, struct virtio_rng, vd));
}

static const struct virtio_dev_ops rng_ops = {
	.type = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_notify = rng_fill,
	.save = virtio_stateless_save,
	.load = virtio_stateless_load,
	.destroy = rng_destroy,
};

int virtio_rng_create(uint64_t base, struct device **out)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));

	if (!rng)
		return -ENOMEM;
	virtio_init(&rng->vd, &rng_ops, base, 0, NULL, 0);
	*out = &rng->vd.dev;
	return 0;
}
