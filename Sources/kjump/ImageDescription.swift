import KJumpCore

/// Text for `kjump inspect` and `kjump verify`.
enum ImageDescription {
    static func render(header: ImageHeader, state: ImageStateBlock?, summary: ImageSummary?) -> String {
        var lines = [
            "image      \(header.imageID) (format \(header.version), \(header.kind))",
            "created    \(UTCTimeText.text(unixSeconds: header.createdAt)) (unix \(header.createdAt))",
            "kernel     \(header.systemKernel.osRelease), VMCOREINFO XXH3-128 \(header.systemKernel.vmcoreinfoXXH3)",
        ]
        if let sealing = header.sealing {
            lines.append("sealed     AES-256-GCM frames, to resume key \(sealing.recipient) by hibernation key \(sealing.sender)")
        }
        if let state {
            lines.append("state      \(state.state)" + (state.failure.map { " (given up: \($0))" } ?? ""))
            if let times = HibernationKernelTimes.text(savedInMilliseconds: state.savedInMilliseconds,
                                                       restoredInMilliseconds: state.restoredInMilliseconds) {
                lines.append("timings    \(times) (the hibernation kernel's run time at the commit, at the restore's end)")
            }
        }
        if header.reentryPoint != 0 { lines.append("re-entry   \(HexText.number(header.reentryPoint))") }
        if !header.hibernationRegion.ranges.isEmpty {
            lines.append("H region   " + header.hibernationRegion.ranges.map(\.description).joined(separator: " "))
        }
        lines.append("e820       \(header.firmwareMemoryMap.count) entries, XXH3 \(String(header.firmwareMemoryMapChecksum, radix: 16))")
        if let summary {
            let mib = { (bytes: UInt64) in String(format1(Double(bytes) / 1_048_576)) + " MiB" }
            lines += [
                "pages      \(summary.dataPages) data + \(summary.zeroPages) zero = \(mib(summary.memoryBytes)) of memory (\(summary.extentCount) extents)",
                "frames     \(summary.frameCount) (\(summary.rawFrameCount) stored raw), \(summary.compression)",
                summary.isPartial ? "partial    \(summary.missingPages) pages are missing: the target was full (a partial dump)" : nil,
                "size       \(mib(summary.storedBytes)) stored for \(mib(summary.uncompressedBytes)) of data (ratio \(format1(summary.compressionRatio * 100))%), image \(mib(summary.imageBytes))",
            ].compactMap { $0 }
        }
        for note in header.notes {
            let value = switch note.key {
            case ImageNote.vmcoreinfoKey: "(\(note.value.utf8.count) bytes of VMCOREINFO)"
            case ImageNote.elfNotesKey: describeElfNotes(header.elfNoteBytes)
            default: note.value
            }
            lines.append("note       \(note.key)=\(value)")
        }
        return lines.joined(separator: "\n")
    }

    /// The dump's ELF notes in a few words: how many, and each CPU's task
    /// (`NT_PRSTATUS` pr_pid; 0 is the idle task) and instruction pointer.
    static func describeElfNotes(_ bytes: [UInt8]) -> String {
        guard let notes = try? ElfNote.parseSegment(bytes, at: 0) else { return "(\(bytes.count) bytes, malformed)" }
        let cpus = notes.filter { $0.name == "CORE" && $0.type == PrStatus.noteType }.compactMap { PrStatus(descriptor: $0.descriptor) }
        var text = "\(notes.count) notes"
        if !cpus.isEmpty {
            text += "; registers of \(cpus.count) CPUs: "
                + cpus.map { "pid \($0.pid) rip \(HexText.number($0.instructionPointer))" }.joined(separator: ", ")
        }
        return text
    }

    /// `value` with one decimal.
    static func format1(_ value: Double) -> String { DecimalText.oneDecimal(value) }

    /// `value` with two decimals ("0.07").
}
