import XCTest
@testable import Engine

final class ConfigTestsPlaceholder: XCTestCase {}
