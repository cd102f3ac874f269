import Glibc

/// A transport that reads and writes the socket directly (recv(2) / send(2) with MSG_NOSIGNAL;
/// read(2) for a descriptor that turns out not to be a socket).
public final class PlainTransport: Transport {
    public let fd: Int32
    public private(set) var wants: Interest = .read
    /// The descriptor is not a socket (recv failed with ENOTSOCK): use read(2).
    private var notSocket = false

    public init(fd: Int32) { self.fd = fd }

    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> TransportReadResult {
        let r: IOResult<Int>
        if notSocket {
            r = try Posix.read(fd, buffer)
        } else {
            do {
                r = try Posix.recvStream(fd, buffer)
            } catch where error.errno == ENOTSOCK && error.domain == .posix {
                notSocket = true
                r = try Posix.read(fd, buffer)
            }
        }
        switch r {
        case .processed(0): return .endOfFile
        case .processed(let n): return .bytes(n)
        case .wouldBlock:
            wants = .read
            return .wouldBlock
        }
    }

    @inline(__always)
    public func write(from buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        let r = try Posix.send(fd, buffer)
        if case .wouldBlock = r { wants = .write }
        return r
    }

    public var hasPendingBytes: Bool { false }
    public var shortReadMeansDrained: Bool { true }

    public func shutdown(_ how: Posix.ShutdownHow) throws(SystemError) {
        try Posix.shutdown(fd, how)
    }

    public func close() {}
}
