#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed inputs for tests/fuzz/fuzz_snapfile.c: valid snapshot files, laid
out as include/kvmini/snapfile.h says, so libFuzzer mutates from files the
reader accepts (an empty corpus never finds a checksum). Byte 0 is the
harness's options (bit 0: recompute checksums after mutating); each seed
comes with it set and clear. The machine the harness restores onto: one
RAM region of 8 KiB at 0x40000000, a uart8250@3f8, a pl031@9010000 and a
virtio-rng@a000000."""
import os
import struct
import sys

ARCH_X86_64, VERSION = 2, 2
F_LAZY, CHUNK_TABLE, ALIGN_PAGE = 1, 0x80000000, 65536
SEC_CONFIG, SEC_MEMORY, SEC_MEMORY_MAP, SEC_DEVICE = 1, 2, 3, 4
RAM, RAM_SIZE = 0x40000000, 0x2000


def crc32c(data, crc=0):
    """Castagnoli, reflected, as src/snapshot/crc32c.c (bit at a time: seeds are small)."""
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = crc >> 1 ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def align(n, a):
    return (n + a - 1) // a * a


def snapfile(sections):
    """sections: (type, index, flags, data) in file order; a LAZY one gets its chunk table."""
    body, entries, pos = bytearray(), [], 64
    for typ, index, flags, data in sections:
        todo = [(typ, index, flags, data)]
        if flags & F_LAZY:
            chunks = [data[i:i + (1 << 20)] for i in range(0, len(data), 1 << 20)]
            table = b''.join(struct.pack('<I', crc32c(c)) for c in chunks)
            todo.append((typ | CHUNK_TABLE, index, 0, table))
        for t, i, fl, d in todo:
            off = align(pos, ALIGN_PAGE if fl & F_LAZY else 8)
            body += bytes(off - pos) + d
            crc = crc32c(todo[1][3]) if fl & F_LAZY else crc32c(d)
            entries.append(struct.pack('<IIIIQQQ', t, i, fl, crc, off, len(d), 0))
            pos = off + len(d)
    table_off = align(pos, 8)
    body += bytes(table_off - pos)
    table = b''.join(entries)
    size = table_off + len(table)
    head = struct.pack('<8sIIQIIQ20x', b'KVMINISN', VERSION, ARCH_X86_64, table_off,
                       len(entries), crc32c(table), size)
    return head + struct.pack('<I', crc32c(head)) + bytes(body) + table


def strs(*args):
    return b''.join(struct.pack('<I', len(a)) + a for a in args)


def device(name, state):
    return strs(name) + state


UART = device(b'uart8250@3f8', bytes([1]) + bytes(9))
RTC = device(b'pl031@9010000', struct.pack('<BqIIBB', 1, -5, 0x1000, 0x2000, 1, 0))
# Version, status, selectors, features, ISR, generation, changed, no config, one queue off.
RNG = device(b'virtio-rng@a000000', struct.pack('<BIIIIQIIBI', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0) +
             struct.pack('<I', 1) + struct.pack('<HBBQQQHH', 0, 0, 0, 0, 0, 0, 0, 0))
CONFIG = (SEC_CONFIG, 0, 0, struct.pack('<I', 3) + strs(b'kvmini', b'--mem', b'8K'))
MEM_MAP = (SEC_MEMORY_MAP, 0, 0, struct.pack('<IQQ', 1, RAM, RAM_SIZE))
RAM_BYTES = bytes(range(256)) * (RAM_SIZE // 256)
DEVICES = [(SEC_DEVICE, 0, 0, UART), (SEC_DEVICE, 1, 0, RTC), (SEC_DEVICE, 2, 0, RNG)]

SEEDS = {
    # What a save of the harness's machine writes (RAM lazily read).
    'machine': [CONFIG, (SEC_MEMORY, 0, F_LAZY, RAM_BYTES), MEM_MAP] + DEVICES,
    # Small files: the reader's checks without 64 KiB of padding to get past.
    'config': [CONFIG],
    'devices': [CONFIG] + DEVICES,
    'empty-section': [(SEC_DEVICE, 0, 0, b''), (0x100, 7, 0, b'x' * 13)],
    'none': [],
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, sections in SEEDS.items():
        data = snapfile(sections)
        for opt in (0, 1):
            with open(os.path.join(out, 'seed-%s-%d' % (name, opt)), 'wb') as f:
                f.write(bytes([opt]) + data)


if __name__ == '__main__':
    main(sys.argv[1])
