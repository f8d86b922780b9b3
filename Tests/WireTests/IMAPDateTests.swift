import XCTest
@testable import Engine

final class IMAPDateTests: XCTestCase {
    func testInternalDateParseAndFormat() throws {
        let d = try InternalDate(parsing: "17-Jul-1996 02:44:25 -0700")
        XCTAssertEqual([d.year, d.month, d.day, d.hour, d.minute, d.second, d.zoneOffsetMinutes], [1996, 7, 17, 2, 44, 25, -420])
        XCTAssertEqual(d.description, "17-Jul-1996 02:44:25 -0700")
        XCTAssertEqual(d.date.timeIntervalSince1970, 837_596_665)
        let padded = try InternalDate(parsing: " 7-feb-2024 10:00:01 +0130")
        XCTAssertEqual(padded.description, "07-Feb-2024 10:00:01 +0130")
        XCTAssertEqual(padded.zoneOffsetMinutes, 90)
        XCTAssertEqual(try InternalDate(parsing: "7-Feb-2024 10:00:01 +0000").day, 7)
        for bad in ["", "17-Jul-1996", "17-Jux-1996 02:44:25 -0700", "17-Jul-1996 02:44:25 0700", "17-Jul-1996 2:44:25 -0700",
                    "32-Jul-1996 02:44:25 -0700", "17-Jul-1996 24:00:00 +0000", "17-Jul-1996 02:44:25 -0700 ", "117-Jul-1996 02:44:25 -0700"] {
            XCTAssertThrowsError(try InternalDate(parsing: bad), bad)
        }
    }

    func testInternalDateFromDate() {
        let when = Date(timeIntervalSince1970: 837_596_665)
        XCTAssertEqual(InternalDate(date: when).description, "17-Jul-1996 09:44:25 +0000")
        XCTAssertEqual(InternalDate(date: when, zoneOffsetMinutes: -420).description, "17-Jul-1996 02:44:25 -0700")
        XCTAssertEqual(InternalDate(date: when, zoneOffsetMinutes: 330).date, when)
    }

    func testSearchDate() throws {
        XCTAssertEqual(try SearchDate(parsing: "1-Feb-1994").description, "1-Feb-1994")
        XCTAssertEqual(try SearchDate(parsing: "\"01-feb-1994\"").description, "1-Feb-1994")
        XCTAssertEqual(SearchDate(date: Date(timeIntervalSince1970: 837_596_665)).description, "17-Jul-1996")
        XCTAssertLessThan(try SearchDate(parsing: "31-Jan-1994"), try SearchDate(parsing: "1-Feb-1994"))
        for bad in ["", "1-Feb", "1-Foo-1994", "123-Feb-1994", "1-Feb-94", "x-Feb-1994"] {
            XCTAssertThrowsError(try SearchDate(parsing: bad), bad)
        }
        XCTAssertNil(SearchDate(year: 1994, month: 13, day: 1))
    }
}
