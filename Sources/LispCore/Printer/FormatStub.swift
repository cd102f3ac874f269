// TEMPORARY minimal FORMAT (~a ~s ~d ~% ~& ~~) until the format library lands. The full
// implementation must keep these two entry points.
extension Runtime {
    /// Format with a control string to a Swift string.
    public func formatToString(_ control: String, _ args: [Value]) throws(Unwind) -> String {
        try formatToStringLisp(self, control, args)
    }
}

func formatToStringLisp(_ rt: Runtime, _ control: String, _ args: [Value]) throws(Unwind) -> String {
    var out = ""
    var i = args.startIndex
    var it = control.unicodeScalars.makeIterator()
    func next() -> Value { defer { i += 1 }; return i < args.count ? args[i] : .null }
    while let c = it.next() {
        if c != "~" { out.unicodeScalars.append(c); continue }
        guard let d = it.next() else { break }
        switch d {
        case "a", "A": out += rt.princString(next())
        case "s", "S": out += rt.printString(next())
        case "d", "D": out += rt.princString(next())
        case "%": out += "\n"
        case "&": if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        case "~": out += "~"
        default: out.unicodeScalars.append(d)
        }
    }
    return out
}
