import XCTest
@testable import Engine

final class TransportTestsPlaceholder: XCTestCase {}
