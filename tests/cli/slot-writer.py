#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# slot-writer.py DEVICE READY: rewrite a counter in the last host table
# slot of DEVICE without pause (as a host's heartbeat does once a second),
# touch READY after the first write, stop when killed or when the parent
# test exits; the slot is zero again at the end. Its magic stays zero, so
# the slot belongs to no host (famfs(5) Host table).
import mmap
import os
import signal
import struct
import sys

device, ready = sys.argv[1], sys.argv[2]
fd = os.open(device, os.O_RDWR)
area = mmap.mmap(fd, 2 << 20)
table, slots, slot_size = struct.unpack_from('<QII', area, 128)
if not slots:
    sys.exit('%s: no host table (format version 1)' % device)
# the heartbeat time field of the last slot
where = table + (slots - 1) * slot_size + 192
stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
parent = os.getppid()
count = 0
while not stop:
    count += 1
    struct.pack_into('<Q', area, where, count)
    if count == 1:
        open(ready, 'w').close()
    if count % 4096 == 0 and os.getppid() != parent:
        break
struct.pack_into('<Q', area, where, 0)
area.close()
