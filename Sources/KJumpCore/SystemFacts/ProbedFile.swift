/// What reading a kernel-provided file gave: its text, or why there is none.
public enum ProbedFile: Sendable, Equatable {
    /// The file's text.
    case content(String)
    /// The file does not exist.
    case missing
    /// The file exists but could not be read; the reason reads as a sentence.
    case unreadable(String)

    /// The text, when the file was read.
    public var text: String? {
        if case .content(let text) = self { return text }
        return nil
    }
}
