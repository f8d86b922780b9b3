#!/usr/bin/env python3
"""Runs a command and relays its standard input and output with a fixed one-way delay.

Usage: delay-relay.py DELAY_SECONDS -- COMMAND [ARG...]
       delay-relay.py DELAY_SECONDS --listen HOST:PORT --connect HOST:PORT

The first form is meant for the `command =` of a `type = tunnel` section, to put an IMAP server at the far end
of a link with latency (not limited bandwidth): every chunk read from our stdin reaches the
command DELAY_SECONDS later, and every chunk the command writes reaches our stdout
DELAY_SECONDS later, in order. Each direction has its own reader and writer threads joined by a
timed queue, so the two directions never wait for each other and a client that pipelines
commands gains exactly what it would gain on a real link.

The relay ends when either side closes: end of our stdin is passed on (after the delay) by
closing the command's stdin; end of the command's output is passed on by closing our stdout.
The command is then reaped (terminated if it does not exit by itself) and its exit status is
ours.

The second form is a TCP relay that runs until it is terminated: every connection accepted on
the listening address gets its own connection to the target address, relayed the same way
(each chunk DELAY_SECONDS late in each direction, end of input passed on as a half close).
It puts a server that runs as a daemon (e.g. dovecot on loopback) behind the same kind of link
while keeping the relay, like the server, outside the client's process tree, so that the
client's CPU time and memory can be measured alone.
"""

import os
import queue
import socket
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


def parse_address(text, option):
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{option} needs HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def relay_connection(client, target, delay):
    """Relays one accepted TCP connection to a new connection to `target`, both ways delayed."""
    try:
        server = socket.create_connection(target)
    except OSError as error:
        sys.stderr.write(f"delay-relay.py: cannot connect to {target[0]}:{target[1]}: {error}\n")
        client.close()
        return
    for sock in (client, server):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = [threading.Event(), threading.Event()]

    def half_close(sock):
        return lambda: sock.shutdown(socket.SHUT_WR)

    relay(client.fileno(), server.sendall, half_close(server), delay, done[0])
    relay(server.fileno(), client.sendall, half_close(client), delay, done[1])

    def reap():
        for event in done:
            event.wait()
        client.close()
        server.close()

    threading.Thread(target=reap, daemon=True).start()


def serve(delay, listen, target):
    listener = socket.create_server(listen, reuse_port=False)
    while True:
        client, _ = listener.accept()
        relay_connection(client, target, delay)


def main(argv):
    tcp = len(argv) == 6 and argv[2] == "--listen" and argv[4] == "--connect"
    if not tcp and (len(argv) < 4 or argv[2] != "--"):
        sys.stderr.write("usage: delay-relay.py DELAY_SECONDS -- COMMAND [ARG...]\n"
                         "       delay-relay.py DELAY_SECONDS --listen HOST:PORT --connect HOST:PORT\n")
        return 2
    try:
        delay = float(argv[1])
    except ValueError:
        sys.stderr.write(f"delay-relay.py: DELAY_SECONDS is not a number: {argv[1]!r}\n")
        return 2
    if delay < 0:
        sys.stderr.write(f"delay-relay.py: DELAY_SECONDS must not be negative: {argv[1]!r}\n")
        return 2
    if tcp:
        try:
            listen, target = parse_address(argv[3], "--listen"), parse_address(argv[5], "--connect")
            serve(delay, listen, target)
        except (ValueError, OSError) as error:
            sys.stderr.write(f"delay-relay.py: {error}\n")
            return 1

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
