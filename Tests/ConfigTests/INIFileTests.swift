import TestSupport
import XCTest
@testable import Engine

final class INIFileTests: XCTestCase {
    func testSectionsDefaultSectionAndLocations() throws {
        let file = try INIFile(text: """
            database = x.db
            # comment
              ; indented comment

            [local]
            type=tunnel
              host   =   example.org\t
            [ remote ]
            password = a=b=c
            """, path: "/etc/cfg")
        XCTAssertEqual(file.defaultSection["database"], INIValue(key: "database", value: "x.db", file: "/etc/cfg", line: 1))
        XCTAssertEqual(file.section("local")?["type"]?.value, "tunnel")
        XCTAssertEqual(file.section("local")?["host"], INIValue(key: "host", value: "example.org", file: "/etc/cfg", line: 7))
        XCTAssertEqual(file.section("remote")?["password"]?.value, "a=b=c")
        XCTAssertEqual(file.section("remote")?.headerLine, 8)
        XCTAssertEqual(file.sectionNames, ["local", "remote"])
    }

    func testDuplicateSectionsMergeAndLaterValuesWin() throws {
        let file = try INIFile(text: "[a]\nx=1\ny=1\n[b]\n[a]\nx=2\n", path: "c")
        XCTAssertEqual(file.section("a")?["x"]?.value, "2")
        XCTAssertEqual(file.section("a")?["x"]?.line, 6)
        XCTAssertEqual(file.section("a")?["y"]?.value, "1")
        XCTAssertEqual(file.section("a")?.headerLine, 1)
        XCTAssertEqual(file.sectionNames, ["a", "b"])
    }

    func testDefaultSectionIsInherited() throws {
        let file = try INIFile(text: "x=0\nz=0\n[a]\nx=1\n", path: "c")
        let values = file.effectiveValues(in: "a")
        XCTAssertEqual(values["x"]?.value, "1")
        XCTAssertEqual(values["z"]?.value, "0")
    }

    func testEmptyValueCRLFAndInlineHashAreKept() throws {
        let file = try INIFile(text: "[a]\r\nx=\r\ny = v # not a comment\r\n", path: "c")
        XCTAssertEqual(file.section("a")?["x"]?.value, "")
        XCTAssertEqual(file.section("a")?["y"]?.value, "v # not a comment")
    }

    func testMalformedLines() {
        XCTAssertConfigError(try INIFile(text: "[a]\ngarbage\n", path: "cfg"),
                             "cfg:2: expected OPTION=VALUE, [SECTION] or a comment, got 'garbage'")
        XCTAssertConfigError(try INIFile(text: "=x\n", path: "cfg"), "cfg:1: missing option name before '=' in '=x'")
        XCTAssertConfigError(try INIFile(text: "\n[]\n", path: "cfg"), "cfg:2: empty section name '[]'")
        XCTAssertConfigError(try INIFile(text: "[a] # c\n", path: "cfg"),
                             "cfg:1: malformed section header '[a] # c' (expected [SECTION])")
        XCTAssertConfigError(try INIFile(text: "[a\n", path: "cfg"), "cfg:1: malformed section header '[a' (expected [SECTION])")
        XCTAssertConfigError(try INIFile(data: Data([0x61, 0x3D, 0x0A, 0x62, 0x3D, 0xFF]), path: "cfg"),
                             "cfg:2: the line is not valid UTF-8")
    }

    func testMissingFile() throws {
        let directory = try makeTemporaryDirectory(self)
        XCTAssertConfigError(try INIFile(contentsOf: directory + "/none"),
                             "\(directory)/none: cannot read the configuration file: No such file or directory")
        XCTAssertConfigError(try INIFile(contentsOf: directory),
                             "\(directory): cannot read the configuration file: Is a directory")
        try "[a]\nk=v\n".write(toFile: directory + "/c", atomically: true, encoding: .utf8)
        XCTAssertEqual(try INIFile(contentsOf: directory + "/c").section("a")?["k"]?.file, directory + "/c")
    }

    /// Inline comments as the reference reads them (checked against /usr/bin/interimap with
    /// `list-mailbox`): blanks, `;`, a blank; `#` and a `;` without blanks keep their place.
    func testInlineCommentsAfterValues() throws {
        let cases: [(String, String)] = [
            ("INBOX ; the inbox", "INBOX"),
            ("INBOX\t; tab", "INBOX"),
            ("INBOX ;\tx", "INBOX"),
            ("INBOX ; x ; y", "INBOX"),
            ("Work ; x Foo", "Work"),
            ("\"a ; b\" Work", "\"a"),
            ("; only a comment", ""),
            ("INBOX # not a comment", "INBOX # not a comment"),
            ("INBOX;x", "INBOX;x"),
            ("INBOX ;x", "INBOX ;x"),
            ("INBOX ;", "INBOX ;"),
            ("INBOX ; ", "INBOX ;"),
            ("lmtp:[127.0.0.1]:24   ; local MTA", "lmtp:[127.0.0.1]:24"),
        ]
        for (written, value) in cases {
            let file = try INIFile(text: "[s]\nkey = \(written)\n", path: "c")
            XCTAssertEqual(file.section("s")?["key"]?.value, value, written)
        }
    }
}
