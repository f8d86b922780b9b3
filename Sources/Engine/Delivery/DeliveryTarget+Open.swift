extension DeliveryTarget {
    /// Opens the deliverer for this target: connects and says LHLO/EHLO to a server or socket
    /// (introducing the client as `clientDomain`, `deliver-ehlo`), creates a missing maildir,
    /// opens the mbox file. An MDA is started once per message.
    public func open(clientDomain: String, trace: ((MailTrafficDirection, String) -> Void)? = nil)
        throws(MailDeliveryError) -> any MessageDeliverer {
        switch self {
        case .server(let method):
            return try MailDeliverySession.connect(to: method, clientDomain: clientDomain, trace: trace)
        case .unixSocket(let transferProtocol, let path):
            let stream: SocketStream
            do {
                stream = try SocketStream.connect(unixPath: path)
            } catch {
                throw MailDeliveryError.connectFailed(target: path, reason: String(describing: error))
            }
            return try MailDeliverySession(stream: stream, transferProtocol: transferProtocol, clientDomain: clientDomain, trace: trace)
        case .maildir(let path):
            return try MaildirDeliverer(path: path)
        case .mbox(let path):
            return try MboxDeliverer(path: path)
        case .mda(let command):
            return MDADeliverer(command: command)
        }
    }
}
