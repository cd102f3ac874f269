/// `describe`, `apropos`, `apropos-list`, `documentation` and `(setf documentation)`.
enum DescribeLibrary {
    static func docKey(_ rt: Runtime, _ x: Value, _ type: Value) throws(Unwind) -> (Symbol, String)? {
        let kind = (try rt.symbol(type)).name
        switch x {
        case .symbol, .null:
            let s = try rt.symbol(x)
            switch kind {
            case "FUNCTION", "SETF", "COMPILER-MACRO", "VARIABLE", "TYPE", "STRUCTURE", "METHOD-COMBINATION", "T":
                return (s, kind == "T" ? "FUNCTION" : (kind == "STRUCTURE" ? "TYPE" : kind))
            default: return nil
            }
        case .cons(let c):
            // (setf name)
            if case .symbol(let h) = c.car, h.name == "SETF", case .cons(let r) = c.cdr {
                return (try rt.symbol(r.car), "SETF")
            }
            return nil
        case .function(let f):
            if case .symbol(let s) = f.name { return (s, "FUNCTION") }
            return nil
        case .object(let o):
            if let p = o as? LispPackage { return (rt.world.keyword(p.name), "PACKAGE") }
            return nil
        default: return nil
        }
    }

    static func apropos(_ rt: Runtime, _ args: Args) throws(Unwind) -> [Symbol] {
        let needle = try rt.stringDesignator(args[0]).uppercased()
        var pkgs: [LispPackage]
        if args.count > 1 && !args[1].isNil { pkgs = [try rt.package(args[1])] } else { pkgs = rt.world.allPackages }
        let externalOnly = args.count > 2 && args[2].isTrue
        var seen = Set<ObjectIdentifier>()
        var out: [Symbol] = []
        for p in pkgs {
            var syms = Array(p.externals.values)
            if !externalOnly { syms += p.internals.values }
            syms.sort { $0.name < $1.name }
            for s in syms where (needle.isEmpty || s.name.uppercased().contains(needle)) {
                if seen.insert(ObjectIdentifier(s)).inserted { out.append(s) }
            }
        }
        return out
    }

    static func register(_ rt: Runtime) {
        rt.defN("DOCUMENTATION", 2, 2) { rt, args throws(Unwind) in
            guard let (s, k) = try docKey(rt, args[0], args[1]) else { return .null }
            return getDocumentation(s, k)
        }
        rt.defSetf("DOCUMENTATION", 3, 3) { rt, args throws(Unwind) in
            guard let (s, k) = try docKey(rt, args[1], args[2]) else { return args[0] }
            setDocumentation(s, k, args[0])
            return args[0]
        }
        rt.defN("APROPOS-LIST", 1, 3) { rt, args throws(Unwind) in
            listFrom(try apropos(rt, args).map { Value($0) })
        }
        rt.defN("APROPOS", 1, 3) { rt, args throws(Unwind) in
            let out = rt.standardOutputStream
            for s in try apropos(rt, args) {
                var line = rt.printString(Value(s))
                var tags: [String] = []
                if s.function != nil { tags.append("fbound") } else if s.macro != nil { tags.append("macro") }
                if s.value != nil && !s.isKeyword { tags.append(s.isConstant ? "constant" : "bound") }
                if !tags.isEmpty { line += " (" + tags.joined(separator: ", ") + ")" }
                out.writeString(line + "\n")
            }
            rt.nvals = 0
            return .null
        }
        rt.defN("DESCRIBE", 1, 2) { rt, args throws(Unwind) in
            let x = args[0]
            let out = try PrintBuiltins.outStream(rt, args.get(1))
            var text = rt.printString(x) + "\n"
            let type = rt.printString(rt.typeOf(x))
            switch x {
            case .symbol, .null:
                let s = x.asSymbol!
                let pkgName = s.package.map { $0 === rt.world.keyword ? "" : $0.name } ?? "#"
                text = (s.package == nil ? "#:" : pkgName + (s.isKeyword ? ":" : ":")) + s.name + "\n  [symbol]\n"
                if let v = s.value, !s.isKeyword {
                    text += "\n\(s.name) names a \(s.isConstant ? "constant" : "special") variable:\n  Value: \(rt.printString(v))\n"
                    if case .string(let d) = getDocumentation(s, "VARIABLE") { text += "  Documentation:\n    \(d.string)\n" }
                }
                if s.macro != nil {
                    text += "\n\(s.name) names a macro:\n"
                    if case .string(let d) = getDocumentation(s, "FUNCTION") { text += "  Documentation:\n    \(d.string)\n" }
                } else if s.function != nil {
                    text += "\n\(s.name) names a compiled function:\n"
                    if case .string(let d) = getDocumentation(s, "FUNCTION") { text += "  Documentation:\n    \(d.string)\n" }
                }
                if s.plist.isTrue { text += "\nSymbol-plist:\n  \(rt.printString(s.plist))\n" }
            case .fixnum, .bignum, .ratio, .single, .double, .character, .string, .vector, .bytes, .cons:
                text += "  [\(type.lowercased())]\n"
            default:
                text += "  [\(type.lowercased())]\n"
            }
            if out.column != 0 { out.writeChar("\n") }
            out.writeString(text)
            rt.nvals = 0
            return .null
        }
    }
}
