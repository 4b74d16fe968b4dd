/// Numbers as kjump prints them in its messages: a fixed number of decimals,
/// without Foundation's formatters.
public enum DecimalText {
    /// `value` with one decimal ("2.5").
    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// `value` with two decimals ("0.07").
    public static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
