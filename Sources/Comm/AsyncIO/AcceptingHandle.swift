import CShims
import Glibc

/// A listening TCP socket in a collection (LispWorks `accepting-handle`): accepts with accept4
/// until EAGAIN (at most `acceptBatch` per readiness event, for fairness), applies the socket
/// options, and hands each connection to `onConnection` as a new state (or the raw descriptor
/// with `createState == false`). EMFILE/ENFILE/ENOBUFS/ENOMEM stop polling the listener and
/// retry on a timer (50 ms doubling to 1 s), so a descriptor shortage never spins the loop.
public final class AcceptingHandle: SelectorHandler {
    /// accept-tcp-connections-creating-async-io-states keywords, already resolved.
    public struct Configuration {
        /// 0 = ephemeral (read back `localPort`).
        public var port: UInt16 = 0
        /// nil = wildcard of the chosen family.
        public var address: IPAddress?
        public var ipv6: IPv6Mode = .any
        public var backlog: Int32 = 1024
        public var reusePort = false
        public var noDelay = true
        public var keepAlive = false
        /// Seconds to keep retrying bind while the port is in use (EADDRINUSE); 0 = no retry.
        public var bindRetryTimeout: Double = 60
        public var createState = true
        /// Options of every accepted state (name, user-info, queue-output, timeouts).
        public var stateOptions = StateOptions()
        public var acceptBatch = 64
        public var name: Any?
        public var userInfo: Any?
        /// ssl-ctx & co: TLS on every accepted connection (with `createState`); the handshake
        /// completes before `onConnection` sees the state.
        public var tls: TLSAcceptOptions?

        public init(port: UInt16 = 0) { self.port = port }
    }

    /// TLS for accepted connections. A failed handshake (timeout included) calls `onFailure`
    /// (ssl-error-callback) with the still open state, then closes it (descriptor released).
    public struct TLSAcceptOptions {
        public var attach: TLSAttachOptions
        public var onFailure: ((AcceptingHandle, AsyncIOState, TLSFailure) -> Void)?

        public init(_ attach: TLSAttachOptions, onFailure: ((AcceptingHandle, AsyncIOState, TLSFailure) -> Void)? = nil) {
            self.attach = attach
            self.onFailure = onFailure
        }
    }

    /// What `onConnection` receives.
    public enum Connection {
        case state(AsyncIOState)
        case socket(Int32)
    }

    public typealias ConnectionHandler = (AcceptingHandle, Connection) -> Void

    /// nil once closed (accepting-handle-collection).
    public private(set) var collection: EventCollection?
    /// The listening descriptor; -1 once closed (accepting-handle-socket => nil).
    public private(set) var fd: Int32
    public let localAddress: SocketAddress
    public var localPort: UInt16 { localAddress.port }
    public var name: Any?
    public var userInfo: Any?
    public private(set) var isClosed = false
    /// Accepted connections so far, and how often accepting backed off.
    public private(set) var acceptedCount = 0
    public private(set) var backoffCount = 0
    /// Called (from the loop) when accept failed and the handle backs off; optional.
    public var onAcceptError: ((AcceptingHandle, SystemError) -> Void)?

    private var onConnection: ConnectionHandler?
    private let config: Configuration
    private var registered = false
    private var backoffTimer: LoopTimer?
    private var backoffDelay = 0.05

    init(collection: EventCollection, fd: Int32, localAddress: SocketAddress, config: Configuration, onConnection: @escaping ConnectionHandler) {
        self.collection = collection
        self.fd = fd
        self.localAddress = localAddress
        self.config = config
        self.name = config.name
        self.userInfo = config.userInfo
        self.onConnection = onConnection
    }

    func register() throws(SystemError) {
        guard let c = collection else { return }
        _ = try c.selector.register(fd: fd, interest: CSHIM_EPOLLIN, handler: self)
        registered = true
    }

    func selectorEvent(_ events: UInt32) {
        var n = 0
        while n < config.acceptBatch && !isClosed {
            let r: IOResult<Int32>
            do {
                r = try Posix.accept(fd)
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
                    continue  // that connection is gone; the next may be fine (accept(2) notes)
                default:
                    backOff(error)  // EMFILE, ENFILE, ENOBUFS, ENOMEM or unknown: never spin
                    return
                }
            }
            guard case .processed(let cfd) = r else { return }
            n += 1
            acceptedCount += 1
            backoffDelay = 0.05
            accepted(cfd)
        }
    }

    private func accepted(_ cfd: Int32) {
        if config.noDelay { try? Posix.setNoDelay(cfd, true) }
        if config.keepAlive { try? Posix.setKeepAlive(cfd, true) }
        guard let c = collection, let handler = onConnection else {
            Posix.close(cfd)
            return
        }
        if config.createState {
            let s = AsyncIOState(collection: c, fd: cfd, kind: .tcp, ipv6: localAddress.family == AF_INET6, options: config.stateOptions)
            s.ownsDescriptor = true
            if let tls = config.tls {
                startTLS(s, tls)
                return
            }
            handler(self, .state(s))
        } else {
            handler(self, .socket(cfd))
        }
    }

    /// Server handshake on an accepted state; `onConnection` after it succeeded (if the handle
    /// is still open), else `onFailure` and close.
    private func startTLS(_ s: AsyncIOState, _ tls: TLSAcceptOptions) {
        do {
            try s.attachTLS(tls.attach) { [weak self] s, failure in
                guard let self, !self.isClosed, let handler = self.onConnection else {
                    s.close()
                    return
                }
                if let f = failure {
                    tls.onFailure?(self, s, f)
                    s.close()
                } else {
                    handler(self, .state(s))
                }
            }
        } catch {
            s.close()
        }
    }

    private func backOff(_ e: SystemError) {
        guard let c = collection else { return }
        if registered {
            c.selector.deregister(fd: fd)
            registered = false
        }
        backoffCount += 1
        let delay = backoffDelay
        backoffDelay = min(backoffDelay * 2, 1.0)
        if backoffTimer == nil {
            backoffTimer = LoopTimer { [unowned self] in
                if !self.isClosed && !self.registered { try? self.register() }
            }
        }
        c.arm(backoffTimer!, at: monotonicNanos() &+ nanos(fromSeconds: delay))
        if let report = onAcceptError { report(self, e) }
    }

    /// close-accepting-handle: closes the listening socket (idempotent) and queues
    /// `callback(collection)` on the loop; the callback also runs for an already closed handle.
    public func close(callback: ((EventCollection) -> Void)? = nil) {
        let c = collection
        closeSilently()
        if let cb = callback, let c = c ?? lastCollection {
            c.enqueue(work: { cb(c) })
        }
    }

    /// Kept after close only so a repeated close can still run its callback.
    private weak var lastCollection: EventCollection?

    func closeSilently() {
        guard !isClosed, let c = collection else { return }
        isClosed = true
        if registered { c.selector.deregister(fd: fd) }
        registered = false
        if let t = backoffTimer { c.cancel(t); t.action = nil; backoffTimer = nil }
        Posix.close(fd)
        fd = -1
        c.acceptors.removeAll { $0 === self }
        onConnection = nil
        onAcceptError = nil
        lastCollection = c
        collection = nil
    }
}

extension EventCollection {
    /// accept-tcp-connections-creating-async-io-states: binds (retrying while the port is in
    /// use, up to `bindRetryTimeout`; this blocks the caller, as LispWorks' init-timeout does),
    /// listens, and returns the handle. `onConnection` runs from the loop for each connection.
    public func listen(_ config: AcceptingHandle.Configuration,
                       onConnection: @escaping AcceptingHandle.ConnectionHandler) throws(SystemError) -> AcceptingHandle {
        let bindAddress: SocketAddress
        var v6only: Bool? = nil
        switch (config.address, config.ipv6) {
        case (.some(let ip), _):
            bindAddress = SocketAddress(ip: ip, port: config.port)
            if ip.isIPv6 { v6only = config.ipv6 != .both }
        case (nil, .any), (nil, .ipv4):
            bindAddress = SocketAddress(ip: .v4(0), port: config.port)
        case (nil, .ipv6):
            bindAddress = SocketAddress(ip: .v6(.any), port: config.port)
            v6only = true
        case (nil, .both):
            bindAddress = SocketAddress(ip: .v6(.any), port: config.port)
            v6only = false
        }
        let fd = try Posix.socket(family: bindAddress.family)
        do {
            try Posix.setReuseAddress(fd, true)
            if config.reusePort { try Posix.setReusePort(fd, true) }
            if let v = v6only { try Posix.setV6Only(fd, v) }
            let deadline = monotonicNanos() &+ nanos(fromSeconds: config.bindRetryTimeout)
            while true {
                do {
                    try Posix.bind(fd, to: bindAddress)
                    break
                } catch where error.errno == EADDRINUSE && monotonicNanos() < deadline {
                    var ts = timespec(tv_sec: 0, tv_nsec: 50_000_000)
                    _ = nanosleep(&ts, nil)
                }
            }
            try Posix.listen(fd, backlog: config.backlog)
            let local = Posix.localAddress(fd) ?? bindAddress
            let h = AcceptingHandle(collection: self, fd: fd, localAddress: local, config: config, onConnection: onConnection)
            try h.register()
            acceptors.append(h)
            return h
        } catch {
            Posix.close(fd)
            throw error
        }
    }
}
