import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketStream {
    /// Connects to the unix stream socket at `path` (e.g. dovecot's LMTP socket
    /// `/run/dovecot/lmtp`), through the same non-blocking connect as TCP.
    public static func connect(unixPath path: String, timeout: Double? = nil) throws -> SocketStream {
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        // sun_path holds the path and its terminating NUL (unix(7)).
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
            throw TransportError.system(call: "connect", target: path,
                                        message: "not a usable socket path (at most \(capacity - 1) bytes)")
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let raw = withUnsafeBytes(of: &address) { Array($0) }
        let candidate = Candidate(family: AF_UNIX, socketType: streamSocketType, proto: 0, address: raw, text: path)
        switch attemptConnect(candidate, timeout: timeout) {
        case .success(let fd): return SocketStream(adopting: fd, peer: path)
        case .failure(let message): throw TransportError.system(call: "connect", target: path, message: message)
        }
    }
}
