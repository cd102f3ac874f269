import XCTest
import Foundation
import Glibc
@testable import Comm

/// TLS echo throughput of the engine against the reference C server (shared/tools), both
/// driven by shared/tools/loadgen. Run only with COMM_BENCH=1, in a release build
/// (`swift build -c release -Xswiftc -enable-testing --build-tests`), ideally as
/// `taskset -c 0 swift test -c release ...` (loadgen is pinned to core 1).
final class TLSPerfTests: XCTestCase {
    var fx: TLSFixtures { TLSFixtures.shared }

    /// COMM_BENCH_PLAIN=1: the same scenarios without TLS (engine baseline).
    var plain: Bool { getenv("COMM_BENCH_PLAIN") != nil }

    func tool(_ name: String) throws -> String {
        let bin = NSTemporaryDirectory() + "comm-\(name)"
        if !FileManager.default.fileExists(atPath: bin) {
            let src = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/tools/\(name).c").path
            let alt = "/work/shared/tools/\(name).c"
            let path = FileManager.default.fileExists(atPath: src) ? src : alt
            try sh("gcc -O2 -o '\(bin)' '\(path)' -lssl -lcrypto -lpthread -lm")
        }
        return bin
    }

    func loadgen(_ args: String, port: UInt16, driving c: EventCollection?) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec taskset -c 1 '\(try tool("loadgen"))' \(args) -p \(port) \(plain ? "" : "--tls") -q"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        if let c { runUntil(c, timeout: 60) { !p.isRunning } }
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    func selfCPU() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// utime+stime of a child from /proc (the C server; `sh -c exec` keeps the pid).
    func procCPU(_ pid: Int32) -> Double {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return 0 }
        let f = s[s.index(after: close)...].split(separator: " ")
        guard f.count > 13, let ut = Double(f[11]), let st = Double(f[12]) else { return 0 }
        return (ut + st) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func figure(_ result: String, _ key: String) -> Double {
        guard let r = result.range(of: " \(key)=") else { return 0 }
        return Double(result[r.upperBound...].prefix { !$0.isWhitespace }) ?? 0
    }

    func testTLSEchoAgainstC() throws {
        guard getenv("COMM_BENCH") != nil else { throw XCTSkip("set COMM_BENCH=1") }
        let scenarios: [(String, String)] = [
            ("connect -c 16 -d 3", "handshakes_per_s"),
            ("pingpong -c 50 -s 64 -d 3", "msgs_per_s"),
            ("stream -c 4 -s 16384 -d 3", "mb_per_s"),
        ]
        // Engine server.
        let c = try EventCollection()
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        cfg.stateOptions = StateOptions(queueOutput: true)
        if !plain { cfg.tls = .init(TLSAttachOptions(context: try fx.serverContext(), handshakeTimeout: 10)) }
        let h = try c.listen(cfg) { _, conn in
            guard case .state(let s) = conn else { return }
            try? s.readWithChecking(callback: { st, buf, end in
                guard st.readStatus == .ok else { st.close(); return }
                let out = ByteArray(count: end)
                buf.withUnsafeMutableBytes { src in
                    out.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: end) }
                }
                st.discard(end)
                try? st.writeBuffer(out, callback: nil)
            }, errorCallback: { st, _, _ in st.close() })
        }
        var ours: [Double] = []
        var oursCPU: [Double] = []
        for (args, key) in scenarios {
            let cpu0 = selfCPU()
            let r = try loadgen(args, port: h.localPort, driving: c)
            let cpu = selfCPU() - cpu0
            print("engine: \(r.trimmingCharacters(in: .whitespacesAndNewlines)) server_cpu_s=\(cpu)")
            ours.append(figure(r, key))
            oursCPU.append(cpu / max(figure(r, "msgs"), 1))
        }
        h.close()
        c.close()
        // Reference C server.
        let port = UInt16(40000 + Int(getpid() % 20000))
        let srv = Process()
        srv.executableURL = URL(fileURLWithPath: "/bin/sh")
        srv.arguments = ["-c", "exec taskset -c 0 '\(try tool("c-epoll-echo"))' --port \(port) \(plain ? "" : "--tls '\(fx.serverCert)' '\(fx.serverKey)'")"]
        srv.standardOutput = FileHandle.nullDevice
        try srv.run()
        defer { srv.terminate(); srv.waitUntilExit() }
        usleep(300_000)
        for (i, (args, key)) in scenarios.enumerated() {
            let cpu0 = procCPU(srv.processIdentifier)
            let r = try loadgen(args, port: port, driving: nil)
            let cpu = procCPU(srv.processIdentifier) - cpu0
            print("C:      \(r.trimmingCharacters(in: .whitespacesAndNewlines)) server_cpu_s=\(cpu)")
            let theirs = figure(r, key)
            let theirCPU = cpu / max(figure(r, "msgs"), 1)
            print(String(format: "%@ %@: engine %.0f / C %.0f = %.2f; server CPU us per msg: engine %.1f C %.1f (C/engine %.2f)",
                         args, key, ours[i], theirs, theirs > 0 ? ours[i] / theirs : 0,
                         oursCPU[i] * 1e6, theirCPU * 1e6, oursCPU[i] > 0 ? theirCPU / oursCPU[i] : 0))
        }
    }
}
