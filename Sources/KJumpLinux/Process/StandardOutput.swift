import CKJump

/// How this process's standard output reaches whoever reads it.
public enum StandardOutput {
    /// Flush standard output at each line, also into a pipe: systemd hands
    /// kjump's output to the journal through one, where stdio would hold
    /// the lines until exit (each then stamped with the exit's time) and
    /// lose them on an exec or a kill.
    public static func flushEachLine() {
        ckjump_line_buffer_stdout()
    }
}
