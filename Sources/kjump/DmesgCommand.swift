import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump dmesg`: the dumped kernel's log buffer.
struct DmesgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmesg",
        abstract: "Print the kernel log of a crash dump or image, as dmesg would have.",
        discussion: """
            Reads the log buffer (the printk ring buffer of Linux 5.10 and later) \
            out of an ELF vmcore (/proc/vmcore in a capture kernel, a QEMU dump, \
            'kjump export --elf' output) or a kjump image ('kjump save', a crash \
            dump or a hibernation image), and prints its records in order, one \
            line per line of text:

              [    1.234567] message

            Bytes that do not print are shown as \\xNN. When the buffer wrapped \
            and older records were overwritten, a first line says how many are \
            lost; records the dump holds only in part are listed at the end. \
            The dump must keep the log buffer's pages: every dump level keeps \
            them, as they are kernel data.

            Examples:
              kjump dmesg /proc/vmcore
              kjump dmesg --show-caller /var/crash/dump.kjimg
            """
    )

    @Argument(help: ArgumentHelp("An ELF vmcore or a kjump image (told apart by their first bytes).", valueName: "dump"))
    var dump: String

    @OptionGroup var key: KeyOptions

    @Flag(help: "Show who printed each record after the time, as the kernel's CONFIG_PRINTK_CALLER does: [   T42] for thread 42, [    C1] for CPU 1.")
    var showCaller = false

    @Flag(help: "Start each line with the syslog priority <facility*8+level>, as 'dmesg -r' does: <3> error, <4> warning, <6> info, <7> debug.")
    var showPriority = false

    func run() throws {
        let opened = try KernelDump.open(path: dump, unwrapper: try key.unwrapper())
        // The layout first: an older kernel's log format is refused before any paging work.
        let layout = try PrintkRingBufferLayout(vmcoreInfo: opened.vmcoreInfo)
        let space = try KernelAddressSpace(vmcoreInfo: opened.vmcoreInfo, memory: opened.memory)
        let log = try KernelLogReader(layout: layout, addressSpace: space).read()
        let formatter = KernelLogFormatter(showsCaller: showCaller, showsPriority: showPriority)
        if log.lostRecords > 0 {
            print("** \(log.lostRecords) records lost: overwritten when the log buffer wrapped, or damaged **")
        }
        for record in log.records {
            for line in formatter.lines(of: record) { print(line) }
        }
        if !log.damaged.isEmpty {
            print("** \(log.damaged.count) records damaged in the dump **")
            for damage in log.damaged.prefix(10) { print("**   \(damage) **") }
            if log.damaged.count > 10 { print("**   and \(log.damaged.count - 10) more **") }
        }
        if log.truncatedRecords > 0 {
            print("** \(log.truncatedRecords) records have less text in the buffer than their length says **")
        }
    }
}
