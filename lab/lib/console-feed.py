#!/usr/bin/env python3
"""Types lines on a QEMU guest's serial console, as a user at the keyboard
would: connects to the console's Unix socket (-chardev socket,...,logfile=LOG),
and each time PROMPT appears once more in LOG, sends the next LINE and a
newline. Reads and drops what the console sends (LOG keeps it), so the guest
never waits on it. Ends when QEMU closes the socket.

    console-feed.py SOCKET LOG PROMPT LINE...
"""
import os
import select
import socket
import sys
import time

path, log, prompt, lines = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
console = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for _ in range(600):
    try:
        console.connect(path)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(f"console-feed: cannot connect to {path}")

sent = 0
while True:
    readable, _, _ = select.select([console], [], [], 0.2)
    if readable and not console.recv(65536):
        break   # QEMU ended
    if sent < len(lines) and os.path.exists(log):
        with open(log, "rb") as f:
            seen = f.read().count(prompt.encode())
        if seen > sent:
            console.sendall(lines[sent].encode() + b"\n")
            sent += 1
