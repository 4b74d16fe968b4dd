/// The hibernation kernel's save and restore times an image's state block
/// records (`ImageStateBlock.savedInMilliseconds`, `restoredInMilliseconds`),
/// as `kjump hibernate`'s resumed line and `kjump inspect` print them.
public enum HibernationKernelTimes {
    /// "saved in 3.67 s, restored in 4.32 s", with what is recorded; nil when neither is.
    public static func text(savedInMilliseconds saved: UInt64?, restoredInMilliseconds restored: UInt64?) -> String? {
        let parts = [("saved in", saved), ("restored in", restored)]
            .compactMap { label, ms in ms.map { "\(label) \(DecimalText.twoDecimals(Double($0) / 1000)) s" } }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
