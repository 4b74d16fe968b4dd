import Foundation

/// Absolute path of a file in this target's `Fixtures` directory.
func fixturePath(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/" + name])
    }
    return url.path
}
