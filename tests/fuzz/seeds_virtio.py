#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed inputs for tests/fuzz/fuzz_virtio.c: one well-formed request per
target, so libFuzzer starts from chains the devices accept and mutates
from there (an empty corpus rarely finds a valid chain in a short run).
Layout as in the harness: byte 0 picks the target, bytes 1-2 the queue
size, the rest is guest RAM at 0x40000000 (used ring at 0, avail ring at
0x900, descriptor table flush against the end of its 0x4000 bytes)."""
import os
import struct
import sys

RAM, RAM_SIZE, AVAIL = 0x40000000, 0x4000, 0x900
F_NEXT, F_WRITE = 1, 2


def seed(target, descs, data):
    """descs: (offset in RAM, len, flags) chained in order, head 0."""
    qsize = len(descs)
    ram = bytearray(RAM_SIZE)
    ram[AVAIL:AVAIL + 6] = struct.pack('<HHH', 0, 1, 0)
    table = RAM_SIZE - 16 * qsize
    for i, (off, length, flags) in enumerate(descs):
        ram[table + 16 * i:table + 16 * i + 16] = struct.pack(
            '<QIHH', RAM + off, length, flags, i + 1 if flags & F_NEXT else 0)
    for off, b in data:
        ram[off:off + len(b)] = b
    return bytes([target]) + struct.pack('<H', qsize) + bytes(ram)


def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = {
        # virtio-blk: read sector 1 into 512 bytes, then the status byte.
        'blk-read': seed(1, [(0x1000, 16, F_NEXT), (0x1100, 512, F_NEXT | F_WRITE),
                             (0x1400, 1, F_WRITE)],
                         [(0x1000, struct.pack('<IIQ', 0, 0, 1))]),
        # virtio-blk: write sector 2.
        'blk-write': seed(1, [(0x1000, 16, F_NEXT), (0x1100, 512, F_NEXT),
                              (0x1400, 1, F_WRITE)],
                          [(0x1000, struct.pack('<IIQ', 1, 0, 2))]),
        # virtio-console: one transmit buffer (queue 1 shares the rings).
        'console-tx': seed(2, [(0x1000, 16, 0)], [(0x1000, b'hello, console\n\n')]),
        # virtio-net: one frame to send, a 12-byte header and 48 bytes.
        'net-tx': seed(4, [(0x1000, 60, 0)], [(0x100c, b'\xff' * 48)]),
        # virtio-net: a receive buffer for the host's frames.
        'net-rx': seed(4, [(0x1000, 1526, F_WRITE)], []),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1])
