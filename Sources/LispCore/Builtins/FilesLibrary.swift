import Glibc

/// Pathnames (a namestring with parsed components) and file functions: open, probe-file,
/// delete-file, rename-file, file-length, file-position, pathname accessors.
public final class LispPathname: LispObject {
    public let namestring: String
    public init(_ s: String) { namestring = s }
    public override var typeName: String { "PATHNAME" }
    public override var supertypeNames: [String] { ["PATHNAME"] }
    public override func printObject(_ p: Printer) throws(Unwind) -> Bool {
        if p.escape {
            if p.readably { p.out += "#P" }
            else { p.out += "#P" }
            p.printString(LispString(namestring))
        } else {
            p.out += namestring
        }
        return true
    }

    /// Directory part including the trailing slash ("" when none).
    public var directoryPart: String {
        if let i = namestring.lastIndex(of: "/") { return String(namestring[...i]) }
        return ""
    }
    public var filePart: String {
        if let i = namestring.lastIndex(of: "/") { return String(namestring[namestring.index(after: i)...]) }
        return namestring
    }
    public var name: String? {
        let f = filePart
        if f.isEmpty { return nil }
        if let dot = f.lastIndex(of: "."), dot != f.startIndex { return String(f[..<dot]) }
        return f
    }
    public var type: String? {
        let f = filePart
        if let dot = f.lastIndex(of: "."), dot != f.startIndex { return String(f[f.index(after: dot)...]) }
        return nil
    }
    public var directoryComponents: [String]? {
        let d = directoryPart
        if d.isEmpty { return nil }
        return d.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
    public var isAbsolute: Bool { namestring.hasPrefix("/") }

    static func build(dir: String, name: String?, type: String?) -> String {
        var s = dir
        if let n = name { s += n }
        if let t = type { s += "." + t }
        return s
    }
}

enum FilesLibrary {
    static func kw(_ name: String) -> Value { Value(World.shared.keyword(name)) }

    /// A pathname designator (string, pathname, file stream) as a namestring.
    static func namestring(_ rt: Runtime, _ v: Value) throws(Unwind) -> String {
        switch v {
        case .string(let s): return s.string
        case .object(let o):
            if let p = o as? LispPathname { return p.namestring }
            if let f = o as? FileStream { return f.path }
            if let s = o as? SynonymStream, let t = s.target { return try namestring(rt, .object(t)) }
        default: break
        }
        try rt.typeError(v, "(OR PATHNAME STRING FILE-STREAM)")
    }

    static func pathname(_ rt: Runtime, _ v: Value) throws(Unwind) -> LispPathname {
        if case .object(let o) = v, let p = o as? LispPathname { return p }
        return LispPathname(try namestring(rt, v))
    }

    static func fileError(_ rt: Runtime, _ path: String, _ msg: String) throws(Unwind) -> Never {
        try rt.signalError(rt.makeCondition(StandardConditions.simpleFileError, message: "~a",
                                            args: [Value(msg)], slots: ["PATHNAME": .object(LispPathname(path))]))
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func truename(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        var s = String(cString: r)
        var st = stat()
        if stat(s, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR && !s.hasSuffix("/") { s += "/" }
        return s
    }

    static func merge(_ p: LispPathname, _ d: LispPathname) -> LispPathname {
        var dir = p.directoryPart
        if dir.isEmpty { dir = d.directoryPart }
        else if !p.isAbsolute && d.isAbsolute { dir = d.directoryPart + dir }
        let name = p.name ?? d.name
        let type = p.type ?? (p.name == nil || d.type != nil ? d.type : nil)
        return LispPathname(LispPathname.build(dir: dir, name: name, type: p.type ?? type))
    }

    static func defaults() -> LispPathname {
        let sym = World.shared.cl.internExternal("*DEFAULT-PATHNAME-DEFAULTS*")
        if case .object(let o)? = sym.value, let p = o as? LispPathname { return p }
        if case .string(let s)? = sym.value { return LispPathname(s.string) }
        return LispPathname("")
    }

    static func register(_ rt: Runtime) {
        let cl = rt.world.cl
        let dpd = cl.internExternal("*DEFAULT-PATHNAME-DEFAULTS*")
        if dpd.value == nil { rt.defVar(dpd, .object(LispPathname(""))) }

        rt.def1("PATHNAME") { rt, x throws(Unwind) in .object(try pathname(rt, x)) }
        rt.def1("PATHNAMEP") { _, x throws(Unwind) in
            if case .object(let o) = x, o is LispPathname { return .t }
            return .null
        }
        rt.def1("NAMESTRING") { rt, x throws(Unwind) in Value(try namestring(rt, x)) }
        rt.def1("FILE-NAMESTRING") { rt, x throws(Unwind) in Value(try pathname(rt, x).filePart) }
        rt.def1("DIRECTORY-NAMESTRING") { rt, x throws(Unwind) in Value(try pathname(rt, x).directoryPart) }
        rt.defN("ENOUGH-NAMESTRING", 1, 2) { rt, args throws(Unwind) in
            let p = try namestring(rt, args[0])
            let d = args.count > 1 ? try pathname(rt, args[1]).directoryPart : defaults().directoryPart
            if !d.isEmpty && p.hasPrefix(d) { return Value(String(p.dropFirst(d.count))) }
            return Value(p)
        }
        rt.defN("PARSE-NAMESTRING", 1, -1, mv: true) { rt, args throws(Unwind) in
            let s = try namestring(rt, args[0])
            return rt.values2(.object(LispPathname(s)), .fixnum(s.unicodeScalars.count))
        }
        rt.defN("PATHNAME-NAME", 1, -1) { rt, args throws(Unwind) in
            try pathname(rt, args[0]).name.map { Value($0) } ?? .null
        }
        rt.defN("PATHNAME-TYPE", 1, -1) { rt, args throws(Unwind) in
            try pathname(rt, args[0]).type.map { Value($0) } ?? .null
        }
        rt.defN("PATHNAME-DIRECTORY", 1, -1) { rt, args throws(Unwind) in
            let p = try pathname(rt, args[0])
            guard let comps = p.directoryComponents else {
                return p.isAbsolute ? list(kw("ABSOLUTE")) : .null
            }
            var items: [Value] = [kw(p.isAbsolute ? "ABSOLUTE" : "RELATIVE")]
            for c in comps { items.append(c == ".." ? kw("UP") : Value(c)) }
            return listFrom(items)
        }
        rt.defN("PATHNAME-HOST", 1, -1) { _, _ throws(Unwind) in .null }
        rt.defN("PATHNAME-DEVICE", 1, -1) { _, _ throws(Unwind) in .null }
        rt.defN("PATHNAME-VERSION", 1, -1) { _, _ throws(Unwind) in .null }
        rt.defN("MERGE-PATHNAMES", 1, 3) { rt, args throws(Unwind) in
            let p = try pathname(rt, args[0])
            let d = args.count > 1 ? try pathname(rt, args[1]) : defaults()
            return .object(merge(p, d))
        }
        rt.defN("MAKE-PATHNAME", 0, -1) { rt, args throws(Unwind) in
            let k = try rt.keywordArgs(args, from: 0, allowed: ["HOST", "DEVICE", "DIRECTORY", "NAME", "TYPE",
                                                                 "VERSION", "DEFAULTS", "CASE"], fname: "MAKE-PATHNAME")
            let defs = try k["DEFAULTS"].map { (v: Value) throws(Unwind) -> LispPathname in try pathname(rt, v) }
            var dir = defs?.directoryPart ?? ""
            if let d = k["DIRECTORY"] {
                switch d {
                case .null: dir = ""
                case .string(let s): dir = s.string.hasSuffix("/") ? s.string : s.string + "/"
                case .cons:
                    let items = d.listArray
                    var s = ""
                    if case .symbol(let sym) = items.first ?? .null, sym.name == "ABSOLUTE" { s = "/" }
                    for c in items.dropFirst() {
                        switch c {
                        case .string(let x): s += x.string + "/"
                        case .symbol(let sym) where sym.name == "UP" || sym.name == "BACK": s += "../"
                        case .symbol(let sym) where sym.name == "WILD": s += "*/"
                        default: break
                        }
                    }
                    dir = s
                case .symbol(let sym) where sym.name == "WILD": dir = "**/"
                default: try rt.typeError(d, "(OR LIST STRING)")
                }
            }
            func comp(_ key: String, _ def: String?) throws(Unwind) -> String? {
                guard let v = k[key] else { return def }
                if v.isNil { return nil }
                if case .symbol(let s) = v, s.name == "WILD" { return "*" }
                return try rt.lispString(v).string
            }
            let name = try comp("NAME", defs?.name)
            let type = try comp("TYPE", defs?.type)
            return .object(LispPathname(LispPathname.build(dir: dir, name: name, type: type)))
        }
        rt.defN("PROBE-FILE", 1, 1) { rt, args throws(Unwind) in
            let p = try namestring(rt, args[0])
            guard let t = truename(p) else { return .null }
            return .object(LispPathname(t))
        }
        rt.def1("TRUENAME") { rt, x throws(Unwind) in
            let p = try namestring(rt, x)
            guard let t = truename(p) else { try fileError(rt, p, "The file \"\(p)\" does not exist: \(errnoText())") }
            return .object(LispPathname(t))
        }
        rt.def1("DELETE-FILE") { rt, x throws(Unwind) in
            if case .object(let o) = x, let f = o as? FileStream { f.close() }
            let p = try namestring(rt, x)
            if unlink(p) != 0 { try fileError(rt, p, "could not delete \"\(p)\": \(errnoText())") }
            return .t
        }
        rt.defN("RENAME-FILE", 2, 2, mv: true) { rt, args throws(Unwind) in
            let a = args[0], b = args[1]
            let from = try namestring(rt, a)
            let to = merge(try pathname(rt, b), LispPathname(from))
            guard let oldTrue = truename(from) else { try fileError(rt, from, "the file \"\(from)\" does not exist") }
            if Glibc.rename(from, to.namestring) != 0 {
                try fileError(rt, from, "could not rename \"\(from)\" to \"\(to.namestring)\": \(errnoText())")
            }
            let newTrue = truename(to.namestring) ?? to.namestring
            return try rt.values([.object(to), .object(LispPathname(oldTrue)), .object(LispPathname(newTrue))])
        }
        rt.def1("FILE-WRITE-DATE") { rt, x throws(Unwind) in
            let p = try namestring(rt, x)
            var st = stat()
            guard stat(p, &st) == 0 else { return .null }
            return .fixnum(Int(st.st_mtim.tv_sec) + 2_208_988_800)
        }
        rt.def1("FILE-AUTHOR") { _, _ throws(Unwind) in .null }
        rt.defN("ENSURE-DIRECTORIES-EXIST", 1, -1, mv: true) { rt, args throws(Unwind) in
            let p = try pathname(rt, args[0])
            let dir = p.directoryPart
            var created = false
            var cur = dir.hasPrefix("/") ? "/" : ""
            for c in dir.split(separator: "/") {
                cur += c + "/"
                if !exists(cur) {
                    if mkdir(cur, 0o777) != 0 { try fileError(rt, cur, "could not create directory \"\(cur)\": \(errnoText())") }
                    created = true
                }
            }
            return rt.values2(args[0], .bool(created))
        }
        rt.defN("DIRECTORY", 1, -1) { rt, args throws(Unwind) in
            // Minimal: "dir/*.ext" or "dir/*" or "dir/*.*" patterns.
            let pat = try namestring(rt, args[0])
            let p = LispPathname(pat)
            let dir = p.directoryPart.isEmpty ? "./" : p.directoryPart
            guard let d = opendir(dir) else { return .null }
            defer { closedir(d) }
            var names: [String] = []
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) { ptr in
                    ptr.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let entry = LispPathname(name)
                let nOk = p.name == nil || glob(p.name!, entry.name ?? "")
                let tOk: Bool
                if let t = p.type { tOk = glob(t, entry.type ?? "") } else { tOk = entry.type == nil }
                if nOk && tOk { names.append(name) }
            }
            names.sort()
            return listFrom(names.compactMap { n in truename(dir + n).map { Value.object(LispPathname($0)) } })
        }

        rt.defN("OPEN", 1, -1) { rt, args throws(Unwind) in try openFile(rt, args) }

        rt.defN("FILE-LENGTH", 1, 1) { rt, args throws(Unwind) in
            guard case .object(let o) = args[0], let s = o as? LispStream else { try rt.typeError(args[0], "FILE-STREAM") }
            return s.fileLength().map { .fixnum($0) } ?? .null
        }
        rt.defN("FILE-POSITION", 1, 2) { rt, args throws(Unwind) in
            guard case .object(let o) = args[0], let s = o as? LispStream else { try rt.typeError(args[0], "STREAM") }
            if args.count == 1 { return s.filePosition().map { .fixnum($0) } ?? .null }
            let pos: Int
            switch args[1] {
            case .symbol(let sym) where sym.name == "START": pos = 0
            case .symbol(let sym) where sym.name == "END": pos = s.fileLength() ?? 0
            default: pos = try rt.index(args[1])
            }
            let ok = s.setFilePosition(pos)
            if ok && s is StringInputStream { return .fixnum(pos) }
            return .bool(ok)
        }
        rt.defN("FILE-STRING-LENGTH", 2, 2) { rt, args throws(Unwind) in
            var enc = CharEncoding.utf8
            if case .object(let o) = args[0], let f = o as? FileStream { enc = f.encoding }
            switch args[1] {
            case .character(let c): return .fixnum(enc.encode(CollectionOfOne(c))?.count ?? 1)
            default: return .fixnum(enc.encode(try rt.lispString(args[1]).activeScalars)?.count ?? 0)
            }
        }
        rt.def1("STREAM-EXTERNAL-FORMAT") { rt, x throws(Unwind) in
            if case .object(let o) = x, let f = o as? FileStream {
                switch f.encoding {
                case .utf8: return kw("UTF-8")
                case .latin1: return kw("LATIN-1")
                case .ascii: return kw("ASCII")
                }
            }
            return kw("UTF-8")
        }
    }

    /// Wildcard match for DIRECTORY: `*` any run of characters, `?` one character.
    static func glob(_ pattern: String, _ s: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(s.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && p[pi] != "*" && (p[pi] == t[ti] || p[pi] == "?") { pi += 1; ti += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    static func encodingNamed(_ rt: Runtime, _ v: Value) throws(Unwind) -> CharEncoding? {
        var v = v
        if case .cons(let c) = v { v = c.car }
        guard case .symbol(let s) = v else { return v.isNil ? .utf8 : nil }
        switch s.name {
        case "UTF-8", "UTF8", "DEFAULT": return .utf8
        case "LATIN-1", "LATIN1", "ISO-8859-1", "ISO8859-1": return .latin1
        case "ASCII", "US-ASCII": return .ascii
        default: return nil
        }
    }

    static func openFile(_ rt: Runtime, _ args: Args) throws(Unwind) -> Value {
        let path = try namestring(rt, args[0])
        let k = try rt.keywordArgs(args, from: 1, allowed: ["DIRECTION", "ELEMENT-TYPE", "IF-EXISTS",
                                                             "IF-DOES-NOT-EXIST", "EXTERNAL-FORMAT"], fname: "OPEN")
        func name(_ v: Value?) -> String? {
            guard let v = v else { return nil }
            if case .symbol(let s) = v { return s.name }
            if v.isNil { return "NIL" }
            return "?"
        }
        let direction = name(k["DIRECTION"]) ?? "INPUT"
        guard ["INPUT", "OUTPUT", "IO", "PROBE"].contains(direction) else { try rt.typeError(k["DIRECTION"]!, "(MEMBER :INPUT :OUTPUT :IO :PROBE)") }
        var binary = false
        if let et = k["ELEMENT-TYPE"] {
            switch et {
            case .cons(let c):
                if case .symbol(let s) = c.car, s.name == "UNSIGNED-BYTE" || s.name == "SIGNED-BYTE" { binary = true }
            case .symbol(let s):
                if s.name == "BIT" || s.name == "OCTET" || s.name == "UNSIGNED-BYTE" { binary = true }
            default: break
            }
        }
        var enc = CharEncoding.utf8
        if let ef = k["EXTERNAL-FORMAT"] {
            guard let e = try encodingNamed(rt, ef) else { try fileError(rt, path, "unsupported external format \(rt.printString(ef))") }
            enc = e
        }
        let output = direction == "OUTPUT" || direction == "IO"
        let input = direction == "INPUT" || direction == "IO"
        let exists = FilesLibrary.exists(path)
        let ifExists = name(k["IF-EXISTS"]) ?? "ERROR"
        let ifNotExists = name(k["IF-DOES-NOT-EXIST"])
            ?? (direction == "INPUT" || (direction == "IO" && false) || direction == "PROBE"
                ? (direction == "PROBE" ? "NIL" : "ERROR")
                : (ifExists == "OVERWRITE" || ifExists == "APPEND" ? "ERROR" : "CREATE"))
        var flags: Int32 = output ? (input ? O_RDWR : O_WRONLY) : O_RDONLY
        if !exists {
            switch ifNotExists {
            case "ERROR": try fileError(rt, path, "The file \"\(path)\" does not exist")
            case "NIL": return .null
            case "CREATE":
                if !output && direction != "PROBE" && direction != "INPUT" { break }
                flags |= O_CREAT
            default: try rt.typeError(k["IF-DOES-NOT-EXIST"] ?? .null, "(MEMBER :ERROR :CREATE NIL)")
            }
        } else if output {
            switch ifExists {
            case "ERROR", "NEW-VERSION":
                try fileError(rt, path, "OPEN: file \"\(path)\" already exists")
            case "NIL": return .null
            case "SUPERSEDE", "RENAME-AND-DELETE": flags |= O_TRUNC
            case "RENAME":
                if Glibc.rename(path, path + ".bak") != 0 { try fileError(rt, path, "could not rename \"\(path)\": \(errnoText())") }
                flags |= O_CREAT
            case "APPEND": flags |= O_APPEND
            case "OVERWRITE": break
            default: try rt.typeError(k["IF-EXISTS"]!, "(MEMBER :ERROR :NEW-VERSION :RENAME :RENAME-AND-DELETE :OVERWRITE :APPEND :SUPERSEDE NIL)")
            }
        }
        if direction == "PROBE" {
            if !exists && flags & O_CREAT != 0 {
                let fd = Glibc.open(path, O_WRONLY | O_CREAT, 0o666)
                if fd >= 0 { Glibc.close(fd) }
            }
            let s = FileStream(fd: -1, path: truename(path) ?? path, input: false, output: false, binary: binary, encoding: enc)
            s.isOpen = false
            return .object(s)
        }
        if input && !output && !exists {
            try fileError(rt, path, "The file \"\(path)\" does not exist")
        }
        let fd = Glibc.open(path, flags | O_CLOEXEC, 0o666)
        if fd < 0 { try fileError(rt, path, "could not open \"\(path)\": \(errnoText())") }
        let full = truename(path) ?? path
        let fs = FileStream(fd: fd, path: full, input: input, output: output, binary: binary, encoding: enc)
        fs.createdNew = output && (!exists || ifExists == "RENAME")
        return .object(fs)
    }
}
