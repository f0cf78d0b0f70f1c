#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed inputs for tests/fuzz/fuzz_devices.c: what drivers do with each
device's registers, so libFuzzer starts from sequences the devices act on
(a DLAB divisor, loopback, a PL031 match, every CMOS index) and mutates
from there. The encoding is the harness's: an op byte (device, size,
write, where in the region), its offset byte and a write's value; op 6
reaches the other entry points."""
import os
import sys

# The devices in the order the harness adds them.
UART, PL031, COM1, CMOS, SLEEP, RESET = range(6)
SIZE = {1: 0, 2: 1, 4: 2, 8: 3}
END, ALIGNED = 1, 3           # offset modes: around the region's end, aligned
RESET_ALL, ROUND_TRIP, LOAD, TYPE, LOOP, QUIESCE = range(6)


def rd(dev, off, size=1, mode=0):
    return bytes([dev | SIZE[size] << 3 | mode << 6, off])


def wr(dev, off, value, size=1, mode=0):
    return bytes([dev | SIZE[size] << 3 | 0x20 | mode << 6, off]) + value.to_bytes(size, 'little')


def rep_out(dev, off, data):
    """REP OUTSB on a port device: one access a byte."""
    return bytes([dev | 3 << 3 | 0x20, off, (len(data) - 1) << 2]) + data


def other(what, *args, uart=0):
    return bytes([6 | what << 3 | uart << 7, *args])


def uart(dev):
    return b''.join([
        wr(dev, 3, 0x80), wr(dev, 0, 0x01), wr(dev, 1, 0x00), rd(dev, 0), rd(dev, 1),
        wr(dev, 3, 0x03), rd(dev, 5), wr(dev, 2, 0x07), rd(dev, 2),
        wr(dev, 1, 0x0f), rd(dev, 2), wr(dev, 0, ord('A')), rd(dev, 2), rd(dev, 5),
        wr(dev, 4, 0x1f), wr(dev, 0, 0x55), wr(dev, 0, 0xaa), rd(dev, 5), rd(dev, 0),
        rd(dev, 0), rd(dev, 6), wr(dev, 4, 0x0b), rd(dev, 6), wr(dev, 7, 0x5a), rd(dev, 7),
        other(TYPE, 3, *b'hi\n', uart=dev == COM1), wr(dev, 1, 0x01), rd(dev, 2), rd(dev, 5),
        rd(dev, 0), rd(dev, 0), wr(dev, 0, ord('\n'), 4), other(ROUND_TRIP, dev),
        other(QUIESCE), other(RESET_ALL), rd(dev, 3)])


def pl031():
    ids = b''.join(rd(PL031, b, 4, END) for b in range(0, 32, 4))
    return ids + b''.join([
        wr(PL031, 0x08, 1_700_000_000, 4), rd(PL031, 0x00, 4), rd(PL031, 0x08, 4),
        wr(PL031, 0x04, 1_700_000_000, 4), wr(PL031, 0x10, 1, 4), rd(PL031, 0x14, 4),
        rd(PL031, 0x18, 4), other(ROUND_TRIP, PL031), wr(PL031, 0x1c, 1, 4),
        rd(PL031, 0x18, 4), wr(PL031, 0x04, 1_700_000_001, 4), other(LOOP),
        wr(PL031, 0x0c, 1, 4), rd(PL031, 0x0c, 4), rd(PL031, 0x02, 2), other(RESET_ALL)])


def cmos():
    every = b''.join(wr(CMOS, 0, i) + rd(CMOS, 1) for i in range(128))
    return every + b''.join([
        wr(CMOS, 0, 0x0b), wr(CMOS, 1, 0x82), wr(CMOS, 0, 0x00), wr(CMOS, 1, 0x59),
        wr(CMOS, 0, 0x04), wr(CMOS, 1, 0x23), wr(CMOS, 0, 0x07), wr(CMOS, 1, 0x31),
        wr(CMOS, 0, 0x08), wr(CMOS, 1, 0x02), wr(CMOS, 0, 0x32), wr(CMOS, 1, 0x20),
        wr(CMOS, 0, 0x0b), wr(CMOS, 1, 0x06), wr(CMOS, 0, 0x01), wr(CMOS, 1, 0xc0),
        wr(CMOS, 0, 0x0a), wr(CMOS, 1, 0x23), wr(CMOS, 0, 0x0b), wr(CMOS, 1, 0x72),
        other(LOOP), wr(CMOS, 0, 0x0c), rd(CMOS, 1), other(ROUND_TRIP, CMOS),
        wr(CMOS, 0, 0x8d), rd(CMOS, 1), rd(CMOS, 0), rd(CMOS, 1, 2), other(RESET_ALL)])


def com1_and_power():
    return b''.join([
        rep_out(COM1, 0, b'hello, port\n'), rd(COM1, 5), rd(COM1, 0x0f),
        rd(SLEEP, 0, 2), wr(SLEEP, 1, 0x8000, 2), wr(SLEEP, 0, 0x2000, 2),
        wr(RESET, 0, 0x02), wr(RESET, 0, 0x06), other(ROUND_TRIP, SLEEP),
        # Unmapped: a floating port, the GIC's reserved frames, a gap between devices.
        bytes([7 | 0x40, 0x80, 0x00]), bytes([7 | 2 << 3, 0x00, 0x00, 0x00, 0x08]),
        bytes([7 | 2 << 3, 0x00, 0x80, 0x00, 0x01])])


def loads():
    """State a snapshot could carry, then the guest on top of it."""
    uart_state = bytes([1, 0x0f, 0x03, 0x10, 0, 1, 0, 0xc1, 1, 2, 0x41, 0x42])
    # An RTC whose clock offset (in bounds) puts its date before year 0000:
    # the year and century read (once a negative year's BCD, found by this fuzzer).
    ram = bytearray(128)
    ram[0x0a], ram[0x0b], ram[0x0d] = 0x26, 0x02, 0x80
    rtc_state = bytes([1, 0x09]) + (-(1 << 38) + 1).to_bytes(8, 'little', signed=True) + \
        bytes([0, 0, 0, 1, 1, 0, 0]) + bytes(ram)
    return b''.join([
        other(LOAD, UART, len(uart_state)) + uart_state, rd(UART, 0), rd(UART, 2),
        other(LOAD, CMOS, 3, 1, 0, 0), rd(CMOS, 1),
        other(LOAD, CMOS, len(rtc_state)) + rtc_state, rd(CMOS, 1), wr(CMOS, 0, 0x32),
        rd(CMOS, 1)])


def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = {'uart': uart(UART), 'com1': uart(COM1), 'pl031': pl031(), 'cmos': cmos(),
             'com1-power': com1_and_power(), 'loads': loads()}
    for name, data in seeds.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1])
