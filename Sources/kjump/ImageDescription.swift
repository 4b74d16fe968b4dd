import KJumpCore

/// Text for `kjump inspect` and `kjump verify`.
enum ImageDescription {
    static func render(header: ImageHeader, state: ImageStateBlock?, summary: ImageSummary?) -> String {
        var lines = [
            "image      \(header.imageID) (format \(header.version), \(header.kind))",
            "created    \(header.createdAt) (unix seconds)",
            "kernel     \(header.systemKernel.osRelease), VMCOREINFO XXH3-128 \(header.systemKernel.vmcoreinfoXXH3)",
        ]
        if let state { lines.append("state      \(state.state)") }
        if header.reentryPoint != 0 { lines.append("re-entry   0x\(String(header.reentryPoint, radix: 16))") }
        if !header.hibernationRegion.ranges.isEmpty {
            lines.append("H region   " + header.hibernationRegion.ranges.map(\.description).joined(separator: " "))
        }
        lines.append("e820       \(header.firmwareMemoryMap.count) entries, XXH3 \(String(header.firmwareMemoryMapChecksum, radix: 16))")
        if let summary {
            let mib = { (bytes: UInt64) in String(format1(Double(bytes) / 1_048_576)) + " MiB" }
            lines += [
                "pages      \(summary.dataPages) data + \(summary.zeroPages) zero = \(mib(summary.memoryBytes)) of memory (\(summary.extentCount) extents)",
                "frames     \(summary.frameCount) (\(summary.rawFrameCount) stored raw), \(summary.compression)",
                "size       \(mib(summary.storedBytes)) stored for \(mib(summary.uncompressedBytes)) of data (ratio \(format1(summary.compressionRatio * 100))%), image \(mib(summary.imageBytes))",
            ]
        }
        for note in header.notes {
            let value = note.key == ImageNote.vmcoreinfoKey ? "(\(note.value.utf8.count) bytes of VMCOREINFO)" : note.value
            lines.append("note       \(note.key)=\(value)")
        }
        return lines.joined(separator: "\n")
    }

    /// `value` with one decimal.
    static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
