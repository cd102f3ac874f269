import CShims
import Glibc

/// Options of create-async-io-state-and-connected-tcp-socket beyond the state's own.
public struct ConnectOptions {
    /// connect-timeout in seconds; nil = the kernel's own limit.
    public var timeout: Double?
    /// local-address / local-port: bind the local end first (port 0 = any).
    public var localAddress: SocketAddress?
    public var keepAlive: Bool
    public var noDelay: Bool
    /// ssl-ctx & co: TLS client handshake after the TCP connect (side forced to `.client`);
    /// its failure is reported through the connect callback (see `TLSFailure.systemError`).
    public var tls: TLSAttachOptions?

    public init(timeout: Double? = nil, localAddress: SocketAddress? = nil, keepAlive: Bool = false, noDelay: Bool = true) {
        self.timeout = timeout
        self.localAddress = localAddress
        self.keepAlive = keepAlive
        self.noDelay = noDelay
    }
}

/// Creating states: wrapping a descriptor, connecting TCP, and UDP sockets.
extension EventCollection {
    /// create-async-io-state: wraps an existing socket descriptor (made nonblocking).
    public func makeState(fd: Int32, kind: SocketKind = .tcp, ipv6: Bool = false,
                          options: StateOptions = StateOptions()) throws(SystemError) -> AsyncIOState {
        try Posix.setNonBlocking(fd)
        return AsyncIOState(collection: self, fd: fd, kind: kind, ipv6: ipv6, options: options)
    }

    /// create-async-io-state-and-connected-tcp-socket: returns the state at once; the
    /// addresses are tried in order (the bridge resolves the hostspec), and
    /// `callback(state, nil)` or `callback(state, failure)` runs from the loop. On failure the
    /// state's descriptor is already released; the callback should close the state.
    public func connectTCP(to addresses: [SocketAddress], options: StateOptions = StateOptions(),
                           connect: ConnectOptions = ConnectOptions(),
                           callback: @escaping ConnectCallback) -> AsyncIOState {
        let s = AsyncIOState(collection: self, fd: -1, kind: .tcp, ipv6: addresses.first?.family == AF_INET6, options: options)
        s.isConnecting = true
        s.connectCallback = callback
        s.connectCandidates = addresses
        s.connectOptions = connect
        if let t = connect.timeout {
            if s.writeTimer == nil { s.writeTimer = LoopTimer { [unowned s] in s.writeTimerFired() } }
            arm(s.writeTimer!, at: monotonicNanos() &+ nanos(fromSeconds: t))
        }
        s.tryNextConnect(lastError: SystemError(errno: EADDRNOTAVAIL, op: "connect (no address)"))
        return s
    }

    /// create-async-io-state-and-udp-socket / -and-connected-udp-socket: a UDP socket, bound to
    /// `local` when given and connected to `connectTo` when given. Family: from `ipv6`
    /// (`.any` follows the addresses, else IPv4; `.both` = IPv6 with V6ONLY off).
    public func makeUDPState(ipv6: IPv6Mode = .any, local: SocketAddress? = nil, connectTo: SocketAddress? = nil,
                             options: StateOptions = StateOptions(queueOutput: true)) throws(SystemError) -> AsyncIOState {
        let family: Int32
        switch ipv6 {
        case .ipv4: family = AF_INET
        case .ipv6, .both: family = AF_INET6
        case .any: family = connectTo?.family ?? local?.family ?? AF_INET
        }
        let fd = try Posix.socket(family: family, udp: true)
        do {
            if family == AF_INET6 && ipv6 != .any { try Posix.setV6Only(fd, ipv6 == .ipv6) }
            if let l = local { try Posix.bind(fd, to: l) }
            if let c = connectTo { _ = try Posix.connect(fd, to: c) }
        } catch {
            Posix.close(fd)
            throw error
        }
        return AsyncIOState(collection: self, fd: fd, kind: connectTo == nil ? .udp : .udpConnected,
                            ipv6: family == AF_INET6, options: options)
    }
}

extension AsyncIOState {
    /// Tries the next candidate address; reports the last failure when none is left.
    func tryNextConnect(lastError: SystemError) {
        var last = lastError
        while !connectCandidates.isEmpty && !isClosed {
            let addr = connectCandidates.removeFirst()
            releaseFD(close: true)
            do {
                let nfd = try Posix.socket(family: addr.family)
                fd = nfd
                transport = PlainTransport(fd: nfd)
                if let local = connectOptions.localAddress {
                    try Posix.setReuseAddress(nfd, true)
                    try Posix.bind(nfd, to: local)
                }
                if connectOptions.keepAlive { try Posix.setKeepAlive(nfd, true) }
                if try Posix.connect(nfd, to: addr) {
                    connectSucceeded()
                } else {
                    wWaitsFor = CSHIM_EPOLLOUT
                    syncInterest()
                }
                return
            } catch {
                last = error
            }
        }
        connectFailed(last)
    }

    /// Writability after EINPROGRESS: SO_ERROR says how the connect ended.
    func finishConnect() {
        let err = Posix.pendingError(fd)
        if err == 0 {
            connectSucceeded()
        } else {
            wWaitsFor = 0
            tryNextConnect(lastError: SystemError(errno: err, op: "connect"))
        }
    }

    private func connectSucceeded() {
        isConnecting = false
        wWaitsFor = 0
        cancelWriteTimer()
        if connectOptions.noDelay { try? Posix.setNoDelay(fd, true) }
        connectCandidates = []
        if let tls = connectOptions.tls {
            startConnectTLS(tls)
            return
        }
        if let cb = connectCallback { schedule(.connect(cb, nil)) }
        connectCallback = nil
    }

    private func connectFailed(_ e: SystemError) {
        isConnecting = false
        wWaitsFor = 0
        cancelWriteTimer()
        releaseFD(close: true)
        readStatus = .error(e)
        writeStatus = .error(e)
        connectCandidates = []
        if let cb = connectCallback { schedule(.connect(cb, e)) }
        connectCallback = nil
    }

    func connectTimedOut() {
        guard isConnecting else { return }
        connectCandidates = []
        connectFailed(SystemError(errno: ETIMEDOUT, op: "connect (connect-timeout)"))
    }
}
