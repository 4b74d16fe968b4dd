import Foundation
import Testing
@testable import KJumpCore
#if canImport(Glibc)
import Glibc
#endif

/// The lab's real vmcore (`lab/vmcore` makes it; it is not committed).
let realVmcoreDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("lab/out/vmcore")
let realVmcorePath = realVmcoreDirectory.appendingPathComponent("vmcore.elf").path
let realVmcoreExists = FileManager.default.fileExists(atPath: realVmcorePath)

/// A `ByteSource` over a file, read with `pread(2)` (KJumpCore has no file I/O).
final class VmcoreFileByteSource: ByteSource {
    let descriptor: Int32
    let size: UInt64

    init(path: String) throws {
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        var status = stat()
        fstat(descriptor, &status)
        size = UInt64(status.st_size)
    }

    deinit { close(descriptor) }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                guard got > 0 else { throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size) }
                done += got
            }
            initialized = count
        }
    }
}

/// The real vmcore opened: ELF, VMCOREINFO, memory, address space, and the
/// guest's /proc/meminfo taken just before the dump.
struct RealVmcore {
    let memory: ElfCoreMemory
    let info: VmcoreInfo
    let space: KernelAddressSpace
    let meminfo: [String: UInt64]
    let openSeconds: Double

    static func open() throws -> RealVmcore {
        let clock = ContinuousClock()
        let start = clock.now
        let source = try VmcoreFileByteSource(path: realVmcorePath)
        let core = try ElfCoreFile(parsing: source)
        let info = try #require(VmcoreInfo(notes: core.notes), "the vmcore has no VMCOREINFO note")
        let memory = ElfCoreMemory(core: core, source: source)
        let space = try KernelAddressSpace(vmcoreInfo: info, memory: memory)
        let elapsed = clock.now - start
        var meminfo: [String: UInt64] = [:]
        let text = (try? String(contentsOf: realVmcoreDirectory.appendingPathComponent("meminfo.txt"), encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let value = UInt64(fields[1]) { meminfo[String(fields[0].dropLast())] = value }
        }
        return RealVmcore(memory: memory, info: info, space: space, meminfo: meminfo,
                          openSeconds: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
    }

    /// The kernel's own count of free pages at dump time: the sum of
    /// `zone->vm_stat[NR_FREE_PAGES]` over `contig_page_data`'s zones (no NUMA).
    func zoneFreePages() throws -> UInt64? {
        guard let node = info.symbols["contig_page_data"],
              let zones = info.offsets["pglist_data.node_zones"],
              let nrZones = info.offsets["pglist_data.nr_zones"],
              let zoneSize = info.sizes["zone"],
              let vmStat = info.offsets["zone.vm_stat"],
              let index = info.numbers["NR_FREE_PAGES"] else { return nil }
        let count = try space.read(virtualAddress: node + nrZones, count: 4)
        let zoneCount = UInt64(LittleEndianBytes.load(UInt32.self, from: count, at: 0))
        var total: Int64 = 0
        for zone in 0..<zoneCount {
            let address = node + zones + zone * zoneSize + vmStat + UInt64(index) * 8
            total += Int64(bitPattern: try space.readUInt64LE(virtualAddress: address))
        }
        return UInt64(max(total, 0))
    }
}

func elapsedSeconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

@Suite(.enabled(if: realVmcoreExists, "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
struct PagingRealVmcoreTests {
    @Test func initUtsNameReadsTheSameThroughEveryMapping() throws {
        let vmcore = try RealVmcore.open()
        let release = try #require(vmcore.info.osRelease)
        let symbol = try #require(vmcore.info.symbols["init_uts_ns"])
        // struct new_utsname: sysname[65], nodename[65], release[65], ...
        let releaseAddress = symbol + (vmcore.info.offsets["uts_namespace.name"] ?? 0) + 130
        let space = vmcore.space

        // 1. The kernel-image mapping by arithmetic (phys_base).
        let imagePhysical = try #require(vmcore.info.physicalAddress(ofKernelSymbol: "init_uts_ns")) + 130
        #expect(try vmcore.memory.readCString(at: imagePhysical) == release)
        // 2. The same virtual address through init_top_pgt.
        let walked = try space.walker.translate(releaseAddress)
        #expect(walked.physicalAddress == imagePhysical)
        // 3. The direct-map alias, through the page tables too.
        let alias = space.directMapAddress(ofPhysical: imagePhysical)
        let aliasWalked = try space.walker.translate(alias)
        #expect(aliasWalked.physicalAddress == imagePhysical)
        #expect(try space.readCString(virtualAddress: alias) == release)
        #expect(try space.readCString(virtualAddress: releaseAddress) == release)
        print("paging: OSRELEASE \(release); init_uts_ns.name.release \(HexText.number(releaseAddress)) -> \(HexText.number(imagePhysical)) (\(walked.pageSize) page); direct map \(HexText.number(alias)) (\(aliasWalked.pageSize) page); page_offset_base \(HexText.number(space.directMapBase)), vmemmap \(space.vmemmapBase.map { HexText.number($0) } ?? "none"), \(space.walker.levels) levels, phys_base \(HexText.number(space.physBase)); open \(String(format: "%.3f", vmcore.openSeconds)) s")
    }

    @Test func theDirectMapBaseAgreesWithADirectMapPointer() throws {
        let vmcore = try RealVmcore.open()
        // SYMBOL(mem_section) is the value of the pointer (SPARSEMEM_EXTREME):
        // memblock memory, so a direct-map address.
        let pointer = try #require(vmcore.info.symbols["mem_section"])
        #expect(vmcore.space.region(of: pointer) == .directMap)
        #expect(try vmcore.space.walker.physicalAddress(of: pointer) == pointer - vmcore.space.directMapBase)
        // The lab kernel has no memory KASLR (CONFIG_RANDOMIZE_BASE=n).
        #expect(vmcore.space.directMapBase == KernelAddressSpace.directMapBaseL4)
        // vmemmap of PFN 0x1000 is mapped (SPARSEMEM_VMEMMAP).
        let structPage = try vmcore.space.structPageAddress(ofPFN: 0x1000, structPageSize: 64)
        #expect(try vmcore.space.walker.translate(structPage).pageSize != .size1G)
    }
}

@Suite(.enabled(if: realVmcoreExists, "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
struct FilterRealVmcoreTests {
    @Test func freePagesMatchTheKernelsCounters() throws {
        let vmcore = try RealVmcore.open()
        let scanner = try MemMapScanner(vmcoreInfo: vmcore.info, addressSpace: vmcore.space)
        let clock = ContinuousClock()
        let start = clock.now
        let result = try scanner.classify(ramRanges: vmcore.memory.ranges)
        let elapsed = elapsedSeconds(clock.now - start)
        let pages = result.counts.total
        let memMapMB = Double(pages) * Double(scanner.layout.structPageSize) / 1e6
        print("filter: \(pages) page frames classified in \(String(format: "%.3f", elapsed)) s: mem_map \(String(format: "%.1f", memMapMB / elapsed)) MB/s, \(String(format: "%.0f", Double(pages) / elapsed)) pages/s; \(result.runs.count) runs")
        print("filter: by class: \(result.counts)")
        for level in [DumpLevel.free, .hibernationDefault, .crashDefault] {
            print("filter: -d \(level.rawValue) excludes \(result.counts.excluded(at: level)) pages by class (zero pages not counted), \(result.excludedRanges(at: level).count) ranges")
        }

        let free = result.counts[.free]
        // The kernel's counter at the moment of the dump.
        if let zoneFree = try vmcore.zoneFreePages() {
            print("filter: free (buddy) \(free) pages; zone NR_FREE_PAGES \(zoneFree); difference \(Int64(free) - Int64(zoneFree))")
            // vm_stat lags by the per-CPU deltas not yet folded (stat_threshold per CPU and zone).
            #expect(abs(Int64(free) - Int64(zoneFree)) <= 256)
        }
        // The guest's MemFree, read a few seconds before the dump.
        if let memFreeKiB = vmcore.meminfo["MemFree"] {
            let memFree = memFreeKiB / 4
            print("filter: guest MemFree \(memFreeKiB) kB = \(memFree) pages; difference \(Int64(free) - Int64(memFree)) pages")
            #expect(abs(Int64(free) - Int64(memFree)) <= Int64(memFree / 200))
        }
        // The workload's 256 MiB of anonymous memory (65536 pages) is user data.
        if let anon = vmcore.meminfo["AnonPages"] {
            print("filter: user \(result.counts[.user]) pages; guest AnonPages \(anon / 4) pages")
            #expect(result.counts[.user] >= 65536)
        }
        #expect(result.counts[.unknown] > 0)   // QEMU's VGA and BIOS ranges have no struct page
        try writeReportIfAsked(result, vmcore: vmcore)
    }

    @Test func chunkSizeDoesNotChangeTheResult() throws {
        let vmcore = try RealVmcore.open()
        let ranges = vmcore.memory.ranges
        let big = try MemMapScanner(vmcoreInfo: vmcore.info, addressSpace: vmcore.space).classify(ramRanges: ranges)
        let small = try MemMapScanner(vmcoreInfo: vmcore.info, addressSpace: vmcore.space, pagesPerRead: 1000)
            .classify(ramRanges: ranges)
        #expect(big == small)
    }

    /// With `KJUMP_FILTER_REPORT=<path>`, writes every non-kept run and every
    /// zero page (among pages level 31 keeps) as `class first_pfn count`
    /// lines, for comparing with makedumpfile's bitmaps.
    func writeReportIfAsked(_ result: PageClassification, vmcore: RealVmcore) throws {
        guard let path = ProcessInfo.processInfo.environment["KJUMP_FILTER_REPORT"] else { return }
        var lines = result.runs.map { "\($0.pageClass.rawValue) \($0.firstPFN) \($0.count)" }
        let clock = ContinuousClock()
        let start = clock.now
        var zeroPages: UInt64 = 0
        var scanned: UInt64 = 0
        for range in result.pfnRanges {
            var pfn = range.lowerBound
            while pfn < range.upperBound {
                let count = min(1024, range.upperBound - pfn)
                let bytes = try vmcore.memory.read(physicalAddress: pfn * 4096, count: Int(count) * 4096)
                scanned += count
                bytes.withUnsafeBytes { raw in
                    for index in 0..<Int(count) {
                        let page = pfn + UInt64(index)
                        guard let pageClass = result.pageClass(ofPFN: page), !DumpLevel.crashDefault.excludes(pageClass) else { continue }
                        if isZeroPage(UnsafeRawBufferPointer(rebasing: raw[index * 4096..<(index + 1) * 4096])) {
                            lines.append("z \(page) 1")
                            zeroPages += 1
                        }
                    }
                }
                pfn += count
            }
        }
        let elapsed = elapsedSeconds(clock.now - start)
        print("filter: zero pages among those -d 31 keeps by class: \(zeroPages); \(scanned) pages read and tested in \(String(format: "%.2f", elapsed)) s (\(String(format: "%.0f", Double(scanned) * 4096 / 1e6 / elapsed)) MB/s)")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
