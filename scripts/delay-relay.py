#!/usr/bin/env python3
"""Runs a command and relays its standard input and output with a fixed one-way delay.

Usage: delay-relay.py DELAY_SECONDS -- COMMAND [ARG...]

Meant for the `command =` of a `type = tunnel` section, to put an IMAP server at the far end
of a link with latency (not limited bandwidth): every chunk read from our stdin reaches the
command DELAY_SECONDS later, and every chunk the command writes reaches our stdout
DELAY_SECONDS later, in order. Each direction has its own reader and writer threads joined by a
timed queue, so the two directions never wait for each other and a client that pipelines
commands gains exactly what it would gain on a real link.

The relay ends when either side closes: end of our stdin is passed on (after the delay) by
closing the command's stdin; end of the command's output is passed on by closing our stdout.
The command is then reaped (terminated if it does not exit by itself) and its exit status is
ours.
"""

import os
import queue
import subprocess
import sys
import threading
import time

CHUNK_SIZE = 65536
# How long to wait for the other direction (and then for the command to exit) once one
# side has closed, before giving up on a command that does not notice.
GRACE_SECONDS = 5.0


def relay(source_fd, write_all, close_destination, delay, finished):
    """Starts the two threads of one direction; sets `finished` when the destination is closed."""
    timed = queue.SimpleQueue()  # (deliver_at, chunk); b"" marks end of input

    def read_side():
        while True:
            try:
                chunk = os.read(source_fd, CHUNK_SIZE)
            except OSError:
                chunk = b""
            timed.put((time.monotonic() + delay, chunk))
            if not chunk:
                return

    def write_side():
        try:
            while True:
                deliver_at, chunk = timed.get()
                wait = deliver_at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not chunk:
                    break
                write_all(chunk)
        except OSError:
            pass  # the destination went away (broken pipe): this direction is over
        finally:
            try:
                close_destination()
            except OSError:
                pass
            finished.set()

    threading.Thread(target=read_side, daemon=True).start()
    threading.Thread(target=write_side, daemon=True).start()


def write_fd(fd):
    def write_all(chunk):
        view = memoryview(chunk)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    return write_all


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: delay-relay.py DELAY_SECONDS -- COMMAND [ARG...]\n")
        return 2
    try:
        delay = float(argv[1])
    except ValueError:
        sys.stderr.write(f"delay-relay.py: DELAY_SECONDS is not a number: {argv[1]!r}\n")
        return 2
    if delay < 0:
        sys.stderr.write(f"delay-relay.py: DELAY_SECONDS must not be negative: {argv[1]!r}\n")
        return 2

    try:
        child = subprocess.Popen(argv[3:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    except OSError as error:
        sys.stderr.write(f"delay-relay.py: cannot run {argv[3]!r}: {error}\n")
        return 127

    upstream_done = threading.Event()    # our stdin -> command's stdin
    downstream_done = threading.Event()  # command's stdout -> our stdout
    either_done = threading.Event()

    def watch(event):
        event.wait()
        either_done.set()

    relay(0, write_fd(child.stdin.fileno()), child.stdin.close, delay, upstream_done)
    relay(child.stdout.fileno(), write_fd(1), lambda: os.close(1), delay, downstream_done)
    for event in (upstream_done, downstream_done):
        threading.Thread(target=watch, args=(event,), daemon=True).start()

    either_done.wait()
    if not downstream_done.is_set():
        # Our client closed its side; let the command's last words (e.g. the LOGOUT reply)
        # through while it notices the end of its input and exits.
        downstream_done.wait(GRACE_SECONDS + delay)
    if not upstream_done.is_set():
        try:
            child.stdin.close()
        except OSError:
            pass
    try:
        status = child.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.terminate()
        try:
            status = child.wait(GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            status = child.wait()
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    # os._exit: the reader threads may still be blocked in read(); nothing is left to flush.
    os._exit(main(sys.argv))
