import Logging

/// The swift-log handler of both programs: it reads the component name and mailbox from the
/// metadata (``LogMetadataKey``), renders the `log-prefix` and hands the line to a ``LogSink``.
///
/// Debug IMAP traffic is logged through it at debug level as `C: ...`/`S: ...` lines.
public struct InterIMAPLogHandler: LogHandler {
    /// Where lines go.
    public let sink: LogSink
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level

    public init(sink: LogSink, metadataProvider: Logger.MetadataProvider? = nil) {
        self.sink = sink
        self.logLevel = sink.threshold
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadataProvider?.get() ?? [:]
        merged.merge(metadata) { _, handler in handler }
        if let eventMetadata = event.metadata {
            merged.merge(eventMetadata) { _, event in event }
        }
        sink.record(level: event.level,
                    component: Self.text(merged[LogMetadataKey.component]),
                    mailbox: Self.text(merged[LogMetadataKey.mailbox]),
                    message: event.message.description)
    }

    static func text(_ value: Logger.Metadata.Value?) -> String {
        switch value {
        case .none: return ""
        case .string(let text): return text
        case .some(let other): return other.description
        }
    }
}
