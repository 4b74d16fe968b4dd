/// The version of kjump, printed by `kjump --version`.
public enum KJumpVersion {
    /// Semantic version of this build.
    public static let string = "0.1.0"
}
