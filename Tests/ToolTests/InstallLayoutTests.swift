import Foundation
import XCTest

/// `make install` with PREFIX and DESTDIR lays out the programs, their manual pages, the
/// completion scripts and the systemd user units; `make uninstall` removes them. The test installs
/// the build the tests run from (SKIP_BUILD=1 BIN_PATH=...), so it costs no compilation.
final class InstallLayoutTests: XCTestCase {
    static let programs = ManPageTests.programs
    static let units = ["interimap.service", "interimap@.service", "pullimap@.service"]

    /// Every file `make install PREFIX=/usr` puts under DESTDIR, relative to it.
    static var installedFiles: [String] {
        programs.flatMap { program in
            ["usr/bin/\(program)", "usr/share/man/man1/\(program).1",
             "usr/share/bash-completion/completions/\(program)", "usr/share/zsh/site-functions/_\(program)",
             "usr/share/fish/vendor_completions.d/\(program).fish"]
        } + units.map { "usr/lib/systemd/user/\($0)" }
    }

    func make(_ target: String, _ variables: [String: String]) throws -> ToolRun {
        let arguments = ["-C", ToolRunner.sourceRoot.path, target] + variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try ToolRunner.run(executable: "make", arguments)
    }

    func testInstallAndUninstall() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stage = directory + "/stage"
        let variables = ["DESTDIR": stage, "PREFIX": "/usr", "SKIP_BUILD": "1",
                         "BIN_PATH": ToolRunner.productsDirectory.path, "GENDIR": directory + "/generated"]
        let install = try make("install", variables)
        XCTAssertEqual(install.status, 0, install.stdout + install.stderr)

        let fileManager = FileManager.default
        for file in Self.installedFiles {
            XCTAssertTrue(fileManager.fileExists(atPath: stage + "/" + file), "make install did not install \(file)")
        }
        for program in Self.programs {
            XCTAssertTrue(fileManager.isExecutableFile(atPath: "\(stage)/usr/bin/\(program)"), program)
            // The installed page is the rendered one, not the scdoc source.
            let page = try String(contentsOfFile: "\(stage)/usr/share/man/man1/\(program).1", encoding: .utf8)
            XCTAssertTrue(page.contains(".TH"), "\(program).1 is not roff")
            let formatted = try ToolRunner.run(executable: "man", ["-l", "\(stage)/usr/share/man/man1/\(program).1"],
                                               environment: ["MANPAGER": "cat", "PAGER": "cat"])
            XCTAssertEqual(formatted.status, 0, formatted.stderr)
        }
        // The units run the programs where they are installed, not where they were staged.
        let unit = try String(contentsOfFile: stage + "/usr/lib/systemd/user/pullimap@.service", encoding: .utf8)
        XCTAssertTrue(unit.contains("ExecStart=/usr/bin/pullimap --idle %I\n"), unit)
        XCTAssertFalse(unit.contains(stage), unit)
        XCTAssertFalse(unit.contains("@"+"SANDBOX@"), unit)

        let uninstall = try make("uninstall", variables)
        XCTAssertEqual(uninstall.status, 0, uninstall.stdout + uninstall.stderr)
        for file in Self.installedFiles {
            XCTAssertFalse(fileManager.fileExists(atPath: stage + "/" + file), "make uninstall left \(file)")
        }
    }
}
