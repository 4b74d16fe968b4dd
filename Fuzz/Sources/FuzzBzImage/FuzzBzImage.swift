// Fuzzes the bzImage parser: BzImage(parsing:) and BzImage.parseHeader, then
// the boot parameters built from a header that parsed (they copy its setup
// header). Seeds: the first 20 KiB of the lab's system kernel.
import KJumpCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let image = try? BzImage(parsing: bytes) {
        if image.protectedModeKernel.count < image.protectedModeKernelSize { fatalError("the protected-mode kernel is cut short") }
        _ = image.loadMemorySize
    }
    guard let header = try? BzImage.parseHeader(bytes) else { return 0 }
    if header.payloadOffset > bytes.count { fatalError("the real-mode setup ends past the end of the file") }
    _ = header.protocolVersionText
    let parameters = try? BootParams.make(header: header, commandLineAddress: 0x1_0000_2000,
                                          e820: [E820Entry(address: 0, size: 0x9fc00, type: .usable)])
    if let parameters, parameters.count != BootParams.size { fatalError("boot parameters of \(parameters.count) bytes") }
    return 0
}
