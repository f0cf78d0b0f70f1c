/* SPDX-License-Identifier: GPL-2.0-only */
/* The VM's control socket (--api-sock): what its commands do to the VM (vm_api.c). */
#ifndef KVMINI_VM_API_H
#define KVMINI_VM_API_H

#include <kvmini/compiler.h>

struct vm;

/* Serve --api-sock on the VM's event loop (before it starts); a no-op without it. */
int __must_check vm_api_start(struct vm *vm);
/* The vCPUs run, at boot and after each reboot: pause and snapshot may begin. */
void vm_api_open(struct vm *vm);
/* The VM is stopping: a guest paused from the socket must run again to see it. */
void vm_api_release(struct vm *vm);
/* The event loop stopped: close the socket and free the state. */
void vm_api_close(struct vm *vm);

#endif
