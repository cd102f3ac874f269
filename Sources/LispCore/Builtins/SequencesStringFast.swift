/// Fast paths of SEARCH / POSITION / FIND / COUNT when every sequence is a string and the test is
/// the default (EQL on characters): scans run over the strings' byte or scalar storage with no
/// per-element `Value` boxing or closure calls.
///
/// Each entry point returns nil, having done nothing, whenever the call is anything but the
/// plain case (other keywords, a :test or :key, bad or non-fixnum bounds, duplicate keywords);
/// the general implementation then handles it, including signalling the errors.
enum StringSeqFast {
    nonisolated(unsafe) static let kStart = Sym.kw("START")
    nonisolated(unsafe) static let kEnd = Sym.kw("END")
    nonisolated(unsafe) static let kFromEnd = Sym.kw("FROM-END")
    nonisolated(unsafe) static let kStart1 = Sym.kw("START1")
    nonisolated(unsafe) static let kEnd1 = Sym.kw("END1")
    nonisolated(unsafe) static let kStart2 = Sym.kw("START2")
    nonisolated(unsafe) static let kEnd2 = Sym.kw("END2")

    /// Keyword arguments restricted to bounds and :from-end.
    struct Keys {
        var start = 0, end: Int? = nil
        var start1 = 0, end1: Int? = nil
        var start2 = 0, end2: Int? = nil
        var fromEnd = false

        /// Parse `args[from...]`; `two` selects the SEARCH keywords (:start1 ... :end2) instead of
        /// :start/:end. Nil for anything else.
        init?(_ args: Args, from: Int, two: Bool) {
            var i = from
            if (args.count - from) & 1 != 0 { return nil }
            var seen = 0
            while i < args.count {
                // Keywords are compared by identity, without taking a reference to the symbol.
                guard let k = Keys.symbolID(args.base + i) else { return nil }
                let v = args.base + i + 1
                i += 2
                let bit: Int
                if !two && k == ObjectIdentifier(kStart) { bit = 2; guard let n = Keys.index(v) else { return nil }; start = n }
                else if !two && k == ObjectIdentifier(kEnd) { bit = 4; guard let n = Keys.bound(v) else { return nil }; end = n }
                else if two && k == ObjectIdentifier(kStart2) { bit = 32; guard let n = Keys.index(v) else { return nil }; start2 = n }
                else if two && k == ObjectIdentifier(kEnd2) { bit = 64; guard let n = Keys.bound(v) else { return nil }; end2 = n }
                else if k == ObjectIdentifier(kFromEnd) { bit = 1; fromEnd = v.pointee.isTrue }
                else if two && k == ObjectIdentifier(kStart1) { bit = 8; guard let n = Keys.index(v) else { return nil }; start1 = n }
                else if two && k == ObjectIdentifier(kEnd1) { bit = 16; guard let n = Keys.bound(v) else { return nil }; end1 = n }
                else { return nil }
                // A repeated keyword: the first occurrence wins, which the general parser handles.
                if seen & bit != 0 { return nil }
                seen |= bit
            }
        }

        /// The identity of the symbol in argument slot `p`, or nil when it holds no symbol.
        @inline(__always) static func symbolID(_ p: UnsafeMutablePointer<Value>) -> ObjectIdentifier? {
            if case .symbol(let k) = p.pointee { return ObjectIdentifier(k) }
            return nil
        }
        @inline(__always) static func index(_ p: UnsafeMutablePointer<Value>) -> Int? {
            if case .fixnum(let n) = p.pointee, n >= 0 { return n }
            return nil
        }
        /// An :end value: NIL means the length (returned as -1).
        @inline(__always) static func bound(_ p: UnsafeMutablePointer<Value>) -> Int? {
            if case .null = p.pointee { return -1 }
            return index(p)
        }
    }

    /// The effective end of `[start, end)` over `len`, or nil when the bounds are bad.
    @inline(__always) static func range(_ start: Int, _ end: Int?, _ len: Int) -> Int? {
        let e = (end == nil || end! < 0) ? len : end!
        return e <= len && start <= e ? e : nil
    }

    // MARK: entry points

    /// (search pattern text ...) with two strings.
    static func search(_ args: Args, _ pat: LispString, _ text: LispString) -> Value? {
        guard let k = Keys(args, from: 2, two: true),
              let e1 = range(k.start1, k.end1, pat.count),
              let e2 = range(k.start2, k.end2, text.count) else { return nil }
        // One specialisation per storage pair, so the scan loops do not test the storage kind
        // per character.
        let r: Int? = withCodes(pat,
            { p in withCodes(text, { t in searchCodes(p, k.start1, e1, t, k.start2, e2, fromEnd: k.fromEnd) },
                                   { t in searchCodes(p, k.start1, e1, t, k.start2, e2, fromEnd: k.fromEnd) }) },
            { p in withCodes(text, { t in searchCodes(p, k.start1, e1, t, k.start2, e2, fromEnd: k.fromEnd) },
                                   { t in searchCodes(p, k.start1, e1, t, k.start2, e2, fromEnd: k.fromEnd) }) })
        return r.map { .fixnum($0) } ?? .null
    }

    /// (position char string ...) / (find char string ...): the index of the match.
    static func position(_ args: Args, _ ch: Unicode.Scalar, _ text: LispString) -> Int?? {
        guard let k = Keys(args, from: 2, two: false), let e = range(k.start, k.end, text.count) else { return nil }
        let c = ch.value
        return .some(withCodes(text, { t in positionIn(t, c, k.start, e, fromEnd: k.fromEnd) },
                                     { t in positionIn(t, c, k.start, e, fromEnd: k.fromEnd) }))
    }

    /// (count char string ...).
    static func count(_ args: Args, _ ch: Unicode.Scalar, _ text: LispString) -> Int? {
        guard let k = Keys(args, from: 2, two: false), let e = range(k.start, k.end, text.count) else { return nil }
        let c = ch.value
        return withCodes(text, { t in countIn(t, c, k.start, e) }, { t in countIn(t, c, k.start, e) })
    }

    // MARK: scanning

    /// Run `bytes` or `scalars` over the string's storage as code points, whichever it has.
    @inline(__always) static func withCodes<R>(_ s: LispString, _ bytes: (ByteCodes) -> R, _ scalars: (ScalarCodes) -> R) -> R {
        if s.isBase {
            return s.bytes.withUnsafeBufferPointer { b in
                b.baseAddress.map { bytes(ByteCodes(p: $0)) } ?? bytes(ByteCodes(p: ByteCodes.empty))
            }
        }
        return s.scalars.withUnsafeBufferPointer { b in
            b.baseAddress.map { scalars(ScalarCodes(p: $0)) } ?? scalars(ScalarCodes(p: ScalarCodes.empty))
        }
    }

    @inline(__always) static func positionIn<T: CodeSeq>(_ t: T, _ c: UInt32, _ start: Int, _ e: Int, fromEnd: Bool) -> Int? {
        if fromEnd {
            var i = e - 1
            while i >= start { if t[i] == c { return i }; i -= 1 }
        } else {
            var i = start
            while i < e { if t[i] == c { return i }; i += 1 }
        }
        return nil
    }

    @inline(__always) static func countIn<T: CodeSeq>(_ t: T, _ c: UInt32, _ start: Int, _ e: Int) -> Int {
        var n = 0
        for i in start..<e where t[i] == c { n += 1 }
        return n
    }

    /// Naive search (first-character filter, then compare): patterns in practice are short.
    static func searchCodes<P: CodeSeq, T: CodeSeq>(_ p: P, _ p0: Int, _ p1: Int, _ t: T, _ t0: Int, _ t1: Int,
                                                    fromEnd: Bool) -> Int? {
        let m = p1 - p0
        if m == 0 { return fromEnd ? t1 : t0 }
        if t1 - t0 < m { return nil }
        let first = p[p0]
        @inline(__always) func matchAt(_ i: Int) -> Bool {
            if t[i] != first { return false }
            var j = 1
            while j < m && t[i + j] == p[p0 + j] { j += 1 }
            return j == m
        }
        if fromEnd {
            var i = t1 - m
            while i >= t0 { if matchAt(i) { return i }; i -= 1 }
        } else {
            var i = t0
            let last = t1 - m
            while i <= last { if matchAt(i) { return i }; i += 1 }
        }
        return nil
    }
}

/// A string's storage seen as code points, one conformance per storage kind.
protocol CodeSeq {
    subscript(_ i: Int) -> UInt32 { get }
}
struct ByteCodes: CodeSeq {
    let p: UnsafePointer<UInt8>
    /// Stands in for the storage of an empty string (never read).
    nonisolated(unsafe) static let empty = UnsafePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))
    @inline(__always) subscript(_ i: Int) -> UInt32 { UInt32(p[i]) }
}
struct ScalarCodes: CodeSeq {
    let p: UnsafePointer<Unicode.Scalar>
    /// Stands in for the storage of an empty string (never read).
    nonisolated(unsafe) static let empty = UnsafePointer(UnsafeMutablePointer<Unicode.Scalar>.allocate(capacity: 1))
    @inline(__always) subscript(_ i: Int) -> UInt32 { p[i].value }
}
