import Engine
import Foundation
import XCTest

/// interimap(1), pullimap(1), scenario(1) and fake-imapd(1): each renders without a warning, and
/// documents every option its program's argument parser knows and every configuration key the
/// configuration readers accept. A new option or key fails here until its page describes it.
final class ManPageTests: XCTestCase {
    static let programs = ["interimap", "pullimap", "scenario", "fake-imapd"]

    func testEveryPageRendersWithoutWarnings() throws {
        for program in Self.programs {
            let page = try ManualPage(program: program)
            XCTAssertEqual(page.warnings, "", "\(program)(1)")
            for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO"] {
                XCTAssertTrue(page.text.contains("\n" + section + "\n"), "\(program)(1) has no \(section) section")
            }
            XCTAssertTrue(page.text.hasPrefix("\(program)(1)"), "\(program)(1) header: \(page.text.prefix(80))")
        }
    }

    func testEveryParserOptionIsDocumented() throws {
        for program in Self.programs {
            let options = try ParserOptions.names(of: program)
            // The parser's description must be read for real: the programs all have --help.
            XCTAssertTrue(options.contains("--help"), "\(program): options read: \(options.sorted())")
            let page = try ManualPage(program: program)
            for option in options.sorted() {
                XCTAssertTrue(page.mentions(option), "\(program)(1) does not document \(option)")
            }
            for subcommand in try ParserOptions.subcommands(of: program) {
                XCTAssertTrue(page.mentions(subcommand), "\(program)(1) does not document the subcommand \(subcommand)")
            }
        }
    }

    func testEveryConfigurationKeyIsDocumented() throws {
        let interimap = try ManualPage(program: "interimap")
        let interimapKeys = InterimapConfiguration.serverSectionKeys
            .union(InterimapConfiguration.defaultSectionOnlyKeys).union(["log-prefix"])
        for key in interimapKeys.sorted() {
            XCTAssertTrue(interimap.mentions(key), "interimap(1) does not document the key \(key)")
        }
        let pullimap = try ManualPage(program: "pullimap")
        for key in PullimapConfiguration.validKeys.sorted() {
            XCTAssertTrue(pullimap.mentions(key), "pullimap(1) does not document the key \(key)")
        }
    }

    /// The check itself: a name in a longer name is not a mention.
    func testMentionsIsWholeWord() {
        let page = ManualPage(text: "  --no-delivery and compress-level\n", warnings: "")
        XCTAssertTrue(page.mentions("--no-delivery"))
        XCTAssertFalse(page.mentions("--no"))
        XCTAssertFalse(page.mentions("delivery"))
        XCTAssertFalse(page.mentions("compress"))
    }
}
