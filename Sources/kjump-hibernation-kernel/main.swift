#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import KJumpLinux

// The hibernation kernel's program: installed in H's initramfs as `kjump`,
// it runs what /init asks of H (see HibernationKernelCommand for why it is
// separate from the full `kjump`). Exit status: 0, 1 on an error, 2 for a
// partial crash dump, 64 for a command line it does not understand.

func printError(_ text: String) {
    var line = "Error: " + text + "\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

// Frames sealed, opened or decompressed reuse the memory of the ones
// before (ProcessMemory.keepFreedFramesInHeap): in H every page the kernel
// hands out again is a fault, and under emulation a slow one.
ProcessMemory.keepFreedFramesInHeap()

let command: HibernationKernelCommand
do {
    command = try HibernationKernelCommand(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    printError("\(error)\n\n" + HibernationKernelCommand.usage)
    exit(64)
}

do {
    switch command {
    case .help:
        print(HibernationKernelCommand.usage)
    case .version:
        print(KJumpVersion.string)
    case .saveHibernation:
        try HibernationKernelTasks.saveHibernation()
    case .resume(let device):
        try HibernationKernelTasks.resume(device: device)
    case .jumpBack:
        try HibernationKernelTasks.jumpBack()
    case let .probe(vmcore, record):
        if try !HibernationKernelTasks.probe(vmcore: vmcore, record: record) { exit(1) }
    case .bootArgument(let key):
        guard let value = try HibernationKernelTasks.bootArgument(key) else { exit(1) }
        print(value)
    case let .save(from, to, dumpLevel, compression, workers):
        let complete = try HibernationKernelTasks.saveDump(
            from: from, to: to, level: DumpLevel(level: dumpLevel)!,
            compression: compression, workers: workers ?? ImageWriter.Options.defaultWorkers)
        if !complete { exit(HibernationKernelTasks.partialDumpExitStatus) }
    }
} catch {
    printError("\(error)")
    exit(1)
}
