import XCTest
@testable import Engine

final class ModifiedUTF7Tests: XCTestCase {
    func testRFC3501Examples() throws {
        XCTAssertEqual(ModifiedUTF7.encode("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        XCTAssertEqual(try ModifiedUTF7.decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語")
        XCTAssertEqual(ModifiedUTF7.encode("&"), "&-")
        XCTAssertEqual(try ModifiedUTF7.decode("&-"), "&")
        XCTAssertEqual(ModifiedUTF7.encode("Tom & Jerry"), "Tom &- Jerry")
        XCTAssertEqual(try ModifiedUTF7.decode("Entw&APw-rfe"), "Entwürfe")
        XCTAssertEqual(ModifiedUTF7.encode("Entwürfe"), "Entw&APw-rfe")
    }

    func testRoundTrips() throws {
        for name in ["INBOX", "", "a/b.c", "Éléments envoyés", "日本語/テスト", "emoji 😀 here", "&&", "~", "mixed&日本", "\u{7f}ctl", "tab\there"] {
            let wire = ModifiedUTF7.encode(name)
            XCTAssertTrue(wire.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7e }, wire)
            XCTAssertEqual(try ModifiedUTF7.decode(wire), name)
        }
    }

    func testInvalidInputs() {
        for bad in ["&", "&U,BTFw", "&Jjo!-", "a\u{e9}b", "&AGE-", "&ZeVnLIqe", "&ZeVnLIq-", "&2D0-", "\u{01}"] {
            XCTAssertThrowsError(try ModifiedUTF7.decode(bad), bad)
        }
    }
}
