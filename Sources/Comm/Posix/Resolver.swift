import CShims
import Glibc

/// Name and service resolution (getaddrinfo / getservbyname / getservbyport). These calls block
/// (DNS); the bridge may run them on a helper thread and hand the result back with `post`.
public enum Resolver {
    /// Which address families a lookup may return (LispWorks `ipv6` keyword: `:any` / `t` / `nil`).
    public enum FamilyPreference: Sendable {
        case any, ipv4, ipv6
        var aiFamily: Int32 {
            switch self {
            case .any: return AF_UNSPEC
            case .ipv4: return AF_INET
            case .ipv6: return AF_INET6
            }
        }
    }

    /// Resolves `host` (nil = wildcard when `passive`, loopback otherwise; a literal address
    /// or a name) and a numeric port into socket addresses, in getaddrinfo's preferred order.
    public static func resolve(host: String?, port: UInt16, family: FamilyPreference = .any,
                               udp: Bool = false, passive: Bool = false) throws(SystemError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = family.aiFamily
        hints.ai_socktype = udp ? CSHIM_SOCK_DGRAM : CSHIM_SOCK_STREAM
        hints.ai_flags = CSHIM_AI_NUMERICSERV | (passive ? CSHIM_AI_PASSIVE : 0)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc: Int32
        if let host {
            rc = host.withCString { h in String(port).withCString { getaddrinfo(h, $0, &hints, &res) } }
        } else {
            rc = String(port).withCString { getaddrinfo(nil, $0, &hints, &res) }
        }
        if rc != 0 {
            let msg = String(cString: gai_strerror(rc))
            throw SystemError(domain: .addrinfo, code: rc, op: "getaddrinfo(\(host ?? "*"))", message: msg)
        }
        defer { freeaddrinfo(res) }
        var out: [SocketAddress] = []
        var p = res
        while let ai = p {
            if let a = ai.pointee.ai_addr {
                let fam = Int32(a.pointee.sa_family)
                if fam == AF_INET {
                    out.append(.v4(UnsafeRawPointer(a).load(as: sockaddr_in.self)))
                } else if fam == AF_INET6 {
                    out.append(.v6(UnsafeRawPointer(a).load(as: sockaddr_in6.self)))
                }
            }
            p = ai.pointee.ai_next
        }
        var seen = Set<SocketAddress>()
        return out.filter { seen.insert($0).inserted }
    }

    /// A service given as a number or as a name ("http") -> port; nil if unknown.
    public static func port(forService service: String, proto: String? = "tcp") -> UInt16? {
        if let n = UInt16(service) { return n }
        let ent: UnsafeMutablePointer<servent>? = service.withCString { s in
            if let proto { return proto.withCString { getservbyname(s, $0) } }
            return getservbyname(s, nil)
        }
        guard let e = ent else { return nil }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: e.pointee.s_port))
    }

    /// One entry of the services database (for `get-service-entry`).
    public struct ServiceEntry: Sendable, Equatable {
        public var name: String
        public var aliases: [String]
        public var port: UInt16
        public var proto: String
    }

    public static func serviceEntry(port: UInt16, proto: String?) -> ServiceEntry? {
        let p = Int32(port.bigEndian)
        let e: UnsafeMutablePointer<servent>? = proto.map { $0.withCString { getservbyport(p, $0) } } ?? getservbyport(p, nil)
        return e.map(makeEntry)
    }

    public static func serviceEntry(name: String, proto: String?) -> ServiceEntry? {
        let e: UnsafeMutablePointer<servent>? = name.withCString { s in
            proto.map { $0.withCString { getservbyname(s, $0) } } ?? getservbyname(s, nil)
        }
        return e.map(makeEntry)
    }

    private static func makeEntry(_ e: UnsafeMutablePointer<servent>) -> ServiceEntry {
        ServiceEntry(name: String(cString: e.pointee.s_name),
                     aliases: stringList(e.pointee.s_aliases),
                     port: UInt16(bigEndian: UInt16(truncatingIfNeeded: e.pointee.s_port)),
                     proto: String(cString: e.pointee.s_proto))
    }

    private static func stringList(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        var out: [String] = []
        guard var q = p else { return out }
        while let s = q.pointee { out.append(String(cString: s)); q += 1 }
        return out
    }

    /// Host entry (for `get-host-entry`): canonical name, aliases, and addresses.
    public struct HostEntry: Sendable, Equatable {
        public var name: String
        public var aliases: [String]
        public var addresses: [IPAddress]
    }

    /// getaddrinfo with AI_CANONNAME; aliases are not provided by getaddrinfo, so they are empty.
    public static func hostEntry(_ host: String, family: FamilyPreference = .any) throws(SystemError) -> HostEntry {
        var hints = addrinfo()
        hints.ai_family = family.aiFamily
        hints.ai_socktype = CSHIM_SOCK_STREAM
        hints.ai_flags = AI_CANONNAME
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = host.withCString { getaddrinfo($0, nil, &hints, &res) }
        if rc != 0 {
            throw SystemError(domain: .addrinfo, code: rc, op: "getaddrinfo(\(host))", message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(res) }
        var name = host
        if let c = res?.pointee.ai_canonname { name = String(cString: c) }
        var addrs: [IPAddress] = []
        var p = res
        while let ai = p {
            if let a = ai.pointee.ai_addr {
                let fam = Int32(a.pointee.sa_family)
                if fam == AF_INET {
                    addrs.append(SocketAddress.v4(UnsafeRawPointer(a).load(as: sockaddr_in.self)).ip)
                } else if fam == AF_INET6 {
                    addrs.append(SocketAddress.v6(UnsafeRawPointer(a).load(as: sockaddr_in6.self)).ip)
                }
            }
            p = ai.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return HostEntry(name: name, aliases: [], addresses: addrs.filter { seen.insert($0).inserted })
    }
}
