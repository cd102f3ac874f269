import CShims
import Glibc

/// A 128-bit IPv6 address plus optional scope id (interface index), as LispWorks' `ipv6-address`.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The 16 address bytes in network order.
    public var bytes: [UInt8]
    public var scopeID: UInt32

    public init(bytes: [UInt8], scopeID: UInt32 = 0) {
        precondition(bytes.count == 16, "IPv6 address needs 16 bytes")
        self.bytes = bytes
        self.scopeID = scopeID
    }

    /// Parses standard IPv6 text (`::` compression, dotted-quad tail) with an optional numeric
    /// `%scope`; returns nil when `inet_pton` rejects it.
    public init?(_ text: String) {
        var addrPart = Substring(text)
        var scope: UInt32 = 0
        if let pct = text.firstIndex(of: "%") {
            addrPart = text[..<pct]
            let scopeText = String(text[text.index(after: pct)...])
            if let n = UInt32(scopeText) { scope = n } else {
                let idx = if_nametoindex(scopeText)
                if idx == 0 { return nil }
                scope = idx
            }
        }
        var a = in6_addr()
        let ok = String(addrPart).withCString { inet_pton(AF_INET6, $0, &a) }
        if ok != 1 { return nil }
        self.bytes = withUnsafeBytes(of: &a) { Array($0) }
        self.scopeID = scope
    }

    var in6: in6_addr {
        var a = in6_addr()
        withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: bytes) }
        return a
    }

    /// Standard text form without the scope id (as `ip-address-string` prints it).
    public var description: String {
        var a = in6
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static let any = IPv6Address(bytes: [UInt8](repeating: 0, count: 16))
    public static let loopback = IPv6Address(bytes: [UInt8](repeating: 0, count: 15) + [1])
}

/// An IP address as the bridge represents it: IPv4 as a 32-bit integer whose most significant
/// byte is the first dotted component (LispWorks' "network order" integer, e.g. #x7F000001),
/// IPv6 as an `IPv6Address`.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(IPv6Address)

    /// Parses dotted IPv4 first, then IPv6 text; nil if neither.
    public init?(_ text: String) {
        var a = in_addr()
        if text.withCString({ inet_pton(AF_INET, $0, &a) }) == 1 {
            self = .v4(UInt32(bigEndian: a.s_addr))
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let n):
            return "\(n >> 24).\((n >> 16) & 0xff).\((n >> 8) & 0xff).\(n & 0xff)"
        case .v6(let a):
            return a.description
        }
    }

    public var isIPv6: Bool { if case .v6 = self { return true } else { return false } }
}

/// A concrete socket address (IPv4 or IPv6 + port) stored as the C structure, so it can be
/// handed to bind/connect/sendto without conversion.
public enum SocketAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    /// Address + port; IPv4 goes to AF_INET, IPv6 to AF_INET6.
    public init(ip: IPAddress, port: UInt16) {
        switch ip {
        case .v4(let n):
            var s = sockaddr_in()
            s.sin_family = sa_family_t(AF_INET)
            s.sin_port = port.bigEndian
            s.sin_addr.s_addr = n.bigEndian
            self = .v4(s)
        case .v6(let a):
            var s = sockaddr_in6()
            s.sin6_family = sa_family_t(AF_INET6)
            s.sin6_port = port.bigEndian
            s.sin6_addr = a.in6
            s.sin6_scope_id = a.scopeID
            self = .v6(s)
        }
    }

    /// Parses a literal address string (no name resolution); nil if it is not an IP literal.
    public init?(ipString: String, port: UInt16) {
        guard let ip = IPAddress(ipString) else { return nil }
        self.init(ip: ip, port: port)
    }

    /// Reads an address the kernel filled in; nil for families other than INET/INET6.
    init?(storage: UnsafePointer<sockaddr_storage>) {
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            self = .v4(UnsafeRawPointer(storage).load(as: sockaddr_in.self))
        case AF_INET6:
            self = .v6(UnsafeRawPointer(storage).load(as: sockaddr_in6.self))
        default:
            return nil
        }
    }

    public var ip: IPAddress {
        switch self {
        case .v4(let s): return .v4(UInt32(bigEndian: s.sin_addr.s_addr))
        case .v6(let s):
            var a = s.sin6_addr
            return .v6(IPv6Address(bytes: withUnsafeBytes(of: &a) { Array($0) }, scopeID: s.sin6_scope_id))
        }
    }

    public var port: UInt16 {
        switch self {
        case .v4(let s): return UInt16(bigEndian: s.sin_port)
        case .v6(let s): return UInt16(bigEndian: s.sin6_port)
        }
    }

    public var family: Int32 {
        if case .v4 = self { return AF_INET } else { return AF_INET6 }
    }

    public var description: String {
        switch self {
        case .v4: return "\(ip):\(port)"
        case .v6: return "[\(ip)]:\(port)"
        }
    }

    /// Calls `body` with a `sockaddr` pointer and its length, for bind/connect/sendto.
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch self {
        case .v4(var s):
            return try withUnsafePointer(to: &s) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var s):
            return try withUnsafePointer(to: &s) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        a.ip == b.ip && a.port == b.port
    }

    public func hash(into h: inout Hasher) {
        h.combine(ip)
        h.combine(port)
    }
}

extension sockaddr_in: @retroactive @unchecked Sendable {}
extension sockaddr_in6: @retroactive @unchecked Sendable {}
