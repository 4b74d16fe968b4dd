/// Encodes one ELF note (`Elf64_Nhdr` + name + descriptor, each padded to 4 bytes).
public enum ElfNoteEncoding {
    /// The note's bytes: namesz, descsz, type (little-endian u32), name with its NUL, descriptor.
    public static func encode(name: String, type: UInt32, descriptor: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8) + [0]
        var out: [UInt8] = []
        for value in [UInt32(nameBytes.count), UInt32(descriptor.count), type] {
            withUnsafeBytes(of: value.littleEndian) { out += $0 }
        }
        out += nameBytes + [UInt8](repeating: 0, count: nameBytes.count.roundedUp(to: 4) - nameBytes.count)
        out += descriptor + [UInt8](repeating: 0, count: descriptor.count.roundedUp(to: 4) - descriptor.count)
        return out
    }
}
