import XCTest
@testable import Engine

final class FakeIMAPServerTestsPlaceholder: XCTestCase {}
