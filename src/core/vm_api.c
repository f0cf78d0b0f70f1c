// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's commands on the control socket (--api-sock): status, pause,
 * resume, snapshot and stop. The socket and its protocol are ctl.h's; here
 * is what each command does to the VM.
 *
 * One lock orders the commands that change the VM's run state: pause and
 * resume take it briefly, a snapshot holds it while it writes (on the
 * server's worker thread), so a pause or resume asked meanwhile is told the
 * VM is busy rather than waiting behind it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kvmini/arch.h>
#include <kvmini/ctl.h>
#include <kvmini/log.h>
#include <kvmini/snapshot.h>
#include <kvmini/vm.h>
#include <kvmini/vm-api.h>

struct vm_api {
	struct ctl_server *server;
	pthread_mutex_t lock;
	bool paused;		/* by a pause command (not by a snapshot of a running VM) */
	bool saving;		/* a snapshot is being written; read without the lock by status */
	bool closed;		/* the vCPUs stopped (until a reboot runs them): no new pause may begin */
	const char *holder;	/* the command holding lock, for the busy reply; atomic */
};

static void vm_api_lock(struct vm *vm, const char *holder)
{
	pthread_mutex_lock(&vm->api->lock);
	__atomic_store_n(&vm->api->holder, holder, __ATOMIC_RELAXED);
}

static void vm_api_unlock(struct vm *vm)
{
	__atomic_store_n(&vm->api->holder, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&vm->api->lock);
}

/* A pause users see: the vCPUs parked and the guest's clock stopped with them. */
static void vm_api_pause_locked(struct vm *vm)
{
	vm_pause(vm, NULL);
	arch_vm_clock_freeze(vm);
}

static void vm_api_resume_locked(struct vm *vm)
{
	arch_vm_clock_thaw(vm);
	vm_resume(vm);
}

static const char *vm_api_state(struct vm *vm)
{
	if (vm_stopping(vm))
		return "stopping";
	if (__atomic_load_n(&vm->api->saving, __ATOMIC_RELAXED))
		return "saving";
	return __atomic_load_n(&vm->api->paused, __ATOMIC_RELAXED) ? "paused" : "running";
}

static int vm_api_cmd_status(void *arg, const struct json_obj *req, struct ctl_reply *reply)
{
	struct vm *vm = arg;
	struct json_out *out = ctl_reply_fields(reply);

	(void)req;
	json_out_str(out, "state", vm_api_state(vm));
	json_out_int(out, "vcpus", vm->nr_vcpus);
	json_out_int(out, "memory_mib", (int64_t)(vm->cfg->ram_size >> 20));
	if (vm->cfg->name)
		json_out_str(out, "name", vm->cfg->name);
	return out->err;
}

/* The run-state commands never wait behind a snapshot being written, or a pause. */
static bool vm_api_lock_or_busy(struct vm *vm, const char *cmd, struct ctl_reply *reply)
{
	const char *holder;

	if (!pthread_mutex_trylock(&vm->api->lock)) {
		__atomic_store_n(&vm->api->holder, cmd, __ATOMIC_RELAXED);
		return true;
	}
	holder = __atomic_load_n(&vm->api->holder, __ATOMIC_RELAXED);
	ctl_reply_error(reply, CTL_ERR_BUSY, "%s is in progress; try again when it is done",
			holder ? holder : "another command");
	return false;
}

static int vm_api_cmd_pause(void *arg, const struct json_obj *req, struct ctl_reply *reply)
{
	struct vm *vm = arg;

	(void)req;
	if (!vm_api_lock_or_busy(vm, "a pause", reply))
		return -EBUSY;
	/* Checked under the lock: a pause begun after the stop released the VM would hold it. */
	if (vm->api->closed || vm_stopping(vm)) {
		vm_api_unlock(vm);
		ctl_reply_error(reply, CTL_ERR_FAILED, "the VM is stopping");
		return -ESRCH;
	}
	/* Pausing a paused VM is not an error: scripts may say it twice. */
	if (!vm->api->paused) {
		vm_api_pause_locked(vm);
		__atomic_store_n(&vm->api->paused, true, __ATOMIC_RELAXED);
		log_info("api", "the guest is paused");
	}
	vm_api_unlock(vm);
	json_out_str(ctl_reply_fields(reply), "state", "paused");
	return 0;
}

static int vm_api_cmd_resume(void *arg, const struct json_obj *req, struct ctl_reply *reply)
{
	struct vm *vm = arg;

	(void)req;
	if (!vm_api_lock_or_busy(vm, "a resume", reply))
		return -EBUSY;
	if (vm->api->paused) {
		__atomic_store_n(&vm->api->paused, false, __ATOMIC_RELAXED);
		vm_api_resume_locked(vm);
		log_info("api", "the guest runs on");
	}
	vm_api_unlock(vm);
	json_out_str(ctl_reply_fields(reply), "state", "running");
	return 0;
}

static double vm_api_seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Disks are the user's files, not copied into a snapshot: restore opens
 * them as they are then. Said in the reply and the log, so that nobody
 * keeps a snapshot and lets its disk move on.
 */
static void vm_api_note_disks(struct vm *vm, struct ctl_reply *reply)
{
	char list[1024] = "";
	size_t len = 0;

	if (!vm->cfg->nr_disks)
		return;
	for (unsigned int i = 0; i < vm->cfg->nr_disks; i++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s%s", i ? " " : "",
				 vm->cfg->disks[i].path);

		if (n < 0 || (size_t)n >= sizeof(list) - len)
			break;	/* very long paths: the list is cut there */
		len += (size_t)n;
	}
	log_info("api", "the snapshot does not hold the disks (%s): restore opens them as they "
		 "are then, so keep them unchanged with it", list);
	json_out_str(ctl_reply_fields(reply), "disks_not_in_snapshot", list);
}

static int vm_api_cmd_snapshot(void *arg, const struct json_obj *req, struct ctl_reply *reply)
{
	struct vm *vm = arg;
	const char *path = NULL;
	bool force = false, was_paused;
	char why[160];
	struct timespec t0;
	int ret;

	if (json_obj_get_str(req, "path", &path) || !*path) {
		ctl_reply_error(reply, CTL_ERR_BAD_ARG,
				"snapshot needs path: the file to write (a string)");
		return -EINVAL;
	}
	ret = json_obj_get_bool(req, "force", &force);
	if (ret && ret != -ENOENT) {
		const struct json_member *m = json_obj_find(req, "force");

		if (m && m->type == JSON_STR)
			ctl_reply_error(reply, CTL_ERR_BAD_ARG, "force: \"%.64s\"; give true or "
					"false", m->s);
		else if (m && m->type == JSON_INT)
			ctl_reply_error(reply, CTL_ERR_BAD_ARG, "force: %lld; give true or false",
					(long long)m->i);
		else
			ctl_reply_error(reply, CTL_ERR_BAD_ARG, "force: null; give true or false");
		return -EINVAL;
	}
	vm_api_lock(vm, "a snapshot");
	if (vm->api->closed || vm_stopping(vm)) {
		vm_api_unlock(vm);
		ctl_reply_error(reply, CTL_ERR_FAILED, "the VM is stopping");
		return -ESRCH;
	}
	__atomic_store_n(&vm->api->saving, true, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	was_paused = vm->api->paused;
	if (!was_paused)
		vm_api_pause_locked(vm);
	ret = snapshot_save(vm, path, force, why, sizeof(why));
	if (!was_paused)
		vm_api_resume_locked(vm);
	__atomic_store_n(&vm->api->saving, false, __ATOMIC_RELAXED);
	vm_api_unlock(vm);
	if (ret) {
		/* -EEXIST is only ever a regular file there and no force (snapfile.h). */
		ctl_reply_error(reply, CTL_ERR_FAILED, "%s: %s (kvmini's log says more)", path,
				ret == -EEXIST ? "already exists; pass force=true to replace it" :
				why[0] ? why : strerror(-ret));
		return ret;
	}
	json_out_str(ctl_reply_fields(reply), "path", path);
	json_out_int(ctl_reply_fields(reply), "milliseconds",
		     (int64_t)(vm_api_seconds_since(&t0) * 1000));
	log_info("api", "snapshot written to %s", path);
	vm_api_note_disks(vm, reply);
	return 0;
}

static int vm_api_cmd_stop(void *arg, const struct json_obj *req, struct ctl_reply *reply)
{
	struct vm *vm = arg;

	(void)req;
	log_info("api", "stop requested through the control socket");
	vm_stop(vm, VM_STOP_QUIT, 0);
	json_out_str(ctl_reply_fields(reply), "state", "stopping");
	return 0;
}

static const char *const vm_api_snapshot_keys[] = { "path", "force", NULL };

/* The server refuses keys a command does not list (.keys NULL: none). */
static const struct ctl_command vm_api_commands[] = {
	{ .name = "status", .run = vm_api_cmd_status },
	/*
	 * Slow: it waits for every vCPU to park, and a vCPU resetting a
	 * virtio device waits for the I/O thread - which must not be the
	 * thread waiting for it.
	 */
	{ .name = "pause", .slow = true, .run = vm_api_cmd_pause },
	{ .name = "resume", .run = vm_api_cmd_resume },
	{ .name = "snapshot", .slow = true, .keys = vm_api_snapshot_keys,
	  .run = vm_api_cmd_snapshot },
	{ .name = "stop", .run = vm_api_cmd_stop },
};

int vm_api_start(struct vm *vm)
{
	struct vm_api *api;
	int ret;

	if (!vm->cfg->api_sock_path)
		return 0;
	api = calloc(1, sizeof(*api));
	if (!api)
		return -ENOMEM;
	pthread_mutex_init(&api->lock, NULL);
	vm->api = api;
	ret = ctl_server_start(&api->server, vm->cfg->api_sock_path, &vm->loop,
			       vm_api_commands, ARRAY_SIZE(vm_api_commands), vm);
	if (!ret)
		log_info("api", "control socket at %s", vm->cfg->api_sock_path);
	return ret;
}

void vm_api_open(struct vm *vm)
{
	struct vm_api *api = vm->api;

	if (!api)
		return;
	vm_api_lock(vm, "a (re)boot");
	api->closed = false;
	vm_api_unlock(vm);
}

void vm_api_release(struct vm *vm)
{
	struct vm_api *api = vm->api;

	if (!api)
		return;
	vm_api_lock(vm, "the stop");
	api->closed = true;
	if (api->paused) {
		api->paused = false;
		vm_api_resume_locked(vm);
	}
	vm_api_unlock(vm);
}

void vm_api_close(struct vm *vm)
{
	struct vm_api *api = vm->api;

	if (!api)
		return;
	ctl_server_stop(api->server);
	pthread_mutex_destroy(&api->lock);
	free(api);
	vm->api = NULL;
}
