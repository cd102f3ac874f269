import Comm
import Glibc
import LispCore

/// Where the value of the keyword at `index` of a `KeySet` sits among a call's arguments whose
/// plist starts at `from`, given a positions word (byte j = 1 + the index of the first pair that
/// gave keyword j, 0 = not given; the layout of `PreparsedKeywordCall`). Nil when not given.
@inline(__always)
func preparsedKeywordSlot(_ positions: UInt64, _ index: Int, from: Int) -> Int? {
    let p = Int((positions >> UInt64(index * 8)) & 0xFF)
    return p == 0 ? nil : from + 2 * (p - 1) + 1
}

/// Keyword arguments of one call, checked against the documented list: an unknown keyword, an
/// odd plist or a value of the wrong type is a Lisp error naming the function and the argument.
struct KeyArgs {
    // unowned(unsafe): a KeyArgs lives only during one builtin call, while the runtime and the
    // KeySet (static) are alive anyway; strong references cost a retain/release per copy.
    unowned(unsafe) let rt: Runtime
    let fname: String
    /// The call's arguments (valid only during the builtin call) and where the plist starts.
    private let base: UnsafeMutablePointer<Value>
    private let from: Int
    private let count: Int
    /// With a `KeySet`: byte i of `positions` is 1 + the pair index of the first value given for
    /// `keySet.names[i]` (0 = not given), so lookups make no symbol-name comparisons.
    private unowned(unsafe) var keySet: KeySet?
    /// Identity of `keySet` (compared with a `Key`'s set without touching reference counts).
    private var keySetID: ObjectIdentifier?
    private var positions: UInt64 = 0
    /// Indices of START and END in the parsing set (-1: not in it).
    private var startIndex = -1, endIndex = -1

    /// The hot-path parser (operations started once per message): keywords are matched by
    /// symbol identity against symbols interned once, not by name.
    init(_ rt: Runtime, _ args: Args, from: Int, allowed: KeySet, fname: String) throws(Unwind) {
        self.init(rt, args, from: from, preparsed: 0, allowed: allowed, fname: fname)
        if args.count <= from { return }
        if (args.count - from) % 2 != 0 || (args.count - from) / 2 > 254 {
            _ = try KeyArgs(rt, args, from: from, allowed: allowed.names, fname: fname)  // signals the error
            keySet = nil  // (more than 254 pairs, all accepted: plain scanning lookups)
            keySetID = nil
            return
        }
        let symbols = allowed.symbolIdentities
        let nsym = allowed.names.count
        var checked = false
        var i = from
        while i < args.count {
            var matched = false
            if case .symbol(let k) = args[i] {
                let id = ObjectIdentifier(k)
                var j = 0
                while j < nsym {
                    if symbols[j] == id {
                        let shift = UInt64(j * 8)
                        if (positions >> shift) & 0xFF == 0 { positions |= UInt64((i - from) / 2 + 1) << shift }
                        matched = true
                        break
                    }
                    j += 1
                }
            }
            if !matched && !checked {
                // Anything else (:allow-other-keys, an unknown or non-keyword): the general
                // checker signals or accepts it (once); the scan goes on recording known keys.
                _ = try KeyArgs(rt, args, from: from, allowed: allowed.names, fname: fname)
                checked = true
            }
            i += 2
        }
    }

    /// Keyword positions found when the call was compiled (`defKeywordOperation`): nothing to
    /// parse. `positions` has the layout the KeySet parser above builds.
    init(_ rt: Runtime, _ args: Args, from: Int, preparsed positions: UInt64, allowed: KeySet, fname: String) {
        self.rt = rt
        self.fname = fname
        self.base = args.base
        self.from = from
        self.count = args.count
        self.keySet = allowed
        self.keySetID = ObjectIdentifier(allowed)
        self.positions = positions
        self.startIndex = allowed.startIndex
        self.endIndex = allowed.endIndex
    }

    /// Parses without allocating: the plist is scanned in place on the value stack.
    init(_ rt: Runtime, _ args: Args, from: Int, allowed: [String], fname: String) throws(Unwind) {
        self.rt = rt
        self.fname = fname
        self.base = args.base
        self.from = from
        self.count = args.count
        if args.count <= from { return }
        if (args.count - from) % 2 != 0 {
            try rt.signalError(rt.programError("\(qualified(fname)): odd number of keyword arguments"))
        }
        var allowOthers = false
        var i = from
        while i < args.count {
            if case .symbol(let k) = args[i], k.isKeyword, k.name == "ALLOW-OTHER-KEYS", args[i + 1].isTrue { allowOthers = true }
            i += 2
        }
        i = from
        while i < args.count {
            guard case .symbol(let k) = args[i], k.isKeyword else {
                try rt.signalError(rt.programError("\(qualified(fname)): \(rt.printString(args[i])) is not a keyword"))
            }
            if !allowOthers && k.name != "ALLOW-OTHER-KEYS" && !allowed.contains(k.name) {
                try rt.signalError(rt.programError("\(qualified(fname)): unknown keyword argument \(rt.printString(args[i])); allowed: \(allowed.map { ":" + $0 }.joined(separator: " "))"))
            }
            i += 2
        }
    }

    /// The first value given for keyword `k`, or nil.
    private func lookup(_ k: String) -> Value? {
        if let ks = keySet {
            if positions == 0 { return nil }  // no keyword given (or none known): nothing to find
            guard let j = ks.index(of: k), let i = preparsedKeywordSlot(positions, j, from: from) else { return nil }
            return base[i]
        }
        var i = from
        while i + 1 < count {
            if case .symbol(let s) = base[i], s.name == k { return base[i + 1] }
            i += 2
        }
        return nil
    }

    /// A keyword of one `KeySet` with its index there, made by `KeySet.key(_:)` (which checks
    /// the name once): looked up by index, with no name comparison, when the call was parsed
    /// with that set; by name otherwise.
    struct Key {
        let index: Int
        /// StaticString: copying a Key (from a static let, per call) costs no reference counting.
        let staticName: StaticString
        let setID: ObjectIdentifier
        var name: String { staticName.description }
    }

    @inline(__always)
    private func lookup(_ k: Key) -> Value? {
        if keySetID == k.setID { return preparsedKeywordSlot(positions, k.index, from: from).map { base[$0] } }
        return lookup(k.name)
    }

    /// `:start` / `:end` of the buffer operations, checked against a buffer of `count` bytes.
    func startEnd(count: Int) throws(Unwind) -> (Int, Int) {
        var start = 0, end = count
        if keySetID != nil && startIndex >= 0 && endIndex >= 0 {
            // Parsed with a set holding both: found by index (nothing to do when no keyword).
            if positions != 0 {
                start = try integer(at: startIndex, "START", min: 0, max: count) ?? 0
                end = try integer(at: endIndex, "END", min: 0, max: count) ?? count
            }
        } else {
            start = try integer("START", min: 0, max: count) ?? 0
            end = try integer("END", min: 0, max: count) ?? count
        }
        if start > end { try commError(rt, fname, "start \(start) is greater than end \(end)") }
        return (start, end)
    }

    /// The integer given for the key at `index` of the parsing set.
    private func integer(at index: Int, _ name: String, min: Int, max: Int) throws(Unwind) -> Int? {
        guard let i = preparsedKeywordSlot(positions, index, from: from) else { return nil }
        if case .fixnum(let n) = base[i], n >= min, n <= max { return n }
        if base[i].isNil { return nil }
        return try checkedInteger(name, base[i], min: min, max: max)
    }

    /// Where the value of `k` sits on the value stack: nil when not given, -1 when the call
    /// was not parsed with `k`'s set (look it up by name then). No Value is copied.
    @inline(__always)
    private func slot(_ k: Key) -> Int? {
        guard keySetID == k.setID else { return -1 }
        return preparsedKeywordSlot(positions, k.index, from: from)
    }

    @inline(__always)
    func has(_ k: Key) -> Bool {
        guard let i = slot(k) else { return false }
        return i >= 0 || lookup(k.name) != nil
    }
    subscript(_ k: Key) -> Value { lookup(k) ?? .null }
    func seconds(_ k: Key, allowZero: Bool = false) throws(Unwind) -> Double? {
        guard let v = lookup(k), !v.isNil else { return nil }
        return try checkedSeconds(k.name, v, allowZero: allowZero)
    }
    /// The usual values (a function object, a fixnum) are recognised in place on the stack.
    func function(_ k: Key) throws(Unwind) -> LispFunction? {
        guard let i = slot(k) else { return nil }
        if i >= 0, case .function(let f) = base[i] { return f }
        guard let v = lookup(k), !v.isNil else { return nil }
        return try functionDesignator(rt, fname, ":" + k.name, v)
    }
    func integer(_ k: Key, min: Int = Int.min, max: Int = Int.max) throws(Unwind) -> Int? {
        guard let i = slot(k) else { return nil }
        if i >= 0, case .fixnum(let n) = base[i], n >= min, n <= max { return n }
        guard let v = lookup(k), !v.isNil else { return nil }
        return try checkedInteger(k.name, v, min: min, max: max)
    }

    func has(_ k: String) -> Bool { lookup(k) != nil }
    subscript(_ k: String) -> Value { lookup(k) ?? .null }
    func value(_ k: String, _ def: Value) -> Value { lookup(k) ?? def }
    func bool(_ k: String, _ def: Bool) -> Bool { lookup(k).map { $0.isTrue } ?? def }

    func fail(_ k: String, _ v: Value, _ expected: String) throws(Unwind) -> Never {
        try argError(rt, fname, ":" + k, v, expected)
    }

    /// nil or a positive (or, with `allowZero`, non-negative) real number of seconds.
    func seconds(_ k: String, allowZero: Bool = false) throws(Unwind) -> Double? {
        guard let v = lookup(k), !v.isNil else { return nil }
        return try checkedSeconds(k, v, allowZero: allowZero)
    }

    private func checkedSeconds(_ k: String, _ v: Value, allowZero: Bool) throws(Unwind) -> Double {
        guard let d = realValue(v), d > 0 || (allowZero && d == 0) else {
            try fail(k, v, allowZero ? "NIL or a non-negative real" : "NIL or a positive real")
        }
        return d
    }

    /// nil or a function designator.
    func function(_ k: String) throws(Unwind) -> LispFunction? {
        guard let v = lookup(k), !v.isNil else { return nil }
        return try functionDesignator(rt, fname, ":" + k, v)
    }

    func integer(_ k: String, min: Int = Int.min, max: Int = Int.max) throws(Unwind) -> Int? {
        guard let v = lookup(k), !v.isNil else { return nil }
        return try checkedInteger(k, v, min: min, max: max)
    }

    private func checkedInteger(_ k: String, _ v: Value, min: Int, max: Int) throws(Unwind) -> Int {
        guard case .fixnum(let n) = v, n >= min, n <= max else {
            try fail(k, v, min == 1 ? "NIL or a positive integer" : "NIL or an integer from \(min) to \(max)")
        }
        return n
    }

    func ipv6Mode(_ k: String, _ def: IPv6Mode) throws(Unwind) -> IPv6Mode {
        guard let v = lookup(k) else { return def }
        if v.isNil { return .ipv4 }
        if case .symbol(let s) = v {
            if s === Symbol.T { return .ipv6 }
            if s.isKeyword && s.name == "ANY" { return .any }
            if s.isKeyword && s.name == "BOTH" { return .both }
        }
        try fail(k, v, "one of :ANY, NIL, T, :BOTH")
    }
}

/// The keywords a function accepts, with their symbols interned on first use (for `KeyArgs`'
/// identity matching). At most 8 names. Sets are made once (static) and live for the process.
final class KeySet {
    let names: [String]
    /// The symbols' identities, in `names` order: compared without touching reference counts.
    private var identities: UnsafeMutablePointer<ObjectIdentifier>?
    /// `:start` and `:end` when the set has them (buffer operations).
    /// Indices of START and END (-1 when absent), for `KeyArgs.startEnd`.
    let startIndex: Int
    let endIndex: Int

    init(_ names: [String]) {
        precondition(names.count <= 8, "KeySet holds at most 8 keywords")
        self.names = names
        startIndex = names.firstIndex(of: "START") ?? -1
        endIndex = names.firstIndex(of: "END") ?? -1
    }

    /// Interned on first use (the World exists by the time a builtin runs); never freed.
    var symbolIdentities: UnsafeMutablePointer<ObjectIdentifier> {
        if let p = identities { return p }
        let p = UnsafeMutablePointer<ObjectIdentifier>.allocate(capacity: max(names.count, 1))
        for (i, n) in names.enumerated() { (p + i).initialize(to: ObjectIdentifier(World.shared.keyword(n))) }
        identities = p
        return p
    }

    /// The key for `name`, which must be one of `names` (checked once, when the key is made).
    func key(_ name: StaticString) -> KeyArgs.Key {
        guard let i = names.firstIndex(of: name.description) else { preconditionFailure("\(name) is not in this KeySet") }
        return KeyArgs.Key(index: i, staticName: name, setID: ObjectIdentifier(self))
    }

    /// Index of `name`. Lengths are compared first: String's == is quick for equal small
    /// strings but takes a slow out-of-line path for every unequal pair.
    @inline(__always)
    func index(of name: String) -> Int? {
        let n = name.utf8.count
        var j = 0
        while j < names.count {
            if names[j].utf8.count == n && names[j] == name { return j }
            j += 1
        }
        return nil
    }
}

func realValue(_ v: Value) -> Double? {
    switch v {
    case .fixnum(let n): return Double(n)
    case .single(let f): return Double(f)
    case .double(let d): return d.isNaN ? nil : d
    case .bignum(let b): return b.value.toDouble()
    case .ratio(let r): return r.numerator.toDouble() / r.denominator.toDouble()
    default: return nil
    }
}

/// "NAME" -> "COMM:NAME" (names already carrying a package prefix, or "(SETF ...)", stay).
func qualified(_ fname: String) -> String {
    fname.contains(":") || fname.hasPrefix("(") ? fname : "COMM:" + fname
}

func argError(_ rt: Runtime, _ fname: String, _ arg: String, _ v: Value, _ expected: String) throws(Unwind) -> Never {
    try rt.signalError(rt.makeCondition(StandardConditions.simpleTypeError,
                                        message: "~A: argument ~A must be ~A, got ~S",
                                        args: [Value(qualified(fname)), Value(arg), Value(expected), v],
                                        slots: ["DATUM": v, "EXPECTED-TYPE": Value(expected)]))
}

func functionDesignator(_ rt: Runtime, _ fname: String, _ arg: @autoclosure () -> String, _ v: Value) throws(Unwind) -> LispFunction {
    switch v {
    case .function(let f): return f
    case .symbol:
        return try rt.coerceToFunction(v)
    default: try argError(rt, fname, arg(), v, "a function designator")
    }
}

func commError(_ rt: Runtime, _ fname: String, _ message: String) throws(Unwind) -> Never {
    try rt.signalError(rt.makeCondition(StandardConditions.simpleError, message: "~A: ~A",
                                        args: [Value(qualified(fname)), Value(message)]))
}

/// A socket failure signalled synchronously (bind, connect, resolve...).
func socketError(_ rt: Runtime, _ fname: String, _ e: SystemError) throws(Unwind) -> Never {
    try rt.signalError(LispComm.errorCondition(rt, e, context: qualified(fname)))
}

// MARK: - hostspec / service (spec section 10)

/// A service: integer port, digit string, service name, or nil (0 = ephemeral).
func servicePort(_ rt: Runtime, _ fname: String, _ v: Value, proto: String = "tcp") throws(Unwind) -> UInt16 {
    switch v {
    case .null: return 0
    case .fixnum(let n) where n >= 0 && n <= 65535: return UInt16(n)
    case .string(let s):
        if let p = Resolver.port(forService: s.string, proto: proto) { return p }
        try commError(rt, fname, "unknown service \(rt.printString(v))")
    default: try argError(rt, fname, "service", v, "an integer port, a service name string or NIL")
    }
}

/// A hostspec as an IP address when it is one without a lookup (integer, ipv6-address object,
/// literal address text); nil for a host name that needs resolving.
func literalAddress(_ v: Value) -> IPAddress? {
    switch v {
    case .fixnum(let n) where n >= 0 && n <= 0xFFFF_FFFF: return .v4(UInt32(n))
    case .object(let o): return (o as? LispIPv6).map { .v6($0.address) }
    case .string(let s): return IPAddress(s.string)
    default: return nil
    }
}

/// Resolves a hostspec + port into socket addresses (connecting: nil host = loopback).
func resolveHost(_ rt: Runtime, _ fname: String, _ host: Value, _ port: UInt16, family: Resolver.FamilyPreference = .any,
                 udp: Bool = false, passive: Bool = false) throws(Unwind) -> [SocketAddress] {
    if let ip = literalAddress(host) { return [SocketAddress(ip: ip, port: port)] }
    switch host {
    case .null:
        do throws(SystemError) { return try Resolver.resolve(host: nil, port: port, family: family, udp: udp, passive: passive) }
        catch { try socketError(rt, fname, error) }
    case .string(let s):
        do throws(SystemError) { return try Resolver.resolve(host: s.string, port: port, family: family, udp: udp, passive: passive) }
        catch { try socketError(rt, fname, error) }
    default:
        try argError(rt, fname, "hostspec", host, "a host name or address string, an integer IPv4 address or an IPV6-ADDRESS")
    }
}

func familyPreference(_ m: IPv6Mode) -> Resolver.FamilyPreference {
    switch m {
    case .any: return .any
    case .ipv4: return .ipv4
    case .ipv6, .both: return .ipv6
    }
}

func addressValue(_ ip: IPAddress) -> Value {
    switch ip {
    case .v4(let n): return .fixnum(Int(n))
    case .v6(let a): return .object(LispIPv6(a))
    }
}

/// `address, port` multiple values (nil nil when absent).
func addressValues(_ rt: Runtime, _ a: SocketAddress?) throws(Unwind) -> Value {
    guard let a else { return try rt.values([.null, .null]) }
    return try rt.values([addressValue(a.ip), .fixnum(Int(a.port))])
}

/// Define a builtin that takes `positional` arguments and then keywords of `keys`. Ordinary
/// calls parse the plist; calls written with constant keywords compile to direct calls that
/// hand `body` the keyword positions found at compile time (`registerPreparsedKeywordCall`).
/// `body` must read keyword values only through its `KeyArgs`.
///
/// `fast`, when given, is tried first on those compiled calls: it handles the usual shape of
/// arguments directly from the value stack (see HotOperations.swift) and returns nil for
/// anything else, which then goes through `body`, so errors are reported by one place.
func defKeywordOperation(_ rt: Runtime, _ name: String, positional: Int, keys: KeySet, in pkg: LispPackage,
                         fast: ((Runtime, Args, UInt64) throws(Unwind) -> Value?)? = nil,
                         _ body: @escaping (Runtime, Args, KeyArgs) throws(Unwind) -> Value) {
    _ = rt.defN(name, positional, -1, in: pkg) { rt, args throws(Unwind) in
        try body(rt, args, try KeyArgs(rt, args, from: positional, allowed: keys, fname: name))
    }
    let keywords = keys.names.map { rt.world.keyword($0) }
    // Two registrations rather than one closure testing an optional `fast`: calling an optional
    // closure captured in a closure context retains and releases it on every call (measured:
    // +200 instructions per echoed message).
    if let fast {
        registerPreparsedKeywordCall(pkg.internExternal(name), positional: positional, keywords: keywords) { rt, args, positions throws(Unwind) in
            if let r = try fast(rt, args, positions) { return r }
            return try body(rt, args, KeyArgs(rt, args, from: positional, preparsed: positions, allowed: keys, fname: name))
        }
        return
    }
    registerPreparsedKeywordCall(pkg.internExternal(name), positional: positional, keywords: keywords) { rt, args, positions throws(Unwind) in
        try body(rt, args, KeyArgs(rt, args, from: positional, preparsed: positions, allowed: keys, fname: name))
    }
}
