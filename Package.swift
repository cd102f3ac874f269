// swift-tools-version:6.0
import PackageDescription

// CommLisp: a Common Lisp interpreter whose COMM package implements the LispWorks asynchronous
// I/O API on epoll + OpenSSL. No package dependencies: only the toolchain, Glibc and the system's
// OpenSSL (libssl-dev), reached through the CShims C target.
/// The interpreter is confined to one Lisp thread by design (DESIGN.md), so the Swift 6 strict
/// data-race checks on its process-wide symbol tables are relaxed to Swift 5 mode.
/// Dynamic exclusivity checks on every class-property access cost ~15% of interpreter time
/// (measured on fib); the Lisp thread owns its runtime, so they are turned off.
let lang: [SwiftSetting] = [.swiftLanguageMode(.v5), .unsafeFlags(["-enforce-exclusivity=unchecked"])]
/// LispCore's and LispComm's objects are only ever touched by the Lisp thread, so their reference
/// counting need not be atomic (swift_nonatomic_retain/release: no locked instructions on the
/// hottest path). Comm stays atomic: its collections accept work posted from other threads.
let lispThreadOnly: [SwiftSetting] = lang + [.unsafeFlags(["-Xfrontend", "-assume-single-threaded"])]

let package = Package(
    name: "commlisp",
    products: [
        .executable(name: "commlisp", targets: ["commlisp"]),
        .executable(name: "commlisp-bench", targets: ["commlisp-bench"]),
    ],
    targets: [
        .target(
            name: "CShims",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // The small-object allocator (malloc replacement) is linked into the commlisp executable only.
        .target(name: "CSmallAlloc"),
        // The engine is confined to its collection's thread as well: no dynamic exclusivity checks.
        .target(name: "Comm", dependencies: ["CShims"], swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "LispCore", swiftSettings: lispThreadOnly),
        .target(name: "LispComm", dependencies: ["LispCore", "Comm", "CShims"], swiftSettings: lispThreadOnly),
        .executableTarget(name: "commlisp", dependencies: ["LispCore", "LispComm", "CShims", "CSmallAlloc"], swiftSettings: lang),
        .executableTarget(name: "commlisp-bench", dependencies: ["CShims"]),
        .testTarget(name: "LispCoreTests", dependencies: ["LispCore"], swiftSettings: lang),
        .testTarget(name: "CommTests", dependencies: ["Comm", "CShims"]),
        .testTarget(name: "LispCommTests", dependencies: ["LispComm", "LispCore", "Comm"]),
        .testTarget(name: "GoldenTests", dependencies: ["commlisp"], swiftSettings: lang),
    ]
)
