/// Random bytes from the kernel, for image IDs. Swift's
/// `SystemRandomNumberGenerator` draws them with `getrandom(2)`.
public enum SystemRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
