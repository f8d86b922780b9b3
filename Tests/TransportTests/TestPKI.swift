import Foundation
import XCTest
@testable import Engine

/// Certificates made with the openssl CLI for the TLS tests: a trusted CA (as a CAfile and as a
/// hashed CApath directory), a leaf for localhost/127.0.0.1 and one for sni.example signed by
/// it, and a leaf for localhost signed by an untrusted CA.
final class TestPKI: Sendable {
    let directory: TemporaryDirectory
    let caFile: String
    let caPath: String
    let leaf: (cert: String, key: String)
    let sniLeaf: (cert: String, key: String)
    let untrustedLeaf: (cert: String, key: String)
    /// SPKI sha256 hex of each leaf, computed with the CLI pipeline from interimap(1).
    let leafSPKI: String
    let sniLeafSPKI: String
    let untrustedLeafSPKI: String
    let untrustedLeafSPKISHA1: String

    init() throws {
        directory = try TemporaryDirectory()
        let d = directory.path
        func makeCA(_ name: String, _ subject: String) throws {
            try shell("""
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
                  -subj '/CN=\(subject)' -keyout '\(d)/\(name).key' -out '\(d)/\(name).pem' \
                  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
                """)
        }
        func makeLeaf(_ name: String, ca: String, cn: String, san: String, serial: Int) throws -> (String, String) {
            try "subjectAltName=\(san)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                .write(toFile: "\(d)/\(name).ext", atomically: true, encoding: .utf8)
            try shell("""
                openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=\(cn)' \
                  -keyout '\(d)/\(name).key' -out '\(d)/\(name).csr' && \
                openssl x509 -req -in '\(d)/\(name).csr' -CA '\(d)/\(ca).pem' -CAkey '\(d)/\(ca).key' \
                  -set_serial \(serial) -days 2 -extfile '\(d)/\(name).ext' -out '\(d)/\(name).pem'
                """)
            return ("\(d)/\(name).pem", "\(d)/\(name).key")
        }
        func spki(_ cert: String, _ algorithm: String = "sha256") throws -> String {
            let output = try shell("""
                openssl x509 -in '\(cert)' -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -\(algorithm)
                """)
            guard let hex = output.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw TransportError.tls("no digest in '\(output)'")
            }
            return hex
        }
        try makeCA("ca", "Transport Test CA")
        try makeCA("rogue", "Untrusted Test CA")
        leaf = try makeLeaf("leaf", ca: "ca", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1", serial: 2)
        sniLeaf = try makeLeaf("sni", ca: "ca", cn: "sni.example", san: "DNS:sni.example", serial: 3)
        untrustedLeaf = try makeLeaf("untrusted", ca: "rogue", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1", serial: 4)
        caFile = "\(d)/ca.pem"
        caPath = "\(d)/capath"
        try shell("mkdir '\(caPath)' && cp '\(caFile)' '\(caPath)/' && openssl rehash '\(caPath)'")
        leafSPKI = try spki(leaf.cert)
        sniLeafSPKI = try spki(sniLeaf.cert)
        untrustedLeafSPKI = try spki(untrustedLeaf.cert)
        untrustedLeafSPKISHA1 = try spki(untrustedLeaf.cert, "sha1")
    }

    /// Made once per test run.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: TestPKI?

    static func shared() throws -> TestPKI {
        lock.lock(); defer { lock.unlock() }
        if let made { return made }
        let pki = try TestPKI()
        made = pki
        return pki
    }

    static func removeShared() {
        lock.lock(); defer { lock.unlock() }
        made?.directory.remove()
        made = nil
    }
}

/// `openssl s_server -rev` (each line sent back reversed) on a free loopback port.
final class ReversingTLSServer: @unchecked Sendable {
    let process: ServerProcess
    let port: UInt16

    init(cert: (cert: String, key: String), extra: [String] = [], log: String) throws {
        let openssl = try requireTool("openssl")
        process = try ServerProcess([openssl, "s_server", "-accept", "127.0.0.1:0", "-cert", cert.cert,
                                     "-key", cert.key, "-rev"] + extra, log: log)
        do {
            let text = try process.waitForOutput("ACCEPT 127\\.0\\.0\\.1:([0-9]+)")
            guard let port = UInt16(text) else { throw TransportError.tls("bad port \(text)") }
            self.port = port
        } catch {
            process.stop()
            throw error
        }
    }

    func stop() { process.stop() }
}
