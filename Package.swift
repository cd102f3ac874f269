// swift-tools-version:6.0
import PackageDescription

// CommLisp: a Common Lisp interpreter whose COMM package implements the LispWorks asynchronous
// I/O API on epoll + OpenSSL. No package dependencies: only the toolchain, Glibc and the system's
// OpenSSL (libssl-dev), reached through the CShims C target.
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
        .target(name: "Comm", dependencies: ["CShims"]),
        .target(name: "LispCore"),
        .target(name: "LispComm", dependencies: ["LispCore", "Comm", "CShims"]),
        .executableTarget(name: "commlisp", dependencies: ["LispCore", "LispComm", "CShims"]),
        .executableTarget(name: "commlisp-bench", dependencies: ["CShims"]),
        .testTarget(name: "LispCoreTests", dependencies: ["LispCore"]),
        .testTarget(name: "CommTests", dependencies: ["Comm", "CShims"]),
        .testTarget(name: "LispCommTests", dependencies: ["LispComm", "LispCore", "Comm"]),
        .testTarget(name: "GoldenTests", dependencies: ["LispCore"]),
    ]
)
