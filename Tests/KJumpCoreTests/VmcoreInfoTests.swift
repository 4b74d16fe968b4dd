import Testing
@testable import KJumpCore

@Suite struct VmcoreInfoTests {
    @Test func parsesTheSample() throws {
        let info = VmcoreInfo(text: try fixtureText("vmcoreinfo-6.12-sample.txt"))
        #expect(info.malformedLines.isEmpty)
        #expect(info.other.isEmpty)
        #expect(info.osRelease == "6.12.117")
        #expect(info.buildID == "8c3be60830814d7b2aa48ecf11269e34cb31b132")
        #expect(info.pageSize == 4096)
        #expect(info.symbols["init_uts_ns"] == 0xffff_ffff_818c_76e0)
        #expect(info.symbols["swapper_pg_dir"] == info.symbols["init_top_pgt"])
        #expect(info.offsets["uts_namespace.name"] == 0)
        #expect(info.offsets["page._refcount"] == 52)
        #expect(info.sizes["page"] == 64)
        #expect(info.lengths["mem_section"] == 2048)
        #expect(info.lengths["zone.free_area"] == 11)
        #expect(info.numbers["PG_lru"] == 5)
        #expect(info.numbers["PAGE_BUDDY_MAPCOUNT_VALUE"] == -268_435_456)
        #expect(info.unsignedNumber("VMALLOC_START") == 0xffff_c900_0000_0000)
        #expect(info.numbers["VMALLOC_START"] == Int64(bitPattern: 0xffff_c900_0000_0000))
        #expect(info.physBase == 0)
        #expect(info.kernelOffset == 0)
        #expect(info.crashTime == nil)
    }

    @Test func kernelImageSymbolsTranslateWithoutKaslr() throws {
        let info = VmcoreInfo(text: try fixtureText("vmcoreinfo-6.12-sample.txt"))
        #expect(info.physicalAddress(ofKernelSymbol: "_stext") == 0x100_0000)
        #expect(info.physicalAddress(ofKernelSymbol: "init_uts_ns") == 0x18c_76e0)
        // mem_section is a pointer value in the direct map, not an image symbol.
        #expect(info.physicalAddress(ofKernelSymbol: "mem_section") == nil)
        #expect(info.physicalAddress(ofKernelSymbol: "no_such_symbol") == nil)
    }

    @Test func kernelImageSymbolsTranslateWithKaslr() {
        // As arch/x86/kernel/vmcore_info_64.c prints them on a randomised kernel.
        let info = VmcoreInfo(text: """
            SYMBOL(_stext)=ffffffff99a00000
            SYMBOL(vmemmap)=ffffe2f740000000
            NUMBER(phys_base)=308281344
            KERNELOFFSET=18a00000
            NUMBER(KERNEL_IMAGE_SIZE)=1073741824
            """)
        #expect(info.kernelOffset == 0x18a0_0000)
        #expect(info.physBase == 0x1260_0000)
        // __pa_symbol: 0xffffffff99a00000 - 0xffffffff80000000 + 0x12600000.
        #expect(info.physicalAddress(ofKernelSymbol: "_stext") == 0x2c00_0000)
        #expect(info.physicalAddress(ofKernelSymbol: "vmemmap") == nil)
        #expect(info.physicalAddress(ofKernelImageAddress: 0xffff_ffff_bfff_f000) == 0x3fff_f000 + 0x1260_0000)
        #expect(info.physicalAddress(ofKernelImageAddress: 0xffff_ffff_c000_0000) == nil)  // past KERNEL_IMAGE_SIZE
    }

    @Test func withoutPhysBaseNothingTranslates() {
        let info = VmcoreInfo(text: "SYMBOL(_stext)=ffffffff81000000\n")
        #expect(info.physicalAddress(ofKernelSymbol: "_stext") == nil)
    }

    @Test func crashTimeUnknownAndMalformedLines() {
        let info = VmcoreInfo(text: """
            CRASHTIME=1764201234
            CONFIG_KALLSYMS=y
            SYMBOL(broken)=not-hex
            NUMBER(huge)=99999999999999999999
            PAGESIZE=four
            no equals sign here
            NUMBER(negative)=-129

            """)
        #expect(info.crashTime == 1_764_201_234)
        #expect(info.other == ["CONFIG_KALLSYMS": "y"])
        #expect(info.malformedLines == ["SYMBOL(broken)=not-hex", "NUMBER(huge)=99999999999999999999",
                                        "PAGESIZE=four", "no equals sign here"])
        #expect(info.numbers == ["negative": -129])
        #expect(info.pageSize == nil)
        #expect(info.symbols.isEmpty)
    }

    /// Found by lab/fuzz (FuzzVmcoreInfo), minimized to `PAGESIZE=-6`: the
    /// value was kept, and MemMapLayout (like every reader that takes the
    /// page size as a UInt64) trapped on it. A page size is a positive power of two.
    @Test func aPageSizeThatIsNoPositivePowerOfTwoIsMalformed() throws {
        #expect(throws: PageFilterError.missing("SIZE(page)")) { try MemMapLayout(vmcoreInfo: VmcoreInfo(text: "PAGESIZE=-6")) }
        let sample = try fixtureText("vmcoreinfo-6.12-sample.txt").split(separator: "\n")
        for line in ["PAGESIZE=-6", "PAGESIZE=0", "PAGESIZE=4095"] {
            let info = VmcoreInfo(text: sample.map { $0 == "PAGESIZE=4096" ? line : String($0) }.joined(separator: "\n"))
            #expect(info.pageSize == nil)
            #expect(info.malformedLines == [line])
            #expect(try MemMapLayout(vmcoreInfo: info).pageSize == 4096)
        }
        #expect(VmcoreInfo(text: "PAGESIZE=65536").pageSize == 65536)
    }

    @Test func fromANoteDescriptorWithPadding() throws {
        let text = try fixtureText("vmcoreinfo-6.12-sample.txt")
        let info = VmcoreInfo(noteDescriptor: Array(text.utf8) + [0, 0, 0])
        #expect(info == VmcoreInfo(text: text))
    }

    @Test func fromTheNotesOfACoreFile() throws {
        let text = try fixtureText("vmcoreinfo-6.12-sample.txt")
        let file = makeCoreFile(noteSegments: [encodedNote(name: "CORE", type: 1, descriptor: ramp(336))
                                                + encodedNote(name: "VMCOREINFO", type: 0, descriptor: Array(text.utf8))],
                                loads: [])
        let core = try ElfCoreFile(parsing: ArrayByteSource(file))
        let info = try #require(VmcoreInfo(notes: core.notes))
        #expect(info.osRelease == "6.12.117")
        #expect(info.symbols.count == 17)
        #expect(VmcoreInfo(notes: [core.notes[0]]) == nil)
    }
}
