import Engine
import Foundation
import CFuzzer

/// The sync database reader on arbitrary file contents: SQLite's own checks, then ours (schema
/// version, tables), then every row read as the synchronizer reads them. A one-line error or
/// the rows, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDatabaseReader(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(dir)/interimap-fuzz-\(getpid()).db"
    for suffix in ["-journal", "-wal", "-shm"] { unlink(path + suffix) }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    do {
        let database = try SyncDatabase(path: path)
        for record in try database.mailboxes() {
            try database.forEachMapping(mailbox: record.index) { _, _ in }
            _ = try database.mappedUIDs(mailbox: record.index, side: .local, from: 1)
            _ = try database.pendingCopies(mailbox: record.index)
            _ = try database.mailbox(named: record.name)
        }
    } catch {}
    return 0
}

/// The program's entry point (SwiftPM calls it `fuzz_database_reader_main`): libFuzzer with its options.
@_cdecl("fuzz_database_reader_main")
func fuzz_database_reader_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzDatabaseReader) }
