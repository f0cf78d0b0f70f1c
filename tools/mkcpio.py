#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write a newc cpio archive of a directory tree, plus /dev/console.

The emulated host's kernel needs a /dev/console node (char 5:1) for early
output; creating one with mknod needs privileges, so the archive is written
here directly: every file and directory under ROOT owned by root, and the
device node added as an archive entry.
Usage: mkcpio.py ROOT OUTPUT
"""
import os
import stat
import sys


def header(name, mode, size=0, nlink=1, rdev=(0, 0), ino=0):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    data = hdr + name.encode() + b"\0"
    return data + b"\0" * (-len(data) % 4)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkcpio.py ROOT OUTPUT")
    root, output = sys.argv[1], sys.argv[2]
    ino = 1
    with open(output, "wb") as out:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in [""] + sorted(dirnames + filenames) if dirpath == root \
                    else sorted(dirnames + filenames):
                if dirpath == root and name == "":
                    continue
                path = os.path.join(dirpath, name)
                arc = os.path.relpath(path, root)
                st = os.lstat(path)
                ino += 1
                if stat.S_ISDIR(st.st_mode):
                    out.write(header(arc, stat.S_IFDIR | 0o755, nlink=2, ino=ino))
                elif stat.S_ISLNK(st.st_mode):
                    target = os.readlink(path).encode()
                    out.write(header(arc, stat.S_IFLNK | 0o777, len(target), ino=ino))
                    out.write(target + b"\0" * (-len(target) % 4))
                else:
                    with open(path, "rb") as f:
                        data = f.read()
                    out.write(header(arc, stat.S_IFREG | (st.st_mode & 0o777),
                                     len(data), ino=ino))
                    out.write(data + b"\0" * (-len(data) % 4))
        ino += 1
        out.write(header("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1), ino=ino))
        out.write(header("TRAILER!!!", 0, ino=0))


if __name__ == "__main__":
    main()
