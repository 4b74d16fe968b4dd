import Testing
@testable import KJumpLinux

/// What goes on H's command line for a resume partition, and how H finds it.
/// (The lab's `distro` scenario resolves a real PARTUUID in H.)
@Suite struct PartitionNamesTests {
    @Test func aPartUUIDNameIsReadInAnyCase() {
        #expect(PartitionNames.partUUID(in: "PARTUUID=6B6A6D70-02") == "6b6a6d70-02")
        #expect(PartitionNames.partUUID(in: "partuuid=6b6a6d70-02") == "6b6a6d70-02")
        #expect(PartitionNames.partUUID(in: "PARTUUID=") == nil)
        #expect(PartitionNames.partUUID(in: "/dev/vda2") == nil)
    }

    @Test func namesThatAreNoPartitionStayAsTheyAre() throws {
        #expect(PartitionNames.forHibernationKernel("PARTUUID=6b6a6d70-02") == "PARTUUID=6b6a6d70-02")
        #expect(PartitionNames.forHibernationKernel("/dev/null") == "/dev/null")
        #expect(PartitionNames.forHibernationKernel("/nonexistent/disk") == "/nonexistent/disk")
        #expect(try PartitionNames.resolve("/dev/vdb") == "/dev/vdb")
    }

    @Test func aPartUUIDNoDiskListsIsAnErrorThatSaysWhatWasSearched() {
        #expect {
            _ = try PartitionNames.resolve("PARTUUID=0badf00d-04", waitSeconds: 0)
        } throws: { error in
            guard case let KJumpLinuxError.partitionNotFound(partUUID, _) = error else { return false }
            return partUUID == "0badf00d-04" && "\(error)".hasPrefix("no partition has PARTUUID 0badf00d-04: the partition tables of ")
        }
    }

    @Test func aMissingByPartUUIDLinkIsLookedUpByItsPartUUID() {
        #expect(PartitionNames.missingByPartUUIDLink("/dev/disk/by-partuuid/6B6A6D70-02") == "6b6a6d70-02")
        #expect(PartitionNames.missingByPartUUIDLink("/dev/disk/by-label/root") == nil)
    }
}
