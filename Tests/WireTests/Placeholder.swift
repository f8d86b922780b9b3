import XCTest
@testable import Engine

final class WireTestsPlaceholder: XCTestCase {}
