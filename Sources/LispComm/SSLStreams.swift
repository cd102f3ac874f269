import CShims
import Comm
import Glibc
import LispCore

/// SSL on socket streams (spec 12.6): attach-ssl, detach-ssl, socket-stream-handshake and
/// open-tcp-stream :ssl-ctx. The stream's reads and writes go through the engine's
/// `TLSTransport`; waiting for what OpenSSL wants runs the driver, so collections keep being
/// served while a stream blocks. Failures signal ssl-conditions.
enum SSLStreams {
    /// Streams with SSL attached (SocketStream has no slot of its own for it).
    nonisolated(unsafe) static var table: [ObjectIdentifier: TLSTransport] = [:]

    @inline(__always) static func transport(_ s: SocketStream) -> TLSTransport? {
        table.isEmpty ? nil : table[ObjectIdentifier(s)]
    }

    /// SocketStream.close: close_notify and free the SSL object (the descriptor is closed by
    /// the stream).
    static func closing(_ s: SocketStream) {
        guard let t = table.removeValue(forKey: ObjectIdentifier(s)) else { return }
        t.close()
    }

    static func streamArg(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> SocketStream {
        if case .object(let o) = v, let s = o as? SocketStream, s.fd >= 0 { return s }
        try argError(rt, fname, "socket-stream", v, "an open COMM:SOCKET-STREAM")
    }

    /// Creates the SSL object on the stream and runs the handshake (attach-ssl, open-tcp-stream).
    static func attach(_ rt: Runtime, _ s: SocketStream, _ opts: TLSAttachOptions, fname: String) throws(Unwind) -> TLSTransport {
        if transport(s) != nil { try commError(rt, fname, "SSL is already attached to the stream") }
        try s.flush()
        let t: TLSTransport
        do throws(TLSError) {
            t = try TLSTransport(context: opts.context, fd: s.fd, side: opts.side, hostName: opts.hostName, configure: opts.configure)
        } catch { try SSLBridge.signalSetup(rt, fname, error) }
        try SSLBridge.rethrowPending()
        // Plain bytes the stream already buffered are the start of the peer's handshake.
        if s.inPos < s.inEnd {
            let (from, to) = (s.inPos, s.inEnd)
            var failure: TLSError?
            s.inBuf.withUnsafeBytes { p in
                do throws(TLSError) { try t.feedReadPrefix(UnsafeRawBufferPointer(rebasing: p[from..<to])) } catch { failure = error }
            }
            if let e = failure {
                t.close()
                try SSLBridge.signalSetup(rt, fname, e)
            }
            s.inPos = s.inEnd
        }
        table[ObjectIdentifier(s)] = t
        if opts.side != .both {
            if let f = try s.tlsHandshake(t, timeout: opts.handshakeTimeout) {
                table.removeValue(forKey: ObjectIdentifier(s))
                t.close()
                try rt.signalError(SSLBridge.condition(rt, f))
            }
        }
        return t
    }

    /// open-tcp-stream hook: attaches SSL (client side) when :ssl-ctx is given; on failure the
    /// stream is closed and the condition signalled.
    static func attachOnOpen(_ rt: Runtime, _ kw: KeyArgs, _ s: SocketStream, host: Value) throws(Unwind) {
        guard let opts = try SSLBridge.attachOptions(rt, kw, defaultSide: .client, hostspec: host, server: false) else { return }
        do throws(Unwind) {
            _ = try attach(rt, s, opts, fname: kw.fname)
        } catch {
            s.close()
            throw error
        }
    }

    static func register(_ rt: Runtime, _ d: Driver) {
        let comm = World.shared.comm
        rt.defN("ATTACH-SSL", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "ATTACH-SSL"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["SSL-CTX", "SSL-SIDE", "CTX-CONFIGURE-CALLBACK", "SSL-CONFIGURE-CALLBACK",
                                                              "HANDSHAKE-TIMEOUT", "TLSEXT-HOST-NAME"], fname: fname)
            let s = try streamArg(rt, args[0], fname)
            guard let opts = try SSLBridge.attachOptions(rt, kw, defaultSide: .server, server: nil, defaultCtx: .t) else {
                try commError(rt, fname, ":SSL-CTX NIL: nothing to attach")
            }
            let t = try attach(rt, s, opts, fname: fname)
            return .object(LispSSL(t.ssl, transport: t))
        }
        rt.defN("DETACH-SSL", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "DETACH-SSL"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["RETRY-COUNT", "RETRY-TIMEOUT"], fname: fname)
            let s = try streamArg(rt, args[0], fname)
            guard let t = transport(s) else { return .null }
            try s.flush()
            let retries = kw.has("RETRY-COUNT") ? try kw.integer("RETRY-COUNT", min: 0, max: 1000) : 5
            if let r = retries {
                let ok = t.blockingShutdown(retryCount: r, retryTimeout: try kw.seconds("RETRY-TIMEOUT") ?? 0.1)
                table.removeValue(forKey: ObjectIdentifier(s))
                t.close()
                if !ok { try rt.signalError(SSLBridge.makeCondition(rt, SSLBridge.sslError, "\(qualified(fname)): SSL shutdown did not complete", code: .null)) }
            } else {
                table.removeValue(forKey: ObjectIdentifier(s))
                t.close()
            }
            return .null
        }
        rt.defN("SOCKET-STREAM-HANDSHAKE", 1, 2, in: comm) { rt, args throws(Unwind) in
            let fname = "SOCKET-STREAM-HANDSHAKE"
            let s = try streamArg(rt, args[0], fname)
            guard let t = transport(s) else { try commError(rt, fname, "no SSL attached to the stream") }
            var timeout: Double?
            if args.count > 1 && !args[1].isNil {
                guard let x = realValue(args[1]), x >= 0 else { try argError(rt, fname, "timeout", args[1], "NIL or a non-negative real") }
                timeout = x
            }
            guard let f = try s.tlsHandshake(t, timeout: timeout) else { return .t }
            if f.kind == .timeout || f.kind == .closed { return .null }
            try rt.signalError(SSLBridge.condition(rt, f))
        }
        rt.def1("SOCKET-STREAM-SSL", in: comm) { rt, v throws(Unwind) in
            guard case .object(let o) = v, let s = o as? SocketStream else { try argError(rt, "SOCKET-STREAM-SSL", "socket-stream", v, "a COMM:SOCKET-STREAM") }
            guard let t = transport(s) else { return .null }
            return .object(LispSSL(t.ssl, transport: t))
        }
    }
}

extension SocketStream {
    /// Waits (serving collections) until the socket is ready for what OpenSSL wants.
    func tlsWait(_ t: TLSTransport, until deadline: Double?) throws(Unwind) -> Bool {
        let ev = Int16(t.wants.contains(.write) ? POLLOUT : POLLIN)
        let fd = self.fd
        var timeout: Double?
        if let d = deadline {
            timeout = d - monotonicSeconds()
            if timeout! <= 0 { return false }
        }
        return try driver.waitUntil(timeout: timeout) { () throws(Unwind) -> Bool in
            var p = pollfd(fd: fd, events: ev, revents: 0)
            return poll(&p, 1, 0) > 0
        }
    }

    /// Runs the handshake; nil = done.
    func tlsHandshake(_ t: TLSTransport, timeout: Double?) throws(Unwind) -> TLSFailure? {
        let deadline = timeout.map { monotonicSeconds() + $0 }
        while true {
            switch t.handshakeStep() {
            case .done: return nil
            case .failed(let f): return f
            case .wouldBlock:
                if !(try tlsWait(t, until: deadline)) { return TLSFailure(kind: .timeout) }
            }
        }
    }

    func tlsError(_ e: SystemError) throws(Unwind) -> Never {
        let rt = driver.rt
        if e.domain == .tls {
            try rt.signalError(SSLBridge.makeCondition(rt, SSLBridge.sslFailure, "socket-stream: \(e.shortMessage)", code: .null))
        }
        try rt.signalError(SSLBridge.makeCondition(rt, SSLBridge.sslError, "socket-stream: \(e.shortMessage)", code: .null, errno: e.errno))
    }

    /// listen on a TLS stream: decrypted data must be available, not merely socket readability
    /// (a readable socket may hold only part of a record, or a record without application data
    /// such as a TLS 1.3 session ticket). Decrypted bytes OpenSSL holds count; otherwise one
    /// nonblocking read is tried and whatever it yields is kept in the stream's buffer.
    func tlsListen(_ t: TLSTransport) -> Bool {
        if sawEOF || fd < 0 { return false }
        if pendingReadError != nil { return true }  // the next read reports it without blocking
        if t.hasPendingBytes { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&p, 1, 0) <= 0 { return false }
        var res = TransportReadResult.wouldBlock
        var err: SystemError?
        inBuf.withUnsafeMutableBytes { b in
            do throws(SystemError) { res = try t.read(into: b) } catch { err = error }
        }
        if let e = err {
            pendingReadError = e
            return true
        }
        switch res {
        case .bytes(let n):
            inPos = 0
            inEnd = n
            return true
        case .endOfFile:
            sawEOF = true
            return false
        case .wouldBlock:
            return false
        }
    }

    /// fill() through TLS; false at end of file.
    func tlsFill(_ t: TLSTransport) throws(Unwind) -> Bool {
        if sawEOF || fd < 0 { return false }
        if !outBuf.isEmpty { try flush() }
        if let e = pendingReadError {
            pendingReadError = nil
            if e.errno == ECONNRESET && e.domain != .tls { sawEOF = true; return false }
            try tlsError(e)
        }
        let deadline = readTimeout.map { monotonicSeconds() + $0 }
        while true {
            var res = TransportReadResult.wouldBlock
            var err: SystemError?
            inBuf.withUnsafeMutableBytes { p in
                do throws(SystemError) { res = try t.read(into: p) } catch { err = error }
            }
            if let e = err {
                if e.errno == ECONNRESET && e.domain != .tls { sawEOF = true; return false }
                try tlsError(e)
            }
            switch res {
            case .bytes(let n): inPos = 0; inEnd = n; return true
            case .endOfFile: sawEOF = true; return false
            case .wouldBlock:
                if !(try tlsWait(t, until: deadline)) {
                    try driver.rt.signalError(LispComm.errorCondition(driver.rt, SystemError(errno: ETIMEDOUT, op: "read"), context: "socket-stream"))
                }
            }
        }
    }

    /// flush() through TLS.
    func tlsFlush(_ t: TLSTransport) throws(Unwind) {
        var off = 0
        defer { if off > 0 { outBuf.removeFirst(min(off, outBuf.count)) } }
        while off < outBuf.count && fd >= 0 {
            var res = IOResult<Int>.wouldBlock
            var err: SystemError?
            outBuf.withUnsafeBytes { p in
                do throws(SystemError) { res = try t.write(from: UnsafeRawBufferPointer(rebasing: p[off...])) } catch { err = error }
            }
            if let e = err {
                outBuf.removeAll()
                off = 0
                try tlsError(e)
            }
            switch res {
            case .processed(let n): off += n
            case .wouldBlock: _ = try tlsWait(t, until: nil)
            }
        }
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
