import XCTest
import Engine
import TestSupport

final class PullStatefileTests: XCTestCase {
    private func bytes(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { Array($0) } ?? []
    }

    func testNewFileHasNoState() throws {
        let path = try makeTemporaryDirectory(self) + "/new"
        let statefile = try PullStatefile.open(path: path)
        XCTAssertEqual(try statefile.read(), PullStatefileContents(state: nil, stalledUIDs: []))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testMissingParentDirectoriesAreCreatedPrivate() throws {
        let root = try makeTemporaryDirectory(self)
        let statefile = try PullStatefile.open(path: root + "/a/b/account")
        try statefile.setState(PullMailboxState(uidValidity: 1, uidNext: 2))
        for directory in [root + "/a", root + "/a/b"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber).map { $0.intValue & 0o077 }, 0, directory)
        }
    }

    func testCycleOfWritesIsByteExact() throws {
        let path = try makeTemporaryDirectory(self) + "/state"
        let statefile = try PullStatefile.open(path: path)
        try statefile.setState(PullMailboxState(uidValidity: 0x6B01_DB0A, uidNext: 5))
        XCTAssertEqual(bytes(path), [0x6B, 0x01, 0xDB, 0x0A, 0, 0, 0, 5])
        try statefile.appendDeliveredUID(7)
        try statefile.appendDeliveredUID(0xFFFF_FFFE)
        XCTAssertEqual(bytes(path), [0x6B, 0x01, 0xDB, 0x0A, 0, 0, 0, 5, 0, 0, 0, 7, 0xFF, 0xFF, 0xFF, 0xFE])
        XCTAssertEqual(try statefile.read(), PullStatefileContents(state: PullMailboxState(uidValidity: 0x6B01_DB0A, uidNext: 5),
                                                                   stalledUIDs: [7, 0xFFFF_FFFE]))
        try statefile.writeUIDNext(0x0102_0304)
        XCTAssertEqual(Array(bytes(path)[4..<8]), [1, 2, 3, 4])
        XCTAssertEqual(bytes(path).count, 16, "UIDNEXT is rewritten in place")
        try statefile.truncateToState()
        XCTAssertEqual(bytes(path), [0x6B, 0x01, 0xDB, 0x0A, 1, 2, 3, 4])
        statefile.close()

        let reopened = try PullStatefile.open(path: path)
        XCTAssertEqual(try reopened.read(), PullStatefileContents(state: PullMailboxState(uidValidity: 0x6B01_DB0A, uidNext: 0x0102_0304)))
    }

    func testBadLengths() throws {
        let root = try makeTemporaryDirectory(self)
        for length in [1, 4, 6, 10, 13] {
            let path = root + "/bad\(length)"
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0, count: length)))
            let statefile = try PullStatefile.open(path: path)
            XCTAssertThrowsError(try statefile.read()) { error in
                XCTAssertEqual(error as? PullStatefileError, .badLength(path: path, length: length))
                XCTAssertEqual((error as? PullStatefileError)?.exitStatus, .dataError)
                let text = String(describing: error)
                XCTAssertTrue(text.contains(path) && text.contains("\(length) octets"), text)
            }
        }
    }

    func testUseAfterClose() throws {
        let path = try makeTemporaryDirectory(self) + "/state"
        let statefile = try PullStatefile.open(path: path)
        statefile.close()
        XCTAssertThrowsError(try statefile.appendDeliveredUID(1)) { error in
            XCTAssertEqual(error as? PullStatefileError, .closed(path: path))
        }
    }

    func testUnwritableLocation() throws {
        let root = try makeTemporaryDirectory(self)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/file", contents: Data()))
        XCTAssertThrowsError(try PullStatefile.open(path: root + "/file/state")) { error in
            XCTAssertTrue(String(describing: error).contains(root + "/file"), "\(error)")
        }
    }

    // MARK: - Locking against another process

    private let lockScript = """
        import fcntl, os, sys
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
        if sys.argv[2] == "hold":
            fcntl.lockf(fd, fcntl.LOCK_EX)
            print("locked", flush=True)
            sys.stdin.read()
        else:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                print("free")
            except OSError:
                print("busy")
        """

    func testAnotherProcessHoldingTheLock() throws {
        try requireTools(["/usr/bin/python3"])
        let path = try makeTemporaryDirectory(self) + "/state"
        let process = try RunningProcess("/usr/bin/python3", ["-c", lockScript, path, "hold"], stdin: .pipe, stdout: .stream)
        let line = process.output?.availableDataUntilNewline()
        XCTAssertEqual(line, "locked")

        XCTAssertThrowsError(try PullStatefile.open(path: path)) { error in
            XCTAssertEqual(error as? PullStatefileError, .locked(path: path))
            XCTAssertEqual(String(describing: error), "statefile \(path) is locked: is another pullimap running?")
            XCTAssertEqual((error as? PullStatefileError)?.exitStatus, .temporaryFailure)
        }
        try process.input?.close()
        XCTAssertEqual(process.wait(timeout: 30).status, 0)
        XCTAssertNoThrow(try PullStatefile.open(path: path), "the lock goes with the process")
    }

    func testOurLockKeepsAnotherProcessOut() throws {
        try requireTools(["/usr/bin/python3"])
        let path = try makeTemporaryDirectory(self) + "/state"
        let statefile = try PullStatefile.open(path: path)
        XCTAssertEqual(try runProcess(["/usr/bin/python3", "-c", lockScript, path, "try"]).stdout, "busy\n")
        statefile.close()
        XCTAssertEqual(try runProcess(["/usr/bin/python3", "-c", lockScript, path, "try"]).stdout, "free\n")
    }
}

extension FileHandle {
    /// Reads until a newline (excluded) or end of file.
    func availableDataUntilNewline() -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first, byte != 0x0A else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
