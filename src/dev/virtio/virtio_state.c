// SPDX-License-Identifier: GPL-2.0-only
/*
 * A virtio-mmio device's snapshot: frozen with nothing in flight (every
 * request the device took is completed and pushed first, and nothing new
 * is taken until it thaws), then its registers, config space and queues
 * (ring addresses and both indices) as bytes, and the device type's own
 * state after them. Loading checks every value the way a driver's
 * register write would be checked, against copies, so a refused state
 * leaves the device as it was.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/log.h>
#include <kvmini/state.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "transport.h"

#define VIRTIO_STATE_VERSION 1
/* Every status bit virtio 1.x defines (2.1). */
#define VIRTIO_STATUS_KNOWN \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK | \
	 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)
#define VIRTIO_ISR_KNOWN 3

static struct virtio_dev *state_virtio(struct device *dev)
{
	return container_of(dev, struct virtio_dev, dev);
}

void virtio_freeze(struct device *dev)
{
	struct virtio_dev *vd = state_virtio(dev);

	pthread_mutex_lock(&vd->lock);
	vd->frozen = true;
	/* The I/O thread completes what is held meanwhile; the lock is let go while waiting. */
	while (vd->busy || vd->held)
		pthread_cond_wait(&vd->idle, &vd->lock);
	/*
	 * An interrupt held for the guest to pause goes out before the state
	 * is saved: nothing after a restore would release it, and the guest
	 * would wait on its completions forever.
	 */
	virtio_release_held_locked(vd);
	/* Idle and frozen: what the device keeps across calls can go back. */
	if (vd->ops->freeze)
		vd->ops->freeze(vd);
	pthread_mutex_unlock(&vd->lock);
}

void virtio_unpop_locked(struct virtio_dev *vd, unsigned int q)
{
	virtq_unpop(&vd->vq[q]);
}

bool virtio_chain_live(struct virtio_dev *vd, unsigned int q)
{
	bool live;

	pthread_mutex_lock(&vd->lock);
	live = vd->vq[q].enabled && vd->vq[q].inflight &&
	       (vd->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
	       VIRTIO_STATUS_DRIVER_OK;
	pthread_mutex_unlock(&vd->lock);
	return live;
}

void virtio_thaw(struct device *dev)
{
	struct virtio_dev *vd = state_virtio(dev);

	pthread_mutex_lock(&vd->lock);
	vd->frozen = false;
	pthread_mutex_unlock(&vd->lock);
	/* Notifications that came while frozen took nothing: serve the queues again. */
	for (unsigned int i = 0; i < vd->nr_queues; i++)
		if (vd->vq[i].enabled)
			virtio_requeue(vd, i);
}

int virtio_save(struct device *dev, struct state_buf *out)
{
	struct virtio_dev *vd = state_virtio(dev);

	pthread_mutex_lock(&vd->lock);
	state_put_u8(out, VIRTIO_STATE_VERSION);
	state_put_u32(out, vd->status);
	state_put_u32(out, vd->dev_features_sel);
	state_put_u32(out, vd->drv_features_sel);
	state_put_u32(out, vd->queue_sel);
	state_put_u64(out, vd->driver_features);
	state_put_u32(out, vd->isr);
	state_put_u32(out, vd->config_generation);
	state_put_u8(out, vd->config_changed);
	state_put_u32(out, (uint32_t)vd->config_len);
	state_put_bytes(out, vd->config, vd->config_len);
	state_put_u32(out, vd->nr_queues);
	for (unsigned int i = 0; i < vd->nr_queues; i++) {
		const struct virtq *q = &vd->vq[i];

		state_put_u16(out, q->size);
		state_put_u8(out, q->enabled);
		state_put_u8(out, q->broken);
		state_put_u64(out, q->desc_gpa);
		state_put_u64(out, q->avail_gpa);
		state_put_u64(out, q->used_gpa);
		state_put_u16(out, q->last_avail);
		state_put_u16(out, q->used_idx);
	}
	pthread_mutex_unlock(&vd->lock);
	return vd->ops->save(vd, out) ?: state_write_done(out);
}

/*
 * One queue into a copy: the same checks as the driver's QueueReady write.
 * needs_reset: the saved device had failed (NEEDS_RESET), and may have
 * dropped a chain it held; its driver must reset it anyway.
 */
static int virtio_load_queue(struct virtio_dev *vd, struct state_buf *in, struct virtq *q,
			     bool needs_reset)
{
	uint8_t enabled, broken;

	q->size = state_get_u16(in);
	enabled = state_get_u8(in);
	broken = state_get_u8(in);
	q->desc_gpa = state_get_u64(in);
	q->avail_gpa = state_get_u64(in);
	q->used_gpa = state_get_u64(in);
	q->last_avail = state_get_u16(in);
	q->used_idx = state_get_u16(in);
	if (in->err || enabled > 1 || broken > 1)
		return -EBADMSG;
	/*
	 * Saved quiesced, every chain the device took was used (or given
	 * back): nothing in flight, which is what this device starts with.
	 */
	if (enabled && !broken && !needs_reset && q->last_avail != q->used_idx)
		return -EBADMSG;
	if (enabled) {
		uint16_t last_avail = q->last_avail, used_idx = q->used_idx;

		/* Rings inside guest RAM and aligned, as when the driver enabled it. */
		if (virtq_enable(q, &vd->dev.vm->mem, VIRTQ_MAX_SIZE))
			return -EBADMSG;
		q->last_avail = last_avail;
		q->used_idx = used_idx;
	}
	q->broken = broken;
	return 0;
}

int virtio_load(struct device *dev, struct state_buf *in)
{
	struct virtio_dev *vd = state_virtio(dev);
	struct virtq vq[VIRTIO_MAX_QUEUES];
	uint32_t status, dev_sel, drv_sel, queue_sel, isr, generation, config_len, nr;
	uint64_t driver_features;
	uint8_t version, config_changed;
	uint8_t *config = NULL;
	const char *why = "malformed";
	char features_why[256];
	int ret = -EBADMSG;

	version = state_get_u8(in);
	status = state_get_u32(in);
	dev_sel = state_get_u32(in);
	drv_sel = state_get_u32(in);
	queue_sel = state_get_u32(in);
	driver_features = state_get_u64(in);
	isr = state_get_u32(in);
	generation = state_get_u32(in);
	config_changed = state_get_u8(in);
	config_len = state_get_u32(in);
	if (in->err)
		goto out;
	if (version != VIRTIO_STATE_VERSION) {
		why = "of another version";
		goto out;
	}
	if (status & ~VIRTIO_STATUS_KNOWN || isr & ~VIRTIO_ISR_KNOWN || config_changed > 1) {
		why = "not one a driver could have set (status or interrupt bits)";
		goto out;
	}
	/* What virtio_status_write() lets a driver set, and no more. */
	if (status & VIRTIO_STATUS_FEATURES_OK && !(driver_features & VIRTIO_F_VERSION_1)) {
		why = "FEATURES_OK for features without VIRTIO_F_VERSION_1, which this device "
		      "refuses";
		goto out;
	}
	if (driver_features & ~virtio_device_features(vd)) {
		snprintf(features_why, sizeof(features_why), "for a device offering more: the "
			 "driver took features 0x%" PRIx64 ", this one offers 0x%" PRIx64 " "
			 "(restore it with what it was saved with - for a console with its size, "
			 "a terminal)", driver_features, virtio_device_features(vd));
		why = features_why;
		goto out;
	}
	if (config_len != vd->config_len) {
		why = "for a config space of another size";
		goto out;
	}
	config = malloc(config_len ? config_len : 1);
	if (!config) {
		ret = -ENOMEM;
		goto out;
	}
	state_get_bytes(in, config, config_len);
	/*
	 * The config space is the backend's (a disk's size): it must not have
	 * changed. None (virtio-rng's config is NULL) is not compared: memcmp()
	 * of a NULL pointer is undefined even for 0 bytes.
	 */
	if (!in->err && !vd->ops->config_follows_host && config_len &&
	    memcmp(config, vd->config, config_len)) {
		why = "for another configuration (a disk of another size, other options?)";
		goto out;
	}
	nr = state_get_u32(in);
	if (in->err || nr != vd->nr_queues) {
		why = "for another number of queues";
		goto out;
	}
	for (unsigned int i = 0; i < nr; i++) {
		memset(&vq[i], 0, sizeof(vq[i]));
		vq[i].name = vd->vq_names[i];
		vq[i].event_idx = driver_features & VIRTIO_RING_F_EVENT_IDX;
		if (virtio_load_queue(vd, in, &vq[i], status & VIRTIO_STATUS_NEEDS_RESET)) {
			why = "holding a queue no driver could have set up (or with requests "
			      "in flight, which a saved device never has)";
			goto out;
		}
	}
	ret = vd->ops->load(vd, in);
	if (!ret && state_read_done(in))
		ret = -EBADMSG;
	if (ret)
		goto out;
	pthread_mutex_lock(&vd->lock);
	vd->status = status;
	vd->dev_features_sel = dev_sel;
	vd->drv_features_sel = drv_sel;
	vd->queue_sel = queue_sel;
	vd->driver_features = driver_features;
	vd->isr = isr;
	vd->config_generation = generation;
	vd->config_changed = config_changed;
	for (unsigned int i = 0; i < nr; i++) {
		vq[i].rl = vd->vq[i].rl;
		vd->vq[i] = vq[i];
		/*
		 * The saved device may have been polling the queue, the driver
		 * told to notify no more (NO_NOTIFY in guest RAM): notifications
		 * are wanted here until this device polls.
		 */
		virtq_notify_on(&vd->vq[i]);
	}
	/* This host's config (a terminal of another size): the driver reads it anew. */
	if (vd->ops->config_follows_host && memcmp(config, vd->config, config_len)) {
		vd->config_generation++;
		if (vd->status & VIRTIO_STATUS_DRIVER_OK)
			virtio_config_interrupt(vd);
		else
			vd->config_changed = true;
	}
	virtio_update_irq(vd);
	pthread_mutex_unlock(&vd->lock);
	/*
	 * A notification the device took while frozen took nothing (the
	 * saved VM's thaw served it, this VM's never will): the driver may
	 * wait on buffers it made available. Serve every queue once when the
	 * event loop starts, as a thaw does.
	 */
	for (unsigned int i = 0; i < nr; i++)
		if (vd->vq[i].enabled)
			virtio_requeue(vd, i);
out:
	if (ret == -EBADMSG)
		log_err("snapshot", "%s: the saved state is %s", dev->name, why);
	free(config);
	return ret;
}

/* A device type whose whole state is the transport's (queues, registers, config). */
int virtio_stateless_save(struct virtio_dev *vd, struct state_buf *out)
{
	(void)vd;
	(void)out;
	return 0;
}

int virtio_stateless_load(struct virtio_dev *vd, struct state_buf *in)
{
	(void)vd;
	(void)in;
	return 0;
}
