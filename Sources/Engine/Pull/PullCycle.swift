import Foundation

/// What one pull cycle did.
public struct PullCycleReport: Sendable, Equatable {
    /// UIDs delivered (or, with `--no-delivery`, skipped) in this cycle, in the order fetched.
    public var delivered: [UInt32]
    /// UIDs the statefile listed as delivered by an interrupted cycle: marked `\Seen`, not delivered.
    public var stalled: [UInt32]
    /// The UIDNEXT the statefile holds now.
    public var uidNext: UInt32

    public init(delivered: [UInt32] = [], stalled: [UInt32] = [], uidNext: UInt32) {
        self.delivered = delivered
        self.stalled = stalled
        self.uidNext = uidNext
    }
}

/// One cycle of pullimap(1)'s control flow, steps 1 to 5:
///
/// 1. `UID FETCH UIDNEXT:4294967295 (UID ENVELOPE INTERNALDATE BODY.PEEK[])`; for each message,
///    deliver it (opening the SMTP/LMTP channel at the first) and append its UID to the statefile;
/// 2. QUIT the channel;
/// 3. `UID STORE … +FLAGS.SILENT (\Seen)` on the delivered UIDs and the stalled ones the statefile
///    held after its 8th octet;
/// 4. write the new UIDNEXT (octets 5-8);
/// 5. truncate the statefile to 8 octets.
///
/// RFC 3501 does not promise FETCH responses in UID order (§6.4.8 says nothing of order), so
/// UIDNEXT only moves once the `UID FETCH` completed; until then the appended UIDs are what keeps
/// an interrupted cycle from delivering twice. A UID is appended only after the server accepted
/// the message (SMTP: the reply to the final dot; LMTP: the recipient's reply), so an interruption
/// loses nothing; the one duplicate an interruption can cause is a message the server accepted in
/// the instant before the append (the crash point `pull-delivered-before-statefile`).
///
/// The responses are read on a thread of their own and handed over through a bounded queue, so
/// the IMAP server sends the next messages while the SMTP/LMTP server stores the current one.
public struct PullCycle {
    public let connection: PullConnection
    public let statefile: PullStatefile
    public let channel: DeliveryChannel
    /// `deliver-rcpt`.
    public let recipient: String
    /// `--no-delivery`: fetch ENVELOPE and INTERNALDATE only and advance the statefile.
    public let noDelivery: Bool
    public let log: PullLog
    /// Octets of fetched messages that may wait for delivery.
    public var readAhead: Int = 32 << 20
    /// Counts the deliveries for the progress line.
    public var progress: PullProgress?

    public init(connection: PullConnection, statefile: PullStatefile, channel: DeliveryChannel, recipient: String,
                noDelivery: Bool, log: PullLog) {
        self.connection = connection
        self.statefile = statefile
        self.channel = channel
        self.recipient = recipient
        self.noDelivery = noDelivery
        self.log = log
    }

    /// Runs the cycle. `skipFetchIfUnchanged`: the mailbox's UIDNEXT is known to be current (just
    /// selected, no new mail since), so a UIDNEXT equal to the statefile's means nothing to fetch.
    public func run(skipFetchIfUnchanged: Bool = false) throws -> PullCycleReport {
        let contents = try statefile.read()
        guard let state = contents.state else {
            // PullRun.start() writes the state of a new statefile before the first cycle.
            throw ProgramFailure(status: .software, message: "statefile \(statefile.path) holds no state: the mailbox was not selected first")
        }
        let stalled = SequenceSet(contents.stalledUIDs)
        let fromUID = max(state.uidNext, 1)
        let serverUIDNext = connection.mailbox.uidNext

        // Step 1.
        var delivered: [UInt32] = []
        var highestFetched: UInt32 = 0
        if !(skipFetchIfUnchanged && serverUIDNext.map { $0 <= fromUID } == true) {
            (delivered, highestFetched) = try fetchAndDeliver(from: fromUID, stalled: stalled)
        }
        // Step 2.
        channel.quit()

        // Step 3: one STORE per chunk of the set, pipelined.
        let seen = SequenceSet(delivered).union(stalled)
        if !seen.isEmpty {
            let tags = try seen.chunked(maxLength: PullConnection.uidSetBytesPerCommand).map { set in
                try connection.send(.uidStore(set, operation: StoreOperation(.add, silent: true), flags: [.seen]))
            }
            CrashPoint.reached("pull-seen-store")
            for tag in tags { try connection.wait(tag, command: "UID STORE") }
        }

        // Steps 4 and 5. Every message below SELECT's UIDNEXT existed before the UID FETCH
        // started, so it was fetched (or expunged since): the new UIDNEXT may be that one even
        // when the highest UIDs were expunged.
        var uidNext = fromUID
        if highestFetched >= uidNext { uidNext = highestFetched == UInt32.max ? UInt32.max : highestFetched + 1 }
        if let serverUIDNext, serverUIDNext > uidNext { uidNext = serverUIDNext }
        if uidNext != state.uidNext || !contents.stalledUIDs.isEmpty || !delivered.isEmpty {
            CrashPoint.reached("pull-before-uidnext")
            try statefile.writeUIDNext(uidNext)
            CrashPoint.reached("pull-before-truncate")
            try statefile.truncateToState()
        }
        return PullCycleReport(delivered: delivered, stalled: contents.stalledUIDs, uidNext: uidNext)
    }

    /// Step 1: the `UID FETCH`, read on a separate thread, and the deliveries on this one.
    private func fetchAndDeliver(from fromUID: UInt32, stalled: SequenceSet) throws -> (delivered: [UInt32], highest: UInt32) {
        var items: [FetchItem] = [.uid, .envelope, .internalDate]
        if !noDelivery { items.append(.body(section: .complete, peek: true)) }
        // `n:4294967295` rather than `n:*`: when n is above every UID, `n:*` still names the last
        // message (RFC 3501 §6.4.8), which would be fetched again for nothing.
        let tag = try connection.send(.uidFetch(SequenceSet(ranges: [fromUID...UInt32.max]), items: items))
        let selected = connection.mailbox
        progress?.fetchStarted(fromUID: fromUID, uidNext: selected.uidNext, exists: Int(selected.messageCount))
        defer { progress?.fetchFinished() }
        let queue = FetchedMessageQueue(capacity: readAhead)
        let (section, mailbox) = (log.section, log.mailbox)
        let reader = Thread { [connection] in
            var assembler = FetchAssembler()
            do {
                try connection.wait(tag, command: "UID FETCH") { event in
                    guard let response = assembler.feed(event) else { return }
                    do {
                        if let message = try FetchedMessage.from(response) { queue.put(message) }
                    } catch {
                        throw PullError.incompleteFetch(section: section, mailbox: mailbox, detail: String(describing: error))
                    }
                }
                queue.finish(.completed)
            } catch {
                queue.finish(.failed(error))
            }
        }
        reader.name = "pull-fetch-reader"
        reader.start()

        var delivered: [UInt32] = []
        var done = SequenceSet()
        var highest: UInt32 = 0
        /// The next message to deliver, skipping what is not ours and what an interrupted run
        /// delivered; `wait: false` returns nil when the reader has not sent it yet.
        func nextToDeliver(wait: Bool) throws -> FetchedMessage?? {
            while true {
                let taken: FetchedMessage?
                if wait {
                    taken = try queue.take()
                } else {
                    guard let polled = try queue.poll() else { return nil }
                    taken = polled
                }
                guard let message = taken else { return .some(nil) }
                let uid = message.uid
                // Not ours to deliver: below UIDNEXT, or sent twice.
                guard uid >= fromUID, !done.contains(uid) else { continue }
                highest = max(highest, uid)
                done.insert(uid)
                if stalled.contains(uid) {
                    log.debug("UID \(uid) was delivered by an interrupted run: not delivering it again")
                    progress?.messageDelivered()
                    continue
                }
                return .some(message)
            }
        }
        func outgoing(_ message: FetchedMessage) -> OutgoingMessage? {
            message.body.map { OutgoingMessage(body: $0, reversePath: message.reversePath, recipient: recipient) }
        }
        do {
            var upcoming = try nextToDeliver(wait: true) ?? nil
            while let message = upcoming {
                let uid = message.uid
                let reversePath = message.reversePath
                log.info(DeliveryLogLine.message(uid: uid, reversePath: reversePath,
                                                 internalDate: message.internalDate.map { $0.description } ?? "NIL"))
                // The message after this one, if it already arrived: the channel may announce it
                // while this one is delivered (RFC 2920), and it is delivered next whatever happens.
                // A failed fetch is not this message's business: the blocking take after its
                // delivery reports it.
                let following = (try? nextToDeliver(wait: false)) ?? nil
                if !noDelivery {
                    guard let current = outgoing(message) else {
                        throw PullError.incompleteFetch(section: log.section, mailbox: log.mailbox, detail: "no BODY[] for UID \(uid)")
                    }
                    do {
                        try channel.deliver(current, next: following.flatMap { $0 }.flatMap(outgoing))
                    } catch {
                        throw PullError.delivery(section: log.section, mailbox: log.mailbox, uid: uid, underlying: error)
                    }
                    CrashPoint.reached("pull-delivered-before-statefile")
                }
                try statefile.appendDeliveredUID(uid)
                CrashPoint.reached("pull-statefile-appended")
                delivered.append(uid)
                progress?.messageDelivered()
                if let following {
                    upcoming = following
                } else {
                    upcoming = try nextToDeliver(wait: true) ?? nil
                }
            }
        } catch {
            // Stop here: what was delivered is in the statefile, the rest waits for the next run.
            // Closing the IMAP connection ends the UID FETCH without reading the remaining bodies.
            queue.cancel()
            channel.quit()
            connection.session.close()
            _ = queue.waitForEnd()
            throw error
        }
        return (delivered, highest)
    }
}
