/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-mmio (virtio 1.x, 4.2; version 2 registers only) as the transport
 * of every virtio device. A device supplies its ID, features, config space
 * and a queue handler; the transport does feature negotiation, queue setup
 * (latched at DRIVER_OK), the interrupt status, resets, and delivers queue
 * notifications to the I/O thread - through an ioeventfd, so a guest kick
 * costs no exit to kvmini's vCPU threads. A queue the driver corrupts sets
 * DEVICE_NEEDS_RESET; the VMM and the other devices run on.
 */
#ifndef KVMINI_VIRTIO_H
#define KVMINI_VIRTIO_H

#include <pthread.h>
#include <stdio.h>

#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/virtq.h>

#define VIRTIO_MMIO_REGION_SIZE 0x200
#define VIRTIO_MAX_QUEUES 8

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

#define VIRTIO_F_VERSION_1 (1ULL << 32)
/* Every kvmini device's queues take it (virtq.h: event_idx). */
#define VIRTIO_RING_F_EVENT_IDX (1ULL << 29)

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

struct virtio_dev;
struct state_buf;

struct virtio_dev_ops {
	const char *type;		/* "virtio-rng" */
	uint32_t device_id;
	/* Queues of a new device; one that takes a count sets vd->nr_queues. */
	unsigned int nr_queues;
	/*
	 * Queues (bit q) the I/O thread may poll after they had work, when
	 * the loop polls at all (--io-poll): only queues whose entries the
	 * device takes at once - not receive queues, where buffers wait.
	 */
	uint32_t poll_queues;
	/*
	 * The transport is connected to KVM and the event loop (device_ops
	 * realize, before the loop runs): add the device's own sources.
	 * Optional; 0 or -errno.
	 */
	int (*realize)(struct virtio_dev *vd);
	/* The driver made buffers available on queue q (the I/O thread). */
	void (*queue_notify)(struct virtio_dev *vd, unsigned int q);
	/* The driver reset the device: forget requests in flight. */
	void (*reset)(struct virtio_dev *vd);
	/* The vCPUs stopped or paused: finish in-flight work (device_ops.quiesce). */
	void (*quiesce)(struct virtio_dev *vd);
	/*
	 * A snapshot is being taken: the device is frozen and idle (nothing of
	 * it runs; vd->lock is held). Give back chains kept across calls with
	 * virtio_unpop_locked(), so the saved queues hold no request half
	 * taken; thawed, the device takes them again. Optional.
	 */
	void (*freeze)(struct virtio_dev *vd);
	/*
	 * The driver wrote len bytes at offset into the config space, on its
	 * vCPU's thread, without vd->lock (the device may write to its
	 * backend); bounds are the device's to check. NULL: config space is
	 * read-only, writes are logged and ignored.
	 */
	void (*config_write)(struct virtio_dev *vd, uint64_t offset, const void *data,
			     unsigned int len);
	/*
	 * Snapshots: the device's own state beyond the transport's (queues,
	 * registers, config space), after every request in flight finished.
	 * A device type without save cannot be snapshotted: the VM is refused,
	 * naming it. load validates and changes nothing on failure.
	 */
	int (*save)(struct virtio_dev *vd, struct state_buf *out);
	int (*load)(struct virtio_dev *vd, struct state_buf *in);
	/* Free what the device allocated beside struct virtio_dev. */
	void (*destroy)(struct virtio_dev *vd);
	/* The device's own --stats lines, after the transport's. Optional. */
	void (*print_stats)(struct virtio_dev *vd, FILE *f);
	/*
	 * The config space follows the host (a terminal's size), it does not
	 * name the backend: a restore keeps this device's and, if it differs
	 * from the saved one, tells the driver it changed - rather than
	 * refusing the state as made for another configuration.
	 */
	bool config_follows_host;
};

struct virtio_queue_kick {
	struct ev_source src;		/* an eventfd, bound to QueueNotify by KVM_IOEVENTFD */
	struct virtio_dev *vd;
	unsigned int index;
	bool ioeventfd;			/* KVM signals it directly */
	struct ev_poller poller;	/* ops->poll_queues: polled after work */
	/*
	 * Interrupt holding, on a polled queue (the I/O thread's alone, under
	 * vd->lock): a guest that hands over requests in several runs while
	 * earlier ones are done (several in flight) gets one interrupt when it
	 * pauses, not one per run - each interrupt costs it an exit to take
	 * it and two more to read and acknowledge InterruptStatus.
	 */
	bool burst;			/* the last interrupt covered 2 or more arrivals */
	bool irq_held;			/* an interrupt waits for the guest to pause */
	bool run_took;			/* the handler's current run took a request */
	unsigned int arrivals;		/* handler runs that took requests, since the last interrupt */
	uint64_t last_arrival_ns;	/* CLOCK_MONOTONIC */
	uint64_t gap_ns;		/* moving average of the gaps between arrivals */
	uint64_t held_since_ns;
	/*
	 * The polls' last look, for --stats (virtio_found_locked): when (0:
	 * none yet since a reset), and the avail index up to which the
	 * requests waiting were found; polling's start is a look.
	 */
	uint64_t looked_ns;
	uint16_t seen_end;
};

/* What a queue saw, for --stats: kept across resets (a reboot adds up). */
struct virtio_queue_stats {
	uint64_t kicks;			/* notifications: the guest's, and requeues */
	uint64_t runs;			/* queue_notify calls that took them */
	uint64_t requeues;		/* the device asked to be called again */
	uint64_t polled;		/* polls that found work (no notification needed) */
	uint64_t requests;		/* chains popped */
	uint64_t interrupts;		/* used-buffer interrupts raised */
	uint64_t interrupts_skipped;	/* pushes the driver's used_event or flag left quiet */
	uint64_t interrupts_held;	/* completions whose interrupt waited for the guest to pause */
	uint64_t found;			/* requests polls found waiting */
	uint64_t found_wait_ns;		/* the time they waited to be taken, about (virtio_poll) */
};

struct virtio_dev {
	struct device dev;
	const struct virtio_dev_ops *ops;
	uint64_t features;		/* the device's own bits; VERSION_1 is added */
	unsigned int nr_queues;		/* ops->nr_queues, or the device's choice before realize */
	pthread_mutex_t lock;		/* registers, queues and the interrupt status */
	/*
	 * The I/O thread is in queue_notify: a reset waits (on idle) until it
	 * returns, so no request finishes into buffers the driver took back.
	 */
	bool busy;
	/*
	 * Requests the device took from its queues and keeps beyond
	 * queue_notify (an asynchronous backend has them): a reset waits for
	 * these too, so it returns only when the device holds nothing of the
	 * driver's. They are completed on the I/O thread (or, once it
	 * stopped, by the device's quiesce), so a reset that waits relies on
	 * the event loop running - as it does whenever vCPUs can reset.
	 */
	unsigned int held;
	/*
	 * Resets waiting for busy and held to clear: meanwhile nothing is
	 * popped, and held requests that complete are dropped, not pushed
	 * (the queue is about to be reset; the new driver must not see them).
	 */
	unsigned int resetting;
	/*
	 * A snapshot is being taken: nothing is popped (completions still
	 * push) until it thaws; freeze waits for busy and held like a reset.
	 */
	bool frozen;
	pthread_cond_t idle;		/* busy or held went to false/0 */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	uint32_t isr;			/* InterruptStatus: 1 used buffers, 2 config */
	uint32_t config_generation;
	uint8_t *config;		/* the device's config space, little-endian */
	size_t config_len;
	bool config_changed;		/* not yet announced: at DRIVER_OK */
	struct virtq vq[VIRTIO_MAX_QUEUES];
	char vq_names[VIRTIO_MAX_QUEUES][DEVICE_NAME_MAX + 16];
	struct virtio_queue_kick kick[VIRTIO_MAX_QUEUES];
	struct virtio_queue_stats stats[VIRTIO_MAX_QUEUES];
	uint64_t isr_reads;		/* InterruptStatus reads: an exit per interrupt handled */
	bool irq_hold;			/* hold polled queues' interrupts (KVMINI_IRQ_HOLD=0: never) */
	uint64_t irq_hold_max_ns;	/* the longest a completion's interrupt is held */
	struct ratelimit rl;
};

/*
 * Set up vd (embedded in the device's own struct) at base, offering
 * features (device-specific bits); add it with vm_add_device().
 */
/* The transport's snapshot hooks (virtio_state.c), for device_ops. */
void virtio_freeze(struct device *dev);
void virtio_thaw(struct device *dev);
int virtio_save(struct device *dev, struct state_buf *out);
int virtio_load(struct device *dev, struct state_buf *in);
/* For virtio_dev_ops: a device type with no state beyond the transport's. */
int virtio_stateless_save(struct virtio_dev *vd, struct state_buf *out);
int virtio_stateless_load(struct virtio_dev *vd, struct state_buf *in);

void virtio_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, uint64_t base,
		 uint64_t features, uint8_t *config, size_t config_len);
/*
 * Change len bytes of the config space at offset, from any thread: under
 * the lock, with a new generation, and a configuration change interrupt
 * for the driver - now if it set DRIVER_OK, else when it does.
 */
void virtio_config_set(struct virtio_dev *vd, size_t offset, const void *bytes, size_t len);
/* For queue handlers (the I/O thread): the queue lock is taken inside. */
int virtio_pop(struct virtio_dev *vd, unsigned int q, struct virtq_chain *c);
void virtio_push(struct virtio_dev *vd, unsigned int q, const struct virtq_chain *c,
		 uint32_t written);
/*
 * An asynchronous device: queue_notify keeps n more requests past its
 * return (call it before submitting them, still in the handler) ...
 */
void virtio_hold(struct virtio_dev *vd, unsigned int n);
/*
 * ... and when one completes (on the I/O thread, or in quiesce), pushes
 * it with this instead of virtio_push: false when a reset waiting for it
 * dropped it instead. Call virtio_notify after a batch that pushed.
 */
bool virtio_complete(struct virtio_dev *vd, unsigned int q, const struct virtq_chain *c,
		     uint32_t written);
/*
 * Around such a batch of completions and its virtio_notify, outside the
 * queue handler (which the transport counts busy itself): a freeze or a
 * reset waits for the end, so none sees the requests done but the
 * interrupt not yet decided.
 */
void virtio_busy_begin(struct virtio_dev *vd);
void virtio_busy_end(struct virtio_dev *vd);
/*
 * A queue handler that stops with work left (it takes at most a queue's
 * worth per call, so one busy guest cannot starve the I/O thread's other
 * sources) calls this to be called again.
 */
void virtio_requeue(struct virtio_dev *vd, unsigned int q);
/* For device_ops.freeze (vd->lock held): give back the chain popped last from q. */
void virtio_unpop_locked(struct virtio_dev *vd, unsigned int q);
/*
 * For a handler that keeps the one chain it popped from q across calls
 * (until there is room to send it): whether that chain is still the
 * device's - nothing else from q is in flight, and no reset or re-enabled
 * queue has zeroed the count. The handler runs with the transport busy,
 * so no reset comes between this check and the chain's use.
 */
bool virtio_chain_live(struct virtio_dev *vd, unsigned int q);
/* After pushing: interrupt the driver if it wants to hear. */
void virtio_notify(struct virtio_dev *vd, unsigned int q);

#endif
