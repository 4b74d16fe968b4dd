/// Why a kernel stopped, as its log says: the last `Kernel panic - not
/// syncing:` record and the CPU, PID and command of the task that panicked
/// (from the `CPU: N … PID: P Comm: C` line the kernel prints just before
/// its backtrace). For `kjump inspect` on crash dumps.
public struct PanicReport: Sendable, Equatable, CustomStringConvertible {
    /// The panic message after "Kernel panic - not syncing: ".
    public var message: String
    public var cpu: Int?
    public var pid: Int?
    public var command: String?

    static let panicPrefix = "Kernel panic - not syncing: "
    /// How far before the panic record the task line may be.
    static let searchWindow = 400

    public init(message: String, cpu: Int?, pid: Int?, command: String?) {
        self.message = message
        self.cpu = cpu
        self.pid = pid
        self.command = command
    }

    /// The report for the last panic in `records`; nil when the log has none.
    public init?(records: [KernelLogRecord]) {
        guard let panicIndex = records.lastIndex(where: { Self.text(of: $0).hasPrefix(Self.panicPrefix) }) else { return nil }
        message = String(Self.text(of: records[panicIndex]).dropFirst(Self.panicPrefix.count)).trimmingSpaces().description
        cpu = nil
        pid = nil
        command = nil
        // The task line belongs to the same panic: the kernel prints it (dump_stack) right after the panic line.
        let window = records[max(panicIndex - Self.searchWindow, 0)..<min(panicIndex + 8, records.count)].reversed()
        for record in window {
            if let task = Self.taskLine(Self.text(of: record)) {
                (cpu, pid, command) = task
                break
            }
        }
    }

    /// `CPU: 1 PID: 112 Comm: sh …` (6.1) or `CPU: 1 UID: 0 PID: 44 Comm: sh …` (6.12).
    static func taskLine(_ text: String) -> (Int, Int, String)? {
        guard text.hasPrefix("CPU: ") else { return nil }
        let words = text.split(separator: " ")
        func value(after key: String) -> Substring? {
            guard let index = words.firstIndex(of: Substring(key)), index + 1 < words.count else { return nil }
            return words[index + 1]
        }
        guard let cpu = value(after: "CPU:").flatMap({ Int($0) }), let pid = value(after: "PID:").flatMap({ Int($0) }),
              let command = value(after: "Comm:") else { return nil }
        return (cpu, pid, String(command))
    }

    static func text(of record: KernelLogRecord) -> String {
        String(decoding: record.text, as: UTF8.self)
    }

    public var description: String {
        var task: [String] = []
        if let cpu { task.append("CPU \(cpu)") }
        if let pid { task.append("PID \(pid)" + (command.map { " (\($0))" } ?? "")) }
        return (task.isEmpty ? "" : task.joined(separator: ", ") + ": ") + message
    }
}
