/// Status of one direction of an async-io-state: LispWorks' `nil` / `:eof` / `:timeout` / error value.
public enum IOStatus: Equatable, Sendable {
    /// `nil`: healthy.
    case ok
    /// `:eof`: the peer closed (read side), or the connection was shut down.
    case eof
    /// `:timeout`: the direction's timeout elapsed with no progress.
    case timeout
    /// An error value: the errno (or TLS) failure that ended the operation.
    case error(SystemError)

    /// True for `:eof` and errors: the state's error routing (error-callback) applies.
    public var isFailure: Bool {
        switch self {
        case .eof, .error: return true
        case .ok, .timeout: return false
        }
    }
}

/// Misuse of the API, raised synchronously by the call that started an operation. The bridge
/// turns these into Lisp `error`s naming the function.
public enum CommUsageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A read-direction operation is already pending on the state.
    case readInProgress
    /// A write is pending and the state was created without queue-output.
    case writeInProgress
    /// get-buffered-data / shutdown without abort while an operation is active.
    case operationInProgress
    /// The state (or handle) has been closed.
    case closed
    /// The connection is still being established.
    case notConnected
    /// `start`/`end` outside the buffer.
    case invalidRange(start: Int, end: Int, count: Int)
    /// Queued output would exceed `maxQueuedOutputBytes`.
    case outputQueueFull(queued: Int, limit: Int)
    /// An operation that needs a UDP (or connected / unconnected) socket on the wrong kind.
    case wrongSocketKind(String)

    public var description: String {
        switch self {
        case .readInProgress: return "another read operation is in progress on this async-io-state"
        case .writeInProgress: return "a write operation is in progress and queue-output is false"
        case .operationInProgress: return "an operation is in progress on this async-io-state"
        case .closed: return "the async-io-state is closed"
        case .notConnected: return "the async-io-state is still connecting"
        case .invalidRange(let s, let e, let c): return "invalid range start \(s) end \(e) for a buffer of length \(c)"
        case .outputQueueFull(let q, let l): return "queued output (\(q) bytes) would exceed the limit of \(l) bytes"
        case .wrongSocketKind(let what): return what
        }
    }
}

/// Direction argument of abort / shutdown (`:input`, `:output`, `:io`).
public enum IODirection: Sendable {
    case input, output, both
}

/// What kind of socket a state wraps (`create-async-io-state :udp nil / t / :connected`).
public enum SocketKind: Sendable {
    case tcp, udp, udpConnected
}

/// Address-family choice of the `ipv6` keyword: `:any`, `nil` (IPv4), `t` (IPv6 only),
/// `:both` (IPv6 socket that also serves IPv4-mapped peers).
public enum IPv6Mode: Sendable {
    case any, ipv4, ipv6, both
}

/// Per-state settings given at creation (the creators' common keywords).
public struct StateOptions {
    public var name: Any?
    public var userInfo: Any?
    public var readTimeout: Double?
    public var writeTimeout: Double?
    public var queueOutput: Bool

    public init(name: Any? = nil, userInfo: Any? = nil, readTimeout: Double? = nil,
                writeTimeout: Double? = nil, queueOutput: Bool = false) {
        self.name = name
        self.userInfo = userInfo
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.queueOutput = queueOutput
    }
}

/// The operation an `abort` stopped, so the bridge can call the abort-callback with the same
/// arguments the operation's own callback would have received.
public enum AbortedOperation {
    /// read-buffer: `(state buffer bytes-read-so-far)`.
    case readBuffer(MutableByteStorage, Int)
    /// read-with-checking: `(state internal-buffer end)`.
    case readWithChecking(MutableByteStorage, Int)
    /// receive-message: `(state buffer 0)`.
    case receiveMessage(MutableByteStorage, Int)
    /// wait-for-input: `(state)`.
    case waitForInput
    /// write-buffer: `(state buffer bytes-written-so-far)`.
    case write(MutableByteStorage, Int)
    /// send-message / send-message-to-address: `(state)`.
    case sendMessage
    /// direction `:io`: `(state)`.
    case io
}

/// Callback types. Every one is called from `EventCollection.dispatch()`, never from the call
/// that started the operation, with the state's status already set.
public typealias ReadCallback = (AsyncIOState, MutableByteStorage, Int) -> Void
public typealias ReceiveCallback = (AsyncIOState, MutableByteStorage, Int, SocketAddress?) -> Void
public typealias StateCallback = (AsyncIOState) -> Void
public typealias WriteCallback = (AsyncIOState, MutableByteStorage, Int) -> Void
public typealias AbortCallback = (AsyncIOState, AbortedOperation?) -> Void
/// `nil` = success (`t`), else the errno.
public typealias ShutdownCallback = (AsyncIOState, Int32?) -> Void
/// `nil` = connected, else the failure (errno + message; ETIMEDOUT for connect-timeout).
public typealias ConnectCallback = (AsyncIOState, SystemError?) -> Void
