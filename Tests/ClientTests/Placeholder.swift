import XCTest
@testable import Engine

final class ClientTestsPlaceholder: XCTestCase {}
