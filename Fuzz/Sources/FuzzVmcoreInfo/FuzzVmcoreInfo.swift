// Fuzzes the VMCOREINFO parser (the input as the note's descriptor) and
// the layouts kjump derives from its numbers: the printk ring buffer's
// (`kjump dmesg`) and struct page's (page filtering), and the physical
// addresses of its kernel-image symbols.
// Seeds: Tests/KJumpCoreTests/Fixtures/vmcoreinfo-6.12-sample.txt.
import KJumpCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVmcoreInfo(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let info = VmcoreInfo(noteDescriptor: Array(UnsafeBufferPointer(start: data, count: size)))
    for name in info.symbols.keys.sorted().prefix(64) {
        _ = info.physicalAddress(ofKernelSymbol: name)
    }
    _ = info.unsignedNumber("VMALLOC_START")
    _ = try? PrintkRingBufferLayout(vmcoreInfo: info)
    _ = try? MemMapLayout(vmcoreInfo: info)
    return 0
}
