import XCTest
@testable import scenario

final class TextDiffTests: XCTestCase {
    func testMarksRemovedAndAddedLines() {
        let diff = TextDiff.render(expected: ["a", "b", "c"], actual: ["a", "c", "d"], actualTitle: "remote")
        XCTAssertEqual(diff, "--- expected\n+++ remote\n a\n-b\n c\n+d")
    }

    func testShortensLongRunsOfCommonLines() {
        let common = (1...20).map { "line \($0)" }
        let diff = TextDiff.render(expected: common + ["x"], actual: common + ["y"])
        XCTAssertTrue(diff.contains("  ... 17 same line(s)"), diff)
        XCTAssertTrue(diff.hasSuffix(" line 18\n line 19\n line 20\n-x\n+y"), diff)
    }

    func testEmptyLists() {
        XCTAssertEqual(TextDiff.render(expected: [], actual: ["m1"]), "--- expected\n+++ actual\n+m1")
    }
}
