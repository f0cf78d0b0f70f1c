#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed inputs for tests/fuzz/fuzz_json.c: the control socket's requests
as clients send them (each command, a snapshot with its arguments), and
objects that reach every kind of member and escape, so libFuzzer mutates
from text the parser accepts (an empty corpus rarely finds a whole one)."""
import os
import sys

SEEDS = {
    'status': '{"cmd":"status"}\n',
    'pause': '{"cmd":"pause"}',
    'resume': '{"cmd":"resume"}',
    'stop': '{"cmd":"stop"}',
    'snapshot': '{"cmd":"snapshot","path":"/tmp/s.kvs","force":true}',
    # Every type, whitespace everywhere.
    'types': ' \t\r\n{ "a" : 0 , "b":-12,"c":false,"d":null,"e":""}\n ',
    'limits': '{"max":9223372036854775807,"min":-9223372036854775808}',
    'escapes': '{"s":"q\\" b\\\\ s\\/ \\b\\f\\n\\r\\t","u":"\\u0041\\u00e9\\u20AC\\ud83d\\ude00"}',
    'utf8': '{"\u00e9\u20ac":"\U0001f600\U0010ffff"}',
    'sixteen': '{' + ','.join('"%c":%d' % (ord('a') + i, i) for i in range(16)) + '}',
    'empty': '{}',
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, text in SEEDS.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(text.encode('utf-8'))


if __name__ == '__main__':
    main(sys.argv[1])
