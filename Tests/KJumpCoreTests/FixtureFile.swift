import Foundation

/// Reads a file from this target's `Fixtures` directory.
func fixtureText(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/" + name])
    }
    return try String(contentsOf: url, encoding: .utf8)
}
