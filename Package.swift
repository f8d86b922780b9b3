// swift-tools-version:6.0
// InterIMAP for Swift: see README.md and ../shared/DESIGN.md for the layout.
import PackageDescription

let package = Package(
    name: "InterIMAP",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "interimap", targets: ["interimap"]),
        .executable(name: "pullimap", targets: ["pullimap"]),
        .executable(name: "scenario", targets: ["scenario"]),
        .executable(name: "fake-imapd", targets: ["fake-imapd"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "FakeIMAPServer", targets: ["FakeIMAPServer"]),
        .library(name: "FakeLMTP", targets: ["FakeLMTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries: OpenSSL for TLS (libssl-dev), zlib for COMPRESS=DEFLATE (zlib1g-dev).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "Engine",
            dependencies: [
                "COpenSSL", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "FakeIMAPServer", dependencies: ["Engine", "CZlib"]),
        .target(name: "FakeLMTP", dependencies: ["Engine"]),
        // The options both programs share (`--config`, `--quiet`, `--debug`), declared once.
        .target(
            name: "ToolOptions", dependencies: ["Engine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/ToolOptions"),
        .executableTarget(
            name: "interimap", dependencies: ["Engine", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/interimap"),
        .executableTarget(
            name: "pullimap", dependencies: ["Engine", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/pullimap"),
        .executableTarget(
            name: "scenario",
            dependencies: ["Engine", "FakeIMAPServer", "FakeLMTP", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "GRDB", package: "GRDB.swift")],
            path: "Sources/Tools/scenario"),
        .executableTarget(
            name: "fake-imapd",
            dependencies: ["Engine", "FakeIMAPServer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/fake-imapd"),
        .testTarget(name: "WireTests", dependencies: ["Engine"]),
        .testTarget(name: "TransportTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "ConfigTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "ClientTests", dependencies: ["Engine", "FakeIMAPServer", "TestSupport"]),
        .target(name: "TestSupport", dependencies: ["Engine"], path: "Tests/TestSupport"),
        .testTarget(name: "FakeIMAPServerTests", dependencies: ["Engine", "FakeIMAPServer", "TestSupport"]),
        .testTarget(name: "ToolTests", dependencies: ["Engine", "FakeIMAPServer", "TestSupport"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Engine", "FakeLMTP", "TestSupport"]),
        .testTarget(name: "FakeLMTPTests", dependencies: ["Engine", "FakeLMTP"]),
        .testTarget(name: "SyncTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "SynchronizerTests", dependencies: ["Engine"]),
        .testTarget(name: "StoreTests", dependencies: ["Engine", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PullTests", dependencies: ["Engine", "FakeIMAPServer", "FakeLMTP", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["scenario", "Engine", "FakeIMAPServer", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
