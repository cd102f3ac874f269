import XCTest
import Glibc
@testable import Comm

/// Mutable box usable from `@Sendable` closures in tests (single-threaded use or joined threads).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}

/// Drives `c` until `cond` holds or `timeout` seconds pass; returns whether it held.
@discardableResult
func runUntil(_ c: EventCollection, timeout: Double = 5, _ cond: () -> Bool) -> Bool {
    let deadline = monotonicNanos() + UInt64(timeout * 1e9)
    while !cond() {
        if monotonicNanos() > deadline { return false }
        c.wait(timeoutSeconds: 0.05)
        c.dispatch()
    }
    return true
}

/// Runs the loop for `seconds` regardless of conditions.
func runFor(_ c: EventCollection, _ seconds: Double) {
    let deadline = monotonicNanos() + UInt64(seconds * 1e9)
    while monotonicNanos() < deadline {
        c.wait(timeoutSeconds: 0.02)
        c.dispatch()
    }
}

func bytes(_ s: String) -> ByteArray { ByteArray(Array(s.utf8)) }
func text(_ b: MutableByteStorage, _ start: Int = 0, _ end: Int) -> String {
    b.withUnsafeMutableBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
}

/// A listener + one connected client/server pair of states, both driven by one collection.
struct Pair {
    let acceptor: AcceptingHandle
    let client: AsyncIOState
    let server: AsyncIOState
}

func makePair(_ c: EventCollection, ipv6: Bool = false, serverOptions: StateOptions = StateOptions(),
              clientOptions: StateOptions = StateOptions(), file: StaticString = #filePath, line: UInt = #line) throws -> Pair {
    var cfg = AcceptingHandle.Configuration(port: 0)
    cfg.address = ipv6 ? .v6(.loopback) : IPAddress("127.0.0.1")
    cfg.stateOptions = serverOptions
    cfg.bindRetryTimeout = 0
    var server: AsyncIOState?
    let acc = try c.listen(cfg) { _, conn in
        if case .state(let s) = conn { server = s }
    }
    var connected: SystemError?? = .none
    let addr = SocketAddress(ip: ipv6 ? .v6(.loopback) : IPAddress("127.0.0.1")!, port: acc.localPort)
    let client = c.connectTCP(to: [addr], options: clientOptions) { _, err in connected = .some(err) }
    XCTAssert(runUntil(c) { server != nil && connected != nil }, "pair did not connect", file: file, line: line)
    if case .some(.some(let e)) = connected { XCTFail("connect failed: \(e)", file: file, line: line) }
    return Pair(acceptor: acc, client: client, server: server!)
}

/// The process's open descriptor count.
func fdCount() -> Int { Posix.openFileDescriptorCount() }
