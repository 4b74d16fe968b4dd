import Testing
@testable import KJumpCore

@Suite struct FilesystemIdentityTests {
    @Test func parsesARealExt4Superblock() throws {
        let bytes = Array(try fixtureBytes("ext4-superblock.bin")[1024..<2048])
        let identity = try #require(FilesystemIdentity(device: "/dev/vda", ext4Superblock: bytes))
        #expect(identity.uuid == "0b7c2f10-1d2e-4f6a-9b1c-7e5d3c2a1f00")
        #expect(identity.mountCount == 7)
        #expect(identity.lastMountTime == 0)
        #expect(identity.description == "/dev/vda:0b7c2f10-1d2e-4f6a-9b1c-7e5d3c2a1f00:7:0")
        #expect(FilesystemIdentity(recorded: identity.description) == identity)
    }

    @Test func notExt4IsNil() {
        #expect(FilesystemIdentity(device: "/dev/vdb", ext4Superblock: [UInt8](repeating: 0, count: 1024)) == nil)
    }

    @Test func aMountInBetweenIsStale() {
        let before = FilesystemIdentity(device: "/dev/vda", uuid: "u", mountCount: 7, lastMountTime: 100)
        #expect(before.staleness(now: before) == nil)
        var mounted = before
        mounted.mountCount = 8
        mounted.lastMountTime = 200
        #expect(before.staleness(now: mounted)?.contains("was mounted since the image was made (mount count 7 → 8)") == true)
        #expect(before.staleness(now: nil)?.contains("no longer holds") == true)
        var other = before
        other.uuid = "v"
        #expect(before.staleness(now: other)?.contains("now holds the filesystem v") == true)
    }

    @Test func listsRoundTrip() {
        let list = FilesystemIdentity.list(recorded: "/dev/vda:u:1:2,/dev/vdc:w:3:4")
        #expect(list.map(\.description) == ["/dev/vda:u:1:2", "/dev/vdc:w:3:4"])
        #expect(FilesystemIdentity.list(recorded: "").isEmpty)
    }
}
