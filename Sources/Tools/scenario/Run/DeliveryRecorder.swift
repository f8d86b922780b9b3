import Foundation

/// One message a receiver accepted.
struct RecordedDelivery: Equatable {
    var recipients: [String]
    var message: [UInt8]
}

/// The LMTP/SMTP receiver pullimap delivers to during a scenario: listens on 127.0.0.1, records
/// what it accepts, and plays the faults armed for the next run.
protocol DeliveryRecorder: AnyObject {
    /// The TCP port on 127.0.0.1.
    var port: UInt16 { get }
    /// Arms faults for the next run; transactions are counted from 1 within that run.
    func arm(_ faults: [ReceiverFault])
    /// Every message accepted so far, in order.
    var deliveries: [RecordedDelivery] { get }
    /// Command lines received (message data excluded), for `--verbose`.
    var transcript: [String] { get }
    func stop()
}
