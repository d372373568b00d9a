#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""How the fixed entry vectors in test_log.c were computed: straight from
the layout in famfs(5), with a bitwise CRC32C written here, sharing no
code or length arithmetic with lib/. Run it to print them again."""
import struct
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff
assert crc32c(b"123456789") == 0xE3069283
def pad8(b): return b + b"\0" * (-len(b) % 8)
def entry(typ, flags, seq, time, payload, seed=b""):
    body = struct.pack("<IHHQQ", 0, typ, flags, seq, time) + payload
    body = pad8(b"\0"*8 + body[0:])  # placeholder magic+crc
    body = bytearray(body)
    struct.pack_into("<I", body, 8, len(body))
    struct.pack_into("<I", body, 0, 0x544E4546)
    struct.pack_into("<I", body, 4, crc32c(seed + bytes(body[8:])))
    return bytes(body)
# mkdir: mode@32 uid@36 gid@40 pathlen@44 path@48
# version 1: times in seconds, CRCs unseeded; version 2: times in ns,
# CRCs seeded with the filesystem UUID (bytes a5 01 02 .. 0f here)
uuid = bytes([0xa5] + list(range(1, 16)))
path=b"dir"
mkp = struct.pack("<IIIH2x", 0o40755, 1000, 100, len(path)) + path
mk = entry(1, 0, 1, 1700000000, mkp)
mk2 = entry(1, 0, 1, 1700000000123456789, mkp, uuid)
# file: size@32 mode@40 uid@44 gid@48 next@52 nstrips@56 nbuckets@60 chunk@64 pathlen@72 (pad to 80) extents@80 path
path=b"dir/f"
ext=[(10<<20, 2<<20),(14<<20, 4<<20)]
fp = struct.pack("<QIIIIIIQH6x", 5<<20, 0o100644, 1000, 100, len(ext), 0, 0, 0, len(path))
fp += b"".join(struct.pack("<QQ", o, l) for o,l in ext) + path
fi = entry(2, 0, 2, 1700000001, fp)
fi2 = entry(2, 0, 2, 1700000001000000001, fp, uuid)
for name, e in (("mkdir", mk), ("file", fi), ("mkdir v2", mk2),
                ("file v2", fi2)):
    print(name, len(e), hex(struct.unpack_from("<I", e, 4)[0]))
    print(", ".join(f"0x{b:02x}" for b in e))
# the version 2 tail word of tail 8192: CRC32C(UUID || le32 tail) << 32 | tail
print("tail word v2 8192", hex(crc32c(uuid + struct.pack("<I", 8192)) << 32 | 8192))
