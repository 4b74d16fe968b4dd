/// The partitions a disk's partition table lists, each with the PARTUUID
/// Linux gives it (`root=PARTUUID=`, `/dev/disk/by-partuuid/`): for an MBR
/// disk its disk signature and the partition's number ("6b6a6d70-02"), for a
/// GPT disk the entry's unique GUID. The hibernation kernel has no udev and
/// so no `/dev/disk/by-*` links: it finds the resume partition by reading the
/// tables itself (`kjump.resume=PARTUUID=…`), as the kernel does for `root=`.
///
/// Primary MBR partitions (1–4) and every GPT entry are listed; logical MBR
/// partitions (5 and up, in the extended partition's chain) are not.
public struct PartitionTable: Sendable, Equatable {
    public enum Scheme: String, Sendable { case mbr, gpt }

    public struct Partition: Sendable, Equatable {
        /// Linux's partition number: the MBR slot (1–4), or the GPT entry's index + 1.
        public var number: Int
        /// Lower-case PARTUUID.
        public var partUUID: String
    }

    public var scheme: Scheme
    public var partitions: [Partition]

    /// Reads the table of a disk with `sectorSize`-byte logical sectors
    /// through `read(offset, count)`; nil when the disk has no MBR or GPT.
    public static func read(sectorSize: Int, _ read: (UInt64, Int) throws -> [UInt8]) throws -> PartitionTable? {
        let mbr = try read(0, 512)
        guard mbr.count == 512, mbr[510] == 0x55, mbr[511] == 0xAA else { return nil }
        let slots = (0..<4).map { Array(mbr[446 + $0 * 16..<446 + ($0 + 1) * 16]) }
        if slots.contains(where: { $0[4] == 0xEE }) {
            return try gpt(sectorSize: sectorSize, read)
        }
        let signature = HexText.bytes(mbr[440..<444].reversed())   // stored little-endian
        let partitions = slots.enumerated().compactMap { index, slot -> Partition? in
            // Type 0 is an empty slot; 0x05, 0x0F and 0x85 hold logical partitions, not data.
            guard slot[4] != 0, ![0x05, 0x0F, 0x85].contains(slot[4]) else { return nil }
            return Partition(number: index + 1, partUUID: signature + "-" + HexText.bytes([UInt8(index + 1)]))
        }
        return PartitionTable(scheme: .mbr, partitions: partitions)
    }

    /// The GPT at LBA 1 and its entries; nil when the header is not there.
    static func gpt(sectorSize: Int, _ read: (UInt64, Int) throws -> [UInt8]) throws -> PartitionTable? {
        let header = try read(UInt64(sectorSize), 92)
        guard header.count == 92, Array(header[0..<8]) == Array("EFI PART".utf8) else { return nil }
        let entriesLBA = header.imageLoad(UInt64.self, at: 72)
        let count = Int(header.imageLoad(UInt32.self, at: 80))
        let entrySize = Int(header.imageLoad(UInt32.self, at: 84))
        // The specification: entries of 128 × 2^n bytes; at most a few thousand of them in practice.
        guard entrySize >= 128, entrySize % 128 == 0, entrySize <= 4096, (0...16384).contains(count),
              entriesLBA >= 2, entriesLBA < UInt64.max / UInt64(sectorSize) else { return nil }
        let entries = try read(entriesLBA * UInt64(sectorSize), count * entrySize)
        guard entries.count == count * entrySize else { return nil }
        let partitions = (0..<count).compactMap { index -> Partition? in
            let entry = Array(entries[index * entrySize..<index * entrySize + 128])
            guard entry[0..<16].contains(where: { $0 != 0 }) else { return nil }   // unused entry
            return Partition(number: index + 1, partUUID: guidText(Array(entry[16..<32])))
        }
        return PartitionTable(scheme: .gpt, partitions: partitions)
    }

    /// A GUID as text: its first three fields are stored little-endian.
    static func guidText(_ bytes: [UInt8]) -> String {
        let order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
        return order.map { $0 < 0 ? "-" : HexText.bytes([bytes[$0]]) }.joined()
    }

    /// The partition whose PARTUUID is `partUUID` (any case).
    public func partition(partUUID: String) -> Partition? {
        partitions.first { $0.partUUID == partUUID.lowercased() }
    }
}
