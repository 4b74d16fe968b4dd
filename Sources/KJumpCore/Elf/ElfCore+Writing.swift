/// Writes ELF64 x86-64 core headers.
public enum ElfCoreWriter {
    /// The ELF core *header* a kexec loader hands to a capture kernel with
    /// `elfcorehdr=`, built as the kernel's `crash_prepare_elf64_headers()`
    /// (kernel/crash_core.c) builds it: the ELF header, then one `PT_NOTE`
    /// per entry of `notes`, then one `PT_LOAD` per entry of `loads`, and no
    /// data. The capture kernel's `/proc/vmcore` reads the data from old memory.
    ///
    /// In this convention `p_offset` is the *physical address* of the data:
    /// - `PT_NOTE`: `p_offset = p_paddr` = address of the note bytes,
    ///   `p_filesz = p_memsz = size` (the kernel trims `p_memsz` to the notes
    ///   it finds before the first header with `n_namesz == 0`);
    /// - `PT_LOAD`: `p_offset = p_paddr = start`, `p_filesz = p_memsz = size`,
    ///   flags `RWX`, `p_align = 0`.
    ///
    /// `p_vaddr` is 0 everywhere. The kernel writes the direct-map address
    /// (`__va(start)`), but with KASLR H cannot know A's randomised
    /// `page_offset_base`, and kjump addresses A's memory only physically;
    /// `/proc/vmcore` passes `p_vaddr` through untouched.
    ///
    /// The result is not padded; `e_phnum` must stay below `PN_XNUM` (0xffff).
    public static func vmcoreHeader(loads: [PhysicalRange], notes: [(physicalAddress: UInt64, size: UInt64)]) -> [UInt8] {
        var headers: [ElfProgramHeader] = notes.map { note in
            ElfProgramHeader(type: ElfProgramHeader.note, offset: note.physicalAddress,
                             physicalAddress: note.physicalAddress, fileSize: note.size, memorySize: note.size)
        }
        headers += loads.map { range in
            ElfProgramHeader(type: ElfProgramHeader.load, flags: ElfProgramHeader.readWriteExecute,
                             offset: range.start, physicalAddress: range.start,
                             fileSize: range.size, memorySize: range.size)
        }
        return encode(programHeaders: headers)
    }

    /// An `ET_CORE` ELF header for x86-64 followed directly by `programHeaders`.
    static func encode(programHeaders: [ElfProgramHeader]) -> [UInt8] {
        precondition(programHeaders.count < Int(ElfFileHeader.extendedNumbering),
                     "an ELF core header holds fewer than 65535 program headers")
        var out: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]   // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE
        out += [UInt8](repeating: 0, count: 8)                     // EI_ABIVERSION and padding
        LittleEndianBytes.append(ElfFileHeader.typeCore, to: &out)
        LittleEndianBytes.append(ElfFileHeader.machineX86_64, to: &out)
        LittleEndianBytes.append(ElfFileHeader.currentVersion, to: &out)
        LittleEndianBytes.append(UInt64(0), to: &out)                          // e_entry
        LittleEndianBytes.append(UInt64(ElfFileHeader.size), to: &out)         // e_phoff
        LittleEndianBytes.append(UInt64(0), to: &out)                          // e_shoff
        LittleEndianBytes.append(UInt32(0), to: &out)                          // e_flags
        LittleEndianBytes.append(UInt16(ElfFileHeader.size), to: &out)         // e_ehsize
        LittleEndianBytes.append(UInt16(ElfProgramHeader.size), to: &out)      // e_phentsize
        LittleEndianBytes.append(UInt16(programHeaders.count), to: &out)       // e_phnum
        LittleEndianBytes.append(UInt16(0), to: &out)                          // e_shentsize
        LittleEndianBytes.append(UInt16(0), to: &out)                          // e_shnum
        LittleEndianBytes.append(UInt16(0), to: &out)                          // e_shstrndx
        for header in programHeaders {
            LittleEndianBytes.append(header.type, to: &out)
            LittleEndianBytes.append(header.flags, to: &out)
            LittleEndianBytes.append(header.offset, to: &out)
            LittleEndianBytes.append(header.virtualAddress, to: &out)
            LittleEndianBytes.append(header.physicalAddress, to: &out)
            LittleEndianBytes.append(header.fileSize, to: &out)
            LittleEndianBytes.append(header.memorySize, to: &out)
            LittleEndianBytes.append(header.align, to: &out)
        }
        return out
    }
}

extension ElfCoreWriter {
    /// Where each part of a standard ELF core *file* goes (the kind of
    /// vmcore that crash(8) and makedumpfile read): the ELF header, one
    /// `PT_NOTE` holding `notes` right after the program headers, then the
    /// data of each `PT_LOAD`, page aligned, in the order of `loads`.
    public struct CoreFileLayout: Sendable, Equatable {
        /// ELF header, program headers and notes: the file's first bytes.
        public var prefix: [UInt8]
        /// File offset of each load's first byte, in the order of `loads`.
        public var loadOffsets: [UInt64]
        /// The whole file's size.
        public var fileSize: UInt64
    }

    /// Lays out a core file whose `PT_LOAD`s hold `loads` (physical ranges,
    /// `p_offset` = file offset, `p_vaddr` = 0) and whose `PT_NOTE` holds the
    /// already encoded `notes` (see `ElfNoteEncoding`).
    public static func coreFileLayout(loads: [PhysicalRange], notes: [UInt8], pageSize: UInt64 = 4096) -> CoreFileLayout {
        let headerBytes = UInt64(ElfFileHeader.size + ElfProgramHeader.size * (loads.count + 1))
        var offset = (headerBytes + UInt64(notes.count) + pageSize - 1) / pageSize * pageSize
        var loadOffsets: [UInt64] = []
        var headers = [ElfProgramHeader(type: ElfProgramHeader.note, offset: headerBytes, physicalAddress: 0,
                                        fileSize: UInt64(notes.count), memorySize: UInt64(notes.count))]
        for range in loads {
            loadOffsets.append(offset)
            headers.append(ElfProgramHeader(type: ElfProgramHeader.load, flags: ElfProgramHeader.readWriteExecute,
                                            offset: offset, physicalAddress: range.start,
                                            fileSize: range.size, memorySize: range.size))
            offset += (range.size + pageSize - 1) / pageSize * pageSize
        }
        return CoreFileLayout(prefix: encode(programHeaders: headers) + notes, loadOffsets: loadOffsets, fileSize: offset)
    }
}
