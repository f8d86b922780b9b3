#!/usr/bin/env python3
"""Fills, changes and inspects the dovecot stores of scripts/bench-interimap.sh.

Usage (HOME is a store's home directory, USER a dovecot user name, PORT dovecot's IMAP port on
127.0.0.1, USER:PORT a user of another server; every user logs in with the password in
$BENCH_PASSWORD):
  bench-store.py fill HOME BOXES MSGS SEED      write BOXES mailboxes of MSGS messages (~4 KiB)
                                                straight into the maildir of HOME
  bench-store.py fill-big HOME MIB SEED         write one message of MIB MiB into HOME's INBOX
  bench-store.py snapshot PORT USER OUT.json [--digest]
                                                {mailbox: sorted [Message-ID, flags, size(, sha256)]}
  bench-store.py change PORT LOCAL REMOTE BASE.json SEED OUT.json
                                                on both sides of every mailbox: toggle a flag of one
                                                message, expunge one message, append one message;
                                                OUT.json says what was done
  bench-store.py expect BASE.json CHANGES.json OUT.json
                                                what the stores must hold after those changes
  bench-store.py compare A.json NAME_A B.json NAME_B
                                                exit 1 with a report if they differ
  bench-store.py summary SNAP.json              "N mailboxes, M messages"
"""

import base64
import email.utils
import hashlib
import imaplib
import json
import os
import random
import re
import sys

KEYWORD = "$Important"
NOW = 1_700_000_000


def mailbox_names(boxes):
    return ["INBOX"] + [f"Folder{i:02d}" for i in range(2, boxes + 1)]


def maildir(home, box):
    folder = f"{home}/mail" + ("" if box == "INBOX" else f"/.{box}")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(f"{folder}/{sub}", exist_ok=True)
    return folder


def write_message(folder, name_tag, data, date, flags):
    """One maildir file with dovecot's size hints (S= on disk, W= with CRLF as IMAP sees it)."""
    virtual_size = len(data) + data.count(b"\n")
    path = f"{folder}/cur/{date}.M{name_tag}.bench,S={len(data)},W={virtual_size}:2,{flags}"
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (date, date))


def fill(home, boxes, msgs, seed):
    """Writes the messages straight into the maildirs (much faster than APPEND)."""
    rng = random.Random(seed)
    words = ("imap sync mailbox message flag seen answered server client modseq uid "
             "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis").split()
    lines, total = [], 0
    while total < 1 << 20:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))) + "\n"
        lines.append(line)
        total += len(line)
    text = "".join(lines).encode()
    for box in mailbox_names(boxes):
        folder = maildir(home, box)
        with open(f"{folder}/dovecot-keywords", "w") as f:
            f.write(f"0 {KEYWORD}\n")        # maildir flag letter 'a' is keyword 0
        for n in range(msgs):
            date = NOW - rng.randint(0, 365 * 86400)
            size = min(600 + int(rng.expovariate(1 / 3500)), 64 << 10)
            start = rng.randrange(0, len(text) - size - 200)
            start = text.index(b"\n", start) + 1
            body = text[start:text.index(b"\n", start + size) + 1]
            header = (f"From: Sender {n % 37} <sender{n % 37}@example.org>\n"
                      f"To: bench@example.net\n"
                      f"Subject: {box} message {n}\n"
                      f"Date: {email.utils.formatdate(date)}\n"
                      f"Message-ID: <bench.{box}.{n}@example.org>\n"
                      f"MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n").encode()
            flags = ""
            if rng.random() < 0.05: flags += "F"
            if rng.random() < 0.15: flags += "R"
            if rng.random() < 0.80: flags += "S"
            if rng.random() < 0.03: flags += "a"
            write_message(folder, f"{n}P{seed}", header + body, date, flags)


def fill_big(home, mib, seed):
    """One message of `mib` MiB on disk: a short text part and a base64 attachment of random bytes."""
    rng = random.Random(seed)
    folder = maildir(home, "INBOX")
    header = (f"From: Sender <sender@example.org>\nTo: bench@example.net\nSubject: a large attachment\n"
              f"Date: {email.utils.formatdate(NOW)}\nMessage-ID: <bench.big.{seed}@example.org>\n"
              f"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
              f"--b\nContent-Type: text/plain\n\nSee the attachment.\n\n"
              f"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
              f"Content-Disposition: attachment; filename=big.bin\n\n").encode()
    trailer = b"--b--\n"
    room = (mib << 20) - len(header) - len(trailer)
    line_count = room // 77                            # 76 base64 characters and LF per line
    raw = rng.randbytes(line_count * 57)
    encoded = base64.b64encode(raw)
    body = b"".join(encoded[i:i + 76] + b"\n" for i in range(0, len(encoded), 76))
    write_message(folder, f"0P{seed}", header + body + trailer, NOW, "S")


def connect(port, user):
    # USER:PORT names a user of another server than PORT's (a fake-imapd beside dovecot).
    if ":" in user:
        user, port = user.rsplit(":", 1)
    imap = imaplib.IMAP4("127.0.0.1", int(port))
    ok(imap.login(user, os.environ["BENCH_PASSWORD"]), f"LOGIN {user}")
    return imap


def ok(result, what):
    typ, data = result
    if typ != "OK":
        sys.exit(f"bench-store: {what} failed: {typ} {data}")
    return data


def parse_fetch(data):
    """[Message-ID, flags, size(, body)] of each message of a FETCH
    (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) or (FLAGS RFC822.SIZE BODY.PEEK[])."""
    entries, i = [], 0
    while i < len(data):
        item = data[i]
        if isinstance(item, tuple):
            meta = item[0].decode()
            if i + 1 < len(data) and isinstance(data[i + 1], bytes):
                meta += data[i + 1].decode()
                i += 1
            flags = re.search(r"FLAGS \(([^)]*)\)", meta)
            size = re.search(r"RFC822\.SIZE (\d+)", meta)
            if not flags or not size:
                sys.exit(f"bench-store: FETCH response without FLAGS or RFC822.SIZE: {meta!r}")
            mid = re.search(rb"Message-ID: <([^>]*)>", item[1], re.IGNORECASE)
            entries.append([mid.group(1).decode() if mid else "",
                            sorted(f for f in flags.group(1).split() if f != "\\Recent"),
                            int(size.group(1)), item[1]])
        i += 1
    return entries


def snapshot(port, user, digest):
    imap = connect(port, user)
    names = []
    for line in ok(imap.list('""', '"*"'), "LIST"):
        m = re.match(rb'\((.*?)\) (?:"."|NIL) (.*)$', line)
        if not m:
            sys.exit(f"bench-store: unexpected LIST response {line!r}")
        if b"\\Noselect" in m.group(1) or b"\\NonExistent" in m.group(1):
            continue
        names.append(m.group(2).decode().strip('"'))
    items = "(FLAGS RFC822.SIZE BODY.PEEK[])" if digest else "(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
    snap = {}
    for name in sorted(names):
        count = int(ok(imap.select(f'"{name}"', readonly=True), f"EXAMINE {name}")[0])
        entries = parse_fetch(ok(imap.fetch("1:*", items), f"FETCH in {name}")) if count else []
        if len(entries) != count:
            sys.exit(f"bench-store: {user}: {name} has {count} messages but FETCH returned {len(entries)}")
        snap[name] = sorted([mid, flags, size] + ([hashlib.sha256(body).hexdigest()] if digest else [])
                            for mid, flags, size, body in entries)
        imap.close()
    imap.logout()
    return snap


def find_uid(imap, side, box, mid):
    uids = ok(imap.uid("SEARCH", "HEADER", "Message-ID", f'"<{mid}>"'), "UID SEARCH")[0].split()
    if len(uids) != 1:
        sys.exit(f"bench-store: {side} {box}: {len(uids)} messages with Message-ID <{mid}>")
    return uids[0].decode()


def change(port, local, remote, base, seed):
    """On each side of every mailbox: one flag toggled, one message expunged, one appended
    (four distinct existing messages per mailbox, so that no change conflicts with another)."""
    rng = random.Random(seed)
    toggled, expunged, appended = {}, [], {}
    imaps = {"local": connect(port, local), "remote": connect(port, remote)}
    for k, box in enumerate(sorted(base)):
        mids = [entry[0] for entry in base[box]]
        if len(mids) < 4:
            sys.exit(f"bench-store: mailbox {box} has fewer than 4 messages to change")
        picks = rng.sample(mids, 4)
        for s, side in enumerate(("local", "remote")):
            imap = imaps[side]
            ok(imap.select(f'"{box}"'), f"SELECT {box}")
            mid = picks[s]
            uid = find_uid(imap, side, box, mid)
            flags = parse_fetch(ok(imap.uid("FETCH", uid, "(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), "UID FETCH"))[0][1]
            flag = ["\\Flagged", "\\Seen", "\\Answered"][(k + s) % 3]
            ok(imap.uid("STORE", uid, "-FLAGS" if flag in flags else "+FLAGS", f"({flag})"), "UID STORE")
            toggled[mid] = sorted(set(flags) ^ {flag})
            gone = picks[2 + s]
            ok(imap.uid("STORE", find_uid(imap, side, box, gone), "+FLAGS.SILENT", "(\\Deleted)"), "UID STORE \\Deleted")
            ok(imap.expunge(), f"EXPUNGE in {box}")
            expunged.append(gone)
            new_mid = f"new.{side}.{seed}.{box}@example.org"
            new_flags = ["\\Seen"] if rng.random() < 0.5 else []
            body = "".join(f"new line {j} of a message added between two synchronizations\r\n"
                           for j in range(rng.randint(10, 100)))
            message = (f"From: New <new@example.org>\r\nTo: bench@example.net\r\nSubject: new {side} {box}\r\n"
                       f"Message-ID: <{new_mid}>\r\n\r\n{body}").encode()
            ok(imap.append(f'"{box}"', f"({' '.join(new_flags)})", None, message), f"APPEND to {box}")
            appended.setdefault(box, []).append([new_mid, new_flags, len(message)])
            imap.close()
    for imap in imaps.values():
        imap.logout()
    return {"toggled": toggled, "expunged": expunged, "appended": appended}


def expected_after(base, changes):
    gone = set(changes["expunged"])
    snap = {box: [[mid, changes["toggled"].get(mid, flags)] + rest for mid, flags, *rest in entries if mid not in gone]
            for box, entries in base.items()}
    for box, entries in changes["appended"].items():
        snap.setdefault(box, []).extend(entries)
    return {box: sorted(entries) for box, entries in snap.items()}


def describe_difference(a, b, a_name, b_name):
    lines = []
    for box in sorted(set(a) | set(b)):
        if box not in a:
            lines.append(f"  mailbox {box}: missing in {a_name}")
            continue
        if box not in b:
            lines.append(f"  mailbox {box}: missing in {b_name}")
            continue
        if a[box] == b[box]:
            continue
        sa = {json.dumps(e) for e in a[box]}
        sb = {json.dumps(e) for e in b[box]}
        lines.append(f"  mailbox {box}: {len(a[box])} messages in {a_name}, {len(b[box])} in {b_name}; "
                     f"{len(sa - sb)} only in {a_name}, {len(sb - sa)} only in {b_name}")
        lines += [f"    only in {a_name}: {e}" for e in sorted(sa - sb)[:3]]
        lines += [f"    only in {b_name}: {e}" for e in sorted(sb - sa)[:3]]
    return "\n".join(lines)


def load(path):
    with open(path) as f:
        return json.load(f)


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f)


def main(cmd, args):
    if cmd == "fill":
        fill(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "fill-big":
        fill_big(args[0], int(args[1]), int(args[2]))
    elif cmd == "snapshot":
        dump(snapshot(args[0], args[1], args[3:] == ["--digest"]), args[2])
    elif cmd == "change":
        dump(change(args[0], args[1], args[2], load(args[3]), int(args[4])), args[5])
    elif cmd == "expect":
        dump(expected_after(load(args[0]), load(args[1])), args[2])
    elif cmd == "compare":
        a, b = load(args[0]), load(args[2])
        if a != b:
            print(describe_difference(a, b, args[1], args[3]))
            sys.exit(1)
    elif cmd == "summary":
        s = load(args[0])
        print(f"{len(s)} mailboxes, {sum(len(v) for v in s.values())} messages")
    else:
        sys.exit(f"bench-store: unknown command {cmd} (see the top of {sys.argv[0]})")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
