/// From a server section's options to what the transport layer needs to reach it.
extension ConnectionOptions {
    /// The endpoint for `Connector.open`; `keepAlive` comes from the command line
    /// (`--watch`, `--idle`), the rest from the section.
    public func transportEndpoint(keepAlive: Bool) throws -> TransportEndpoint {
        let proxyValue = try proxy.map { try SOCKS5Proxy(url: $0) }
        let tls = TLSConfiguration(
            verify: sslVerify, caFile: sslCAFile, caPath: sslCAPath,
            serverName: sslHostname,
            fingerprints: sslFingerprints,
            protocolMin: sslProtocolMin, protocolMax: sslProtocolMax,
            protocols: sslProtocols.map { TLSProtocolSelection(toggles: $0) },
            cipherList: sslCipherList, cipherSuites: sslCipherSuites)
        return TransportEndpoint(type: type, host: host, port: port.map { UInt16(clamping: $0) }, proxy: proxyValue, command: command,
                                 nullStderr: nullStderr, keepAlive: keepAlive, tls: tls)
    }
}
