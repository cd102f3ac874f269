import XCTest
import Glibc
@testable import Comm

/// Ping-pong echo throughput, run only with COMM_BENCH=1 (build with -c release to mean
/// anything). Compare with a C epoll echo server measured the same way on the same machine.
final class PerfTests: XCTestCase {
    func testPingPongEcho() throws {
        guard getenv("COMM_BENCH") != nil else { throw XCTSkip("set COMM_BENCH=1") }
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        let h = try c.listen(cfg) { _, conn in
            guard case .state(let s) = conn else { return }
            try? s.readWithChecking(callback: { st, buf, end in
                guard st.readStatus == .ok else { st.finish(); st.close(); return }
                let out = ByteArray(count: end)   // like Lisp's subseq: one copy per message
                buf.withUnsafeMutableBytes { src in
                    out.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: end) }
                }
                st.discard(end)
                try? st.writeBuffer(out, callback: nil)
            })
        }
        let port = h.localPort
        let n = 100_000
        let rate = Box(0.0)
        let t = Thread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            sa.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            _ = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
            var buf = [UInt8](repeating: 120, count: 64)
            let t0 = monotonicNanos()
            for _ in 0..<n {
                _ = write(fd, buf, 64)
                var got = 0
                while got < 64 { got += buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, 64 - got) } }
            }
            rate.value = Double(n) / (Double(monotonicNanos() - t0) / 1e9)
            close(fd)
            c.post { c.stopLoop() }
        }
        t.start()
        c.runLoop()
        print("Comm: \(Int(rate.value)) round trips/s")
        h.close()
    }
}
