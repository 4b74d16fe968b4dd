// Fuzzes what kjump reads of keys from files and images an attacker may
// write: the resume key file (both protections; a passphrase is tried on
// the argon2id kind, with the file's parameters bounded by the parser), the
// hibernation key file, kjump's note fields that carry the hibernation key
// to H, and a sealed image header's sealing record (record 6).
// Seeds: key files made by `kjump keygen` (Fuzz/Corpus/FuzzKeyFiles/).
import KJumpCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyFiles(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if let key = try? ResumeKey(parsing: text, what: "fuzz") {
        // Argon2id at the file's parameters is slow by design: only small ones are run.
        if case .passphrase(let parameters, _, _) = key.protection {
            if parameters.memoryKiB <= 8 << 10, parameters.iterations <= 2 { _ = try? key.open(passphrase: Array("fuzz".utf8)) }
        } else {
            _ = try? key.open()
        }
        _ = key.text
    }
    if let key = try? HibernationKey(parsing: text, what: "fuzz") { _ = key.text }
    _ = try? HibernationKey(noteFields: KeyValueLines.decode(text))
    _ = try? ImageSealingRecord(decoding: bytes)
    return 0
}
