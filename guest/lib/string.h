// SPDX-License-Identifier: GPL-2.0-only
/*
 * The few C library string functions the guest uses. GCC may also emit
 * calls to memset/memcpy/memmove/memcmp on its own (struct copies and
 * initialisers), so these four must exist even if nothing calls them.
 */
#ifndef KVMINI_GUEST_STRING_H
#define KVMINI_GUEST_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
