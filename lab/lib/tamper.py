#!/usr/bin/env python3
"""Damages a kjump image in place, as an attacker with the disk would, for the
`tamper` scenario. The layout is docs/image-format.md's; this reads only
what it needs (header length, state block, trailer, index).

    tamper.py IMAGE header|middle-frame|last-frame|trailer [--forge]
    tamper.py IMAGE truncate-frame
    tamper.py IMAGE swap-frames
    tamper.py IMAGE splice OTHER-IMAGE

--forge recomputes every XXH3 checksum the change broke (frame header,
index entry, index, chain, trailer, header, state block), so that only
the image's cryptographic seal can tell. Prints what it did, one line.
"""
import struct
import sys

import xxhash

BLOCK = 4096


def roundup(value):
    return (value + BLOCK - 1) // BLOCK * BLOCK


def u64(data, offset):
    return struct.unpack_from("<Q", data, offset)[0]


def xxh3(data):
    return xxhash.xxh3_64_intdigest(bytes(data))


class Image:
    def __init__(self, data):
        self.data = data
        self.header_length = struct.unpack_from("<I", data, 12)[0]
        self.frames_offset = 8192 + roundup(max(self.header_length - BLOCK, 0))
        self.length = u64(data, BLOCK + 48)
        self.trailer = self.length - BLOCK
        self.index_offset = u64(data, self.trailer + 64)
        self.index_length = u64(data, self.trailer + 72)
        extents = u64(data, self.index_offset + 8)
        count = u64(data, self.index_offset + 16)
        self.frame_table = self.index_offset + 32 + 24 * extents
        self.frames = []
        for number in range(count):
            entry = self.frame_table + 56 * number
            offset = u64(data, entry)
            stored = struct.unpack_from("<I", data, entry + 28)[0]
            self.frames.append((offset, stored, roundup(64 + stored)))

    def header_byte(self, index):
        """The file offset of header byte `index`: a header longer than a block
        goes on after the state block (bytes 4096.. at 8192..)."""
        return index if index < BLOCK else 2 * BLOCK + index - BLOCK

    def header_bytes(self):
        data = self.data
        if self.header_length <= BLOCK:
            return bytearray(data[0:self.header_length])
        return bytearray(data[0:BLOCK] + data[2 * BLOCK:2 * BLOCK + self.header_length - BLOCK])

    def forge(self):
        """Every XXH3 checksum recomputed over the bytes as they are now."""
        data = self.data
        header = self.header_bytes()
        struct.pack_into("<Q", header, 16, 0)
        header_checksum = xxh3(header)
        struct.pack_into("<Q", data, 16, header_checksum)
        chain = bytearray(struct.pack("<Q", header_checksum))
        for number, (offset, stored, _) in enumerate(self.frames):
            checksum = xxh3(data[offset + 64:offset + 64 + stored])
            struct.pack_into("<Q", data, offset + 56, checksum)
            entry = self.frame_table + 56 * number
            struct.pack_into("<Q", data, entry + 48, checksum)
            chain += data[entry + 40:entry + 48] + struct.pack("<Q", checksum)
        state = BLOCK
        struct.pack_into("<Q", data, state + 40, header_checksum)
        struct.pack_into("<Q", data, state + 8, 0)
        struct.pack_into("<Q", data, state + 8, xxh3(data[state:state + BLOCK]))
        trailer = self.trailer
        struct.pack_into("<Q", data, trailer + 32, header_checksum)
        struct.pack_into("<Q", data, trailer + 40, xxh3(chain))
        struct.pack_into("<Q", data, trailer + 80,
                         xxh3(data[self.index_offset:self.index_offset + self.index_length]))
        struct.pack_into("<Q", data, trailer + 8, 0)
        struct.pack_into("<Q", data, trailer + 8, xxh3(data[trailer:trailer + BLOCK]))


def main():
    path, what = sys.argv[1], sys.argv[2]
    forge = "--forge" in sys.argv[3:]
    with open(path, "rb") as f:
        data = bytearray(f.read())
    image = Image(data)
    frames = image.frames
    if what == "header":
        # A byte of the last record (a note): the header still parses.
        offset = image.header_byte(image.header_length - 9)
        data[offset] ^= 0x40
        done = f"flipped header byte {offset}"
    elif what in ("middle-frame", "last-frame"):
        number = len(frames) // 2 if what == "middle-frame" else len(frames) - 1
        offset = frames[number][0] + 64 + frames[number][1] // 2
        data[offset] ^= 0x40
        done = f"flipped byte {offset} in frame {number} of {len(frames)}"
    elif what == "trailer":
        offset = image.trailer + 88   # the frame count
        data[offset] ^= 0x01
        done = f"flipped the trailer's frame count at byte {offset}"
    elif what == "truncate-frame":
        start = frames[-1][0]
        data[start:] = bytes(len(data) - start)
        done = f"zeroed the image from its last frame at byte {start} on (the image, cut by one frame)"
        forge = False
    elif what == "swap-frames":
        pairs = [(a, b) for a in range(1, len(frames)) for b in range(a + 1, len(frames))
                 if frames[a][2] == frames[b][2]]
        a, b = pairs[0] if pairs else (1, 2)
        (oa, _, la), (ob, _, lb) = frames[a], frames[b]
        length = min(la, lb)
        first, second = bytes(data[oa:oa + length]), bytes(data[ob:ob + length])
        data[oa:oa + length], data[ob:ob + length] = second, first
        done = f"swapped frames {a} and {b} ({length} bytes each)"
    elif what == "splice":
        with open(sys.argv[3], "rb") as f:
            other = Image(bytearray(f.read()))
        number = next((n for n in range(1, min(len(frames), len(other.frames)))
                       if frames[n][2] == other.frames[n][2]), 1)
        (offset, _, length), (source, _, other_length) = frames[number], other.frames[number]
        length = min(length, other_length)
        data[offset:offset + length] = other.data[source:source + length]
        done = f"spliced frame {number} of the other image over frame {number} ({length} bytes)"
        forge = "--forge" in sys.argv[4:]
    else:
        sys.exit(f"tamper.py: unknown change {what}")
    if forge:
        image.forge()
        done += ", every XXH3 checksum forged"
    with open(path, "r+b") as f:
        f.write(data)
    print(f"tamper: {path}: {done}")


if __name__ == "__main__":
    main()
