import XCTest
@testable import Engine

final class SequenceSetTests: XCTestCase {
    func testCompaction() {
        XCTAssertEqual(SequenceSet([1, 2, 3, 5, 7, 8, 9, 12]).description, "1:3,5,7:9,12")
        XCTAssertEqual(SequenceSet([9, 3, 1, 2, 8, 7, 5, 12, 3]).description, "1:3,5,7:9,12")
        XCTAssertEqual(SequenceSet(ranges: [10...20, 1...5, 6...9, 15...30]).description, "1:30")
        XCTAssertEqual(SequenceSet(ranges: [UInt32.max - 1...UInt32.max, 1...1]).description, "1,4294967294:4294967295")
        XCTAssertEqual(SequenceSet([5]).description, "5")
        XCTAssertEqual(SequenceSet.from(300).description, "300:*")
        XCTAssertTrue(SequenceSet().isEmpty)
        XCTAssertEqual(SequenceSet([1, 2, 3, 5]).count, 4)
        XCTAssertEqual(SequenceSet([4, 9, 2]).first, 2)
        XCTAssertEqual(SequenceSet([4, 9, 2]).last, 9)
    }

    func testInsertMergesNeighbours() {
        var s = SequenceSet([1, 3, 5, 7])
        s.insert(2)
        XCTAssertEqual(s.description, "1:3,5,7")
        s.insert(6)
        XCTAssertEqual(s.description, "1:3,5:7")
        s.insert(4...4)
        XCTAssertEqual(s.description, "1:7")
        s.insert(UInt32.max)
        XCTAssertEqual(s.description, "1:7,4294967295")
        s.remove(4)
        XCTAssertEqual(s.description, "1:3,5:7,4294967295")
        s.remove(1)
        s.remove(7)
        XCTAssertEqual(s.description, "2:3,5:6,4294967295")
        XCTAssertTrue(s.contains(5))
        XCTAssertFalse(s.contains(4))
        XCTAssertTrue(s.contains(UInt32.max))
    }

    func testParsing() throws {
        XCTAssertEqual(try SequenceSet(parsing: "1:3,5,9:7").description, "1:3,5,7:9")
        XCTAssertEqual(try SequenceSet(parsing: "4:*").description, "4:*")
        XCTAssertEqual(try SequenceSet(parsing: "4:*", largest: 6).description, "4:6")
        XCTAssertEqual(try SequenceSet(parsing: "*", largest: 6).description, "6")
        XCTAssertTrue(try SequenceSet(parsing: "*").includesStar)
        for bad in ["", ",", "1,", "1:", ":2", "0", "1:0", "a", "1;2", "4294967296", "1::2"] {
            XCTAssertThrowsError(try SequenceSet(parsing: bad), bad)
        }
    }

    func testWireParsingRejectsStarAndZero() {
        func parse(_ s: String) -> SequenceSet? {
            let b = Array(s.utf8)
            return b.withUnsafeBufferPointer { SequenceSet(wireBytes: $0) }
        }
        XCTAssertEqual(parse("3,1:2,10:8"), SequenceSet([1, 2, 3, 8, 9, 10]))
        XCTAssertEqual(parse("4294967295"), SequenceSet([UInt32.max]))
        for bad in ["", "*", "1:*", "0", "1,,2", "4294967296", "1:2:3", "1,"] { XCTAssertNil(parse(bad), bad) }
    }

    func testUnionSubtractionIntersection() {
        let a = SequenceSet(ranges: [1...10, 20...30])
        let b = SequenceSet(ranges: [5...22, 40...41])
        XCTAssertEqual(a.union(b).description, "1:30,40:41")
        XCTAssertEqual(a.subtracting(b).description, "1:4,23:30")
        XCTAssertEqual(b.subtracting(a).description, "11:19,40:41")
        XCTAssertEqual(a.intersection(b).description, "5:10,20:22")
        XCTAssertEqual(a.subtracting(a), SequenceSet())
        XCTAssertEqual(a.subtracting(SequenceSet()), a)
        XCTAssertEqual(SequenceSet(ranges: [1...UInt32.max]).subtracting(SequenceSet([1, UInt32.max])).description, "2:4294967294")
        // Many ranges: union stays compact and fast.
        var odd = SequenceSet()
        for n in stride(from: UInt32(1), to: 200_000, by: 2) { odd.insert(n) }
        let even = SequenceSet(stride(from: UInt32(2), through: 200_000, by: 2))
        XCTAssertEqual(odd.union(even).description, "1:200000")
        XCTAssertEqual(odd.intersection(even), SequenceSet())
        XCTAssertEqual(odd.subtracting(even), odd)
        var star = SequenceSet([1])
        star.formUnion(SequenceSet.from(5))
        XCTAssertTrue(star.includesStar)
    }

    func testIterationAndChunking() {
        let s = SequenceSet(ranges: [1...3, 10...11])
        XCTAssertEqual(Array(s.numbers), [1, 2, 3, 10, 11])
        XCTAssertEqual(s.filter { $0 % 2 == 1 }, [1, 3, 11])
        var big = SequenceSet()
        for n in stride(from: UInt32(1), to: 20_000, by: 3) { big.insert(n) }
        let chunks = big.chunked(maxLength: 100)
        XCTAssertGreaterThan(chunks.count, 1)
        for c in chunks { XCTAssertLessThanOrEqual(c.description.utf8.count, 100) }
        var rejoined = SequenceSet()
        for c in chunks { rejoined.formUnion(c) }
        XCTAssertEqual(rejoined, big)
        XCTAssertEqual(SequenceSet().chunked(maxLength: 10), [])
        let open = SequenceSet([1, 3, 5, 7, 9]).union(SequenceSet.from(11))
        let openChunks = open.chunked(maxLength: 4)
        XCTAssertEqual(openChunks.map(\.description), ["1,3", "5,7", "9,11:*"])
    }
}
