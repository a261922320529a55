#!/usr/bin/env python3
"""Runs a shell command with a fresh pseudo-terminal as its controlling terminal (stdin, stdout
and stderr included, unless the command redirects them) and plays a conversation on it.

argv: COMMAND, then pairs EXPECT REPLY: wait until EXPECT has appeared on the terminal since the
last match ("" matches at once, so the reply is typed ahead), then type REPLY. A REPLY of "@wait"
types nothing and records, after half a second, whether the command is still running.
Prints the transcript and exits 0 with the command's exit status on the last line as
"[exit N]"; a step that times out prints "[timeout waiting for ...]" and kills the command.
"""
import os
import pty
import select
import signal
import sys
import time

command, steps = sys.argv[1], list(zip(sys.argv[2::2], sys.argv[3::2]))
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", command])

out = b""
seen = 0
status = None


def pump(timeout):
    """Reads what the terminal shows; False once the command has closed it."""
    global out
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    out += data
    return bool(data)


def finish(note=""):
    global status
    deadline = time.time() + 30
    while pump(0.1) and time.time() < deadline:
        pass
    if status is None:
        if time.time() >= deadline:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace") + note)
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(f"\n[exit {code}]\n")
    sys.exit(0)


for expect, reply in steps:
    want = expect.encode()
    deadline = time.time() + 30
    while out.find(want, seen) < 0:
        if time.time() > deadline or not pump(0.1):
            os.kill(pid, signal.SIGKILL)
            finish(f"\n[timeout waiting for {expect!r}]")
    seen = out.find(want, seen) + len(want)
    if reply == "@wait":
        time.sleep(0.5)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            finish("\n[ended early]")
        pump(0)
        out += b"[still running]"
        seen = len(out)
        continue
    os.write(fd, reply.encode())
finish()
