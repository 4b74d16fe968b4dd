extension KdumpCompressedHeader {
    /// Block 0: the main header, zero-padded to `blockSize` bytes.
    public func encodedHeaderBlock() -> [UInt8] {
        var out = ImageByteWriter(capacity: blockSize)
        out.put(KdumpCompressedFormat.signature)
        out.put(headerVersion)
        for field in utsname.fields {
            let bytes = Array(field.utf8.prefix(KdumpCompressedFormat.utsnameFieldSize - 1))
            out.put(bytes)
            out.zeros(KdumpCompressedFormat.utsnameFieldSize - bytes.count)
        }
        out.pad(toMultipleOf: 8)                       // struct timeval is 8-aligned: byte 408
        out.put(timestampSeconds)
        out.put(timestampMicroseconds)
        out.put(status.rawValue)
        out.put(Int32(blockSize))
        out.put(Int32(subHeaderBlocks))
        out.put(UInt32(bitmapBlocks))
        out.put(UInt32(min(maxMapnr, UInt64(UInt32.max))))
        out.put(totalRAMBlocks)
        out.put(deviceBlocks)
        out.put(writtenBlocks)
        out.put(currentCPU)
        out.put(cpuCount)
        precondition(out.count == KdumpCompressedFormat.headerSize)
        out.zeros(blockSize - out.count)
        return out.bytes
    }

    /// The sub-header's 104 bytes (the note area follows them directly).
    public func encodedSubHeader() -> [UInt8] {
        var out = ImageByteWriter(capacity: KdumpCompressedFormat.subHeaderSize)
        out.put(physBase)
        out.put(dumpLevel)
        out.put(split)
        // The 32-bit-era fields keep what fits, as makedumpfile does; the _64 copies hold the full values.
        out.put(min(startPFN, UInt64(UInt32.max)))
        out.put(min(endPFN, UInt64(UInt32.max)))
        out.put(vmcoreinfoOffset)
        out.put(vmcoreinfoSize)
        out.put(notesOffset)
        out.put(notesSize)
        out.put(eraseinfoOffset)
        out.put(eraseinfoSize)
        out.put(startPFN)
        out.put(endPFN)
        out.put(maxMapnr)
        precondition(out.count == KdumpCompressedFormat.subHeaderSize)
        return out.bytes
    }
}
