import Foundation

/// Opens interimap's two stores: connects and logs in to both servers at once (two threads: the
/// handshakes block), checks that each offers what the QRESYNC store needs, and enables QRESYNC.
enum IMAPStoreConnector {
    static func connect(_ configuration: InterimapConfiguration, invocation: InterimapInvocation, log: SyncLog) throws
        -> (local: IMAPMailStore, remote: IMAPMailStore) {
        let watching = invocation.watchInterval != nil
        let sink = log.sink
        let servers = [configuration.local, configuration.remote]
        let traffic = servers.map { _ in TrafficCounter() }
        let logins = zip(servers, traffic).map { server, traffic in
            let name = server.name
            return SessionLogin(options: server.connection, name: name, keepAlive: watching, debugLevel: invocation.debugLevel,
                                debugLog: { line in sink.record(level: .debug, component: name, mailbox: "", message: line) },
                                traffic: traffic)
        }
        // A failure is named by its server, as each log line is.
        let results = ParallelWork.run(logins.map { l in {
            do { return try l.open() } catch { throw ConnectionFailure(server: l.name, error: error) }
        } })
        var sessions: [IMAPSession] = []
        var firstError: Error?
        for r in results {
            switch r {
            case .success(let s): sessions.append(s)
            case .failure(let e): if firstError == nil { firstError = e }
            }
        }
        if let firstError {
            for s in sessions { s.close() }
            throw firstError
        }
        let sides: [SyncDatabase.Side] = [.local, .remote]
        var stores: [IMAPMailStore] = []
        for (i, session) in sessions.enumerated() {
            let name = sides[i].rawValue
            session.alertHandler = { [log] text in log.warning(name, "", "ALERT: \(text)") }
            stores.append(IMAPMailStore(side: sides[i], session: session, listReference: servers[i].listReference, log: log, traffic: traffic[i]))
        }
        do {
            for (store, server) in zip(stores, servers) {
                store.chooseLevel(ceiling: server.syncLevel)
            }
            for store in stores { try store.enableQResync() }
        } catch {
            for s in sessions { s.close() }
            throw error
        }
        return (stores[0], stores[1])
    }
}
