import Glibc

/// Read a whole file as UTF-8 text (nil if it cannot be opened).
public func readWholeFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return nil }
        if n == 0 { break }
        bytes.append(contentsOf: buf[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension Runtime {
    /// Evaluate a top-level form: `progn`, `eval-when`, `locally` and `macrolet` bodies are
    /// processed form by form (so a `defmacro` is usable by the next subform), then compile + run.
    @discardableResult
    public func evalTopLevel(_ form: Value) throws(Unwind) -> Value {
        let (expanded, _) = try compiler.macroexpand(form, .empty)
        if case .cons(let c) = expanded, let op = c.car.asSymbol, op.package === world.cl {
            switch op.name {
            case "PROGN":
                var last: Value = .null
                nvals = 1
                for f in c.cdr.listElements { last = try evalTopLevel(f) }
                return last
            case "EVAL-WHEN":
                let situations = c.cdr.car.listArray.compactMap { $0.asSymbol?.name }
                // Loading source processes top-level forms in :execute mode (CLHS 3.2.3.1).
                guard situations.contains("EXECUTE") || situations.contains("EVAL") else { nvals = 1; return .null }
                var last: Value = .null
                nvals = 1
                for f in c.cdr.cdr.listElements { last = try evalTopLevel(f) }
                return last
            default: break
            }
        }
        let thunk = try compiler.compileTopLevel(expanded)
        return try thunk(self)
    }

    /// Load Lisp source text: read and evaluate each form in turn, binding `*package*` and
    /// `*readtable*` around the load as CLHS `load` requires.
    public func loadSource(_ text: String, fileName: String?) throws(Unwind) {
        var src = text
        if src.hasPrefix("#!") {
            // Script interpreter line: blank it out, keeping line numbers right.
            if let nl = src.firstIndex(of: "\n") { src = String(src[nl...]) } else { src = "" }
        }
        let source = StringSource(src)
        let reader = Reader(rt: self, source: source, fileName: fileName)
        let savedPackage = Sym.package.value
        let savedPath = Sym.loadPathname.value, savedTrue = Sym.loadTruename.value
        Sym.loadPathname.value = fileName.map { Value($0) } ?? .null
        // The truename is absolute with links resolved (SBCL too), so a script can find files
        // next to itself whatever the current directory.
        Sym.loadTruename.value = fileName.map { Value(FilesLibrary.truename($0) ?? $0) } ?? .null
        defer {
            Sym.package.value = savedPackage
            Sym.loadPathname.value = savedPath
            Sym.loadTruename.value = savedTrue
        }
        let eof = Value.symbol(Symbol(name: "EOF"))
        while true {
            let form = try reader.read(eofError: false, eofValue: eof)
            if case .symbol(let s) = form, case .symbol(let e) = eof, s === e { break }
            try evalTopLevel(form)
        }
    }
}
