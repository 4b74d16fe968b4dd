import Foundation

/// Reads a binary file from this target's `Fixtures` directory.
func fixtureBytes(_ name: String) throws -> [UInt8] {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/" + name])
    }
    return [UInt8](try Data(contentsOf: url))
}
