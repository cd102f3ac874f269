// TEMPORARY until the numbers branch's SBCL-exact float printer is merged.
enum FloatFormat {
    static func single(_ f: Float) -> String { layout(f.description, marker: "e", isDouble: false) }
    static func double(_ d: Double) -> String { layout(d.description, marker: "d", isDouble: true) }
    static func layout(_ s: String, marker: String, isDouble: Bool) -> String {
        var s = s
        if let e = s.firstIndex(of: "e") {
            let mant = String(s[..<e]); var exp = String(s[s.index(after: e)...])
            if exp.hasPrefix("+") { exp.removeFirst() }
            return (mant.contains(".") ? mant : mant + ".0") + marker + exp
        }
        if !s.contains(".") && !s.contains("n") && !s.contains("i") { s += ".0" }
        return isDouble ? s + "d0" : s
    }
}
