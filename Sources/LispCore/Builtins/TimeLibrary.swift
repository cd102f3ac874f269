import Glibc

/// Time functions (universal time, decoded time, internal time, sleep, `time`) and environment
/// inquiries (lisp-implementation-type, machine-type, software-type, user-homedir-pathname...).
enum TimeLibrary {
    static let unixToUniversal = 2_208_988_800

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Decode `ut` given an offset in seconds west of Greenwich (CL time zone * 3600).
    static func decode(_ ut: Int, westSeconds: Int) -> [Int] {
        let local = ut - unixToUniversal - westSeconds
        let days = floorDiv(local, 86400)
        let secs = local - days * 86400
        let (y, m, d) = civilFromDays(days)
        let dow = ((days % 7) + 7 + 3) % 7   // 1970-01-01 was a Thursday (3 with Monday = 0)
        return [secs % 60, (secs / 60) % 60, secs / 3600, d, m, y, dow]
    }

    /// Local time zone at a Unix time: (seconds west excluding DST, dst?).
    static func localZone(_ unix: Int) -> (Int, Bool) {
        var t = time_t(unix)
        var tmv = tm()
        localtime_r(&t, &tmv)
        let dst = tmv.tm_isdst > 0
        return (-(tmv.tm_gmtoff) + (dst ? 3600 : 0), dst)
    }

    static func zoneValue(_ westSeconds: Int) -> Value {
        if westSeconds % 3600 == 0 { return .fixnum(westSeconds / 3600) }
        let g = gcd(westSeconds, 3600)
        return Numeric.makeRatio(.fixnum(westSeconds / g), .fixnum(3600 / g))
    }
    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? abs(a) : gcd(b, a % b) }

    /// A CL time zone (rational hours west) as seconds.
    static func zoneSeconds(_ rt: Runtime, _ v: Value) throws(Unwind) -> Int {
        switch v {
        case .fixnum(let n):
            if n < -24 || n > 24 { try rt.typeError(v, "(RATIONAL -24 24)") }
            return n * 3600
        case .ratio:
            let s = try Numeric.mul(rt, v, .fixnum(3600))
            if case .fixnum(let n) = s { return n }
            if case .double(let d) = s { return Int(d.rounded()) }
        default: break
        }
        try rt.typeError(v, "(RATIONAL -24 24)")
    }

    static func nowMicros() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int(ts.tv_sec) * 1_000_000 + Int(ts.tv_nsec) / 1000
    }
    static func monotonicMicros() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1_000_000 + Int(ts.tv_nsec) / 1000
    }
    static func runMicros() -> Int {
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return (Int(ru.ru_utime.tv_sec) + Int(ru.ru_stime.tv_sec)) * 1_000_000
            + Int(ru.ru_utime.tv_usec) + Int(ru.ru_stime.tv_usec)
    }

    static func decodedValues(_ rt: Runtime, _ ut: Int, _ tz: Value?) throws(Unwind) -> Value {
        var west: Int, dst = false
        if let z = tz { west = try zoneSeconds(rt, z) } else {
            (west, dst) = localZone(ut - unixToUniversal)
        }
        let parts = decode(ut, westSeconds: west - (dst ? 3600 : 0))
        var vals = parts.map { Value.fixnum($0) }
        vals.append(.bool(dst))
        vals.append(tz ?? zoneValue(west))
        return try rt.values(vals)
    }

    static func register(_ rt: Runtime) {
        rt.def0("GET-UNIVERSAL-TIME") { _ throws(Unwind) in .fixnum(time(nil) + unixToUniversal) }
        rt.defN("GET-DECODED-TIME", 0, 0, mv: true) { rt, _ throws(Unwind) in
            try decodedValues(rt, time(nil) + unixToUniversal, nil)
        }
        rt.defN("DECODE-UNIVERSAL-TIME", 1, 2, mv: true) { rt, args throws(Unwind) in
            guard case .fixnum(let ut) = args[0], ut >= 0, ut < 1 << 50 else { try rt.typeError(args[0], "UNSIGNED-BYTE") }
            return try decodedValues(rt, ut, args.count > 1 ? args[1] : nil)
        }
        rt.defN("ENCODE-UNIVERSAL-TIME", 6, 7) { rt, args throws(Unwind) in
            var f: [Int] = []
            for i in 0..<6 { f.append(try rt.fixnum(args[i])) }
            let (sec, min, hour, date, month) = (f[0], f[1], f[2], f[3], f[4])
            var year = f[5]
            if sec < 0 || sec > 59 { try rt.typeError(args[0], "(INTEGER 0 59)") }
            if min < 0 || min > 59 { try rt.typeError(args[1], "(INTEGER 0 59)") }
            if hour < 0 || hour > 23 { try rt.typeError(args[2], "(INTEGER 0 23)") }
            if date < 1 || date > 31 { try rt.typeError(args[3], "(INTEGER 1 31)") }
            if month < 1 || month > 12 { try rt.typeError(args[4], "(INTEGER 1 12)") }
            if year < 0 || year > 100_000_000 { try rt.typeError(args[5], "(INTEGER 0 100000000)") }
            if year < 100 {
                // Two-digit years: the year within 50 years of the current one.
                var t = time(nil)
                var tmv = tm()
                localtime_r(&t, &tmv)
                let cur = Int(tmv.tm_year) + 1900
                let century = cur - cur % 100
                year += century
                if year > cur + 50 { year -= 100 } else if year <= cur - 50 { year += 100 }
            }
            let base = (daysFromCivil(year, month, date) * 86400) + hour * 3600 + min * 60 + sec
            if args.count > 6 {
                return .fixnum(base + (try zoneSeconds(rt, args[6])) + unixToUniversal)
            }
            // Local time: guess with the zone at that moment, then correct for DST.
            var (west, dst) = localZone(base)
            var unix = base + west - (dst ? 3600 : 0)
            (west, dst) = localZone(unix)
            unix = base + west - (dst ? 3600 : 0)
            return .fixnum(unix + unixToUniversal)
        }
        let start = monotonicMicros()
        rt.def0("GET-INTERNAL-REAL-TIME") { _ throws(Unwind) in .fixnum(monotonicMicros() - start) }
        rt.def0("GET-INTERNAL-RUN-TIME") { _ throws(Unwind) in .fixnum(runMicros()) }
        rt.def1("SLEEP") { rt, x throws(Unwind) in
            let secs: Double
            switch x {
            case .fixnum(let n): secs = Double(n)
            case .single(let f): secs = Double(f)
            case .double(let d): secs = d
            case .ratio:
                let v = try rt.funcall(try rt.coerceToFunction(Value(rt.world.cl.internExternal("FLOAT"))), x, .double(1))
                if case .double(let d) = v { secs = d } else { secs = 0 }
            default: try rt.typeError(x, "(REAL 0)")
            }
            if secs < 0 || secs.isNaN { try rt.typeError(x, "(REAL 0)") }
            let capped = min(secs, 1e9)
            rt.standardOutputStream.finishOutput()
            var ts = timespec(tv_sec: Int(capped), tv_nsec: Int((capped - capped.rounded(.down)) * 1e9))
            var rem = timespec()
            while nanosleep(&ts, &rem) != 0 && errno == EINTR { ts = rem }
            return .null
        }
        // (time form) support: %time-start returns a token, %time-report prints the report.
        let sys = rt.world.system
        rt.def0("%TIME-START", in: sys) { _ throws(Unwind) in
            list(.fixnum(monotonicMicros()), .fixnum(runMicros()))
        }
        rt.def1("%TIME-REPORT", in: sys) { rt, tok throws(Unwind) in
            let saveN = rt.nvals
            let items = tok.listArray
            guard items.count == 2, case .fixnum(let r0) = items[0], case .fixnum(let u0) = items[1] else { return .null }
            let real = Double(monotonicMicros() - r0) / 1e6, run = Double(runMicros() - u0) / 1e6
            var out: LispStream = rt.errorOutputStream
            if case .object(let o)? = Sym.traceOutput.value, let s = o as? LispStream { out = s }
            func fmt(_ x: Double, _ digits: Int) -> String {
                let r = FloatFormat.flonumToString(FloatFormat.Bits(x), fdigits: digits)
                return (r.leadingPoint ? "0" : "") + r.string
            }
            if out.column != 0 { out.writeChar("\n") }
            out.writeString("Evaluation took:\n  \(fmt(real, 3)) seconds of real time\n  \(fmt(run, 6)) seconds of total run time\n")
            rt.nvals = saveN
            return .null
        }

        // MARK: environment
        rt.def0("LISP-IMPLEMENTATION-TYPE") { _ throws(Unwind) in Value("CommLisp") }
        rt.def0("LISP-IMPLEMENTATION-VERSION") { _ throws(Unwind) in Value("0.1") }
        var u = utsname()
        uname(&u)
        func field<T>(_ t: T) -> String {
            withUnsafeBytes(of: t) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
        }
        let machine = field(u.machine), release = field(u.release), host = field(u.nodename)
        rt.def0("MACHINE-TYPE") { _ throws(Unwind) in
            Value(machine == "x86_64" ? "X86-64" : machine == "aarch64" ? "ARM64" : machine.uppercased())
        }
        rt.def0("MACHINE-VERSION") { _ throws(Unwind) in .null }
        rt.def0("MACHINE-INSTANCE") { _ throws(Unwind) in Value(host) }
        rt.def0("SOFTWARE-TYPE") { _ throws(Unwind) in Value("Linux") }
        rt.def0("SOFTWARE-VERSION") { _ throws(Unwind) in Value(release) }
        rt.def0("SHORT-SITE-NAME") { _ throws(Unwind) in .null }
        rt.def0("LONG-SITE-NAME") { _ throws(Unwind) in .null }
        rt.defN("USER-HOMEDIR-PATHNAME", 0, 1) { _, _ throws(Unwind) in
            var home = getenv("HOME").map { String(cString: $0) } ?? "/"
            if !home.hasSuffix("/") { home += "/" }
            return .object(LispPathname(home))
        }
    }
}
