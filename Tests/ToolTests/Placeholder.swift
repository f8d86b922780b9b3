import XCTest
@testable import Engine

final class ToolTestsPlaceholder: XCTestCase {}
