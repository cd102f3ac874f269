// JSON.swift -- a minimal JSON value and writer for the BENCH-RESULT line.

enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case num(Double)
    case str(String)
    case arr([JSON])
    case obj([(String, JSON)])

    static func number(_ x: Double?, decimals: Int = 3) -> JSON {
        guard let x, x.isFinite else { return .null }
        var p = 1.0
        for _ in 0..<decimals { p *= 10 }
        return .num((x * p).rounded() / p)
    }

    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .num(let d):
            if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) }
            return "\(d)"
        case .str(let s): return JSON.quote(s)
        case .arr(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .obj(let o): return "{" + o.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    r += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    r.unicodeScalars.append(u)
                }
            }
        }
        return r + "\""
    }
}
