/// The package system's functions; `in-package` and `defpackage` expand into `sys:%in-package`
/// and `sys:%defpackage` (prelude).
enum PackageBuiltins {
    static func register(_ rt: Runtime) {
        let sys = rt.world.system
        func symbols(_ rt: Runtime, _ v: Value) throws(Unwind) -> [Symbol] {
            if v.isList && !v.isNil { return try rt.listItems(v).map { (x: Value) throws(Unwind) -> Symbol in try rt.symbol(x) } }
            return [try rt.symbol(v)]
        }
        func pkgArg(_ rt: Runtime, _ args: Args, _ i: Int) throws(Unwind) -> LispPackage {
            args.count > i ? try rt.package(args[i]) : rt.currentPackage
        }
        func accessValue(_ a: LispPackage.Access?) -> Value {
            switch a {
            case .internal?: return .symbol(rt.world.keyword("INTERNAL"))
            case .external?: return .symbol(rt.world.keyword("EXTERNAL"))
            case .inherited?: return .symbol(rt.world.keyword("INHERITED"))
            case nil: return .null
            }
        }
        rt.def1("FIND-PACKAGE") { rt, x throws(Unwind) in
            if case .object(let o) = x, o is LispPackage { return x }
            guard let p = rt.findPackageHere(try rt.stringDesignator(x)) else { return .null }
            return .object(p)
        }
        // SBCL's package-local-nickname functions (sb-ext there), in SYSTEM.
        rt.defN("PACKAGE-LOCAL-NICKNAMES", 1, 1, in: sys) { rt, args throws(Unwind) in
            let p = try rt.package(args[0])
            return listFrom(p.localNicknames.sorted { $0.key < $1.key }.map { .cons(Value($0.key), .object($0.value)) })
        }
        rt.defN("ADD-PACKAGE-LOCAL-NICKNAME", 2, 3, in: sys) { rt, args throws(Unwind) in
            let nick = try rt.stringDesignator(args[0])
            let target = try rt.package(args[1])
            let p = args.count > 2 ? try rt.package(args[2]) : rt.currentPackage
            if let old = p.localNicknames[nick], old !== target {
                try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                    message: "\(nick) is already a local nickname for \(old.name) in \(p.name).", slots: ["PACKAGE": .object(p)]))
            }
            p.localNicknames[nick] = target
            return .object(p)
        }
        rt.defN("REMOVE-PACKAGE-LOCAL-NICKNAME", 1, 2, in: sys) { rt, args throws(Unwind) in
            let nick = try rt.stringDesignator(args[0])
            let p = args.count > 1 ? try rt.package(args[1]) : rt.currentPackage
            return .bool(p.localNicknames.removeValue(forKey: nick) != nil)
        }
        rt.defN("MAKE-PACKAGE", 1, -1) { rt, args throws(Unwind) in
            let name = try rt.stringDesignator(args[0])
            let kw = try rt.keywordArgs(args, from: 1, allowed: ["NICKNAMES", "USE"], fname: "MAKE-PACKAGE")
            if rt.world.findPackage(name) != nil {
                try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                    message: "A package named \(name) already exists", slots: ["PACKAGE": args[0]]))
            }
            let p = LispPackage(name: name)
            if let n = kw["NICKNAMES"] { p.nicknames = try n.listArray.map { (x: Value) throws(Unwind) -> String in try rt.stringDesignator(x) } }
            rt.world.register(p)
            for u in (kw["USE"] ?? .null).listArray { p.use(try rt.package(u)) }
            return .object(p)
        }
        rt.def1("DELETE-PACKAGE") { rt, x throws(Unwind) in
            guard case .object(let o) = x, let p = o as? LispPackage else {
                guard let p = rt.world.findPackage(try rt.stringDesignator(x)) else { return .null }
                rt.world.unregister(p)
                return .t
            }
            rt.world.unregister(p)
            return .t
        }
        rt.def1("PACKAGE-NAME") { rt, x throws(Unwind) in Value(try rt.package(x).name) }
        rt.def1("PACKAGE-NICKNAMES") { rt, x throws(Unwind) in listFrom(try rt.package(x).nicknames.map { Value($0) }) }
        rt.def1("PACKAGE-USE-LIST") { rt, x throws(Unwind) in listFrom(try rt.package(x).uses.map { .object($0) }) }
        rt.def1("PACKAGE-USED-BY-LIST") { rt, x throws(Unwind) in listFrom(try rt.package(x).usedBy.map { .object($0) }) }
        rt.def1("PACKAGE-SHADOWING-SYMBOLS") { rt, x throws(Unwind) in
            listFrom(try rt.package(x).shadowingSymbols.map { Value($0) })
        }
        rt.def0("LIST-ALL-PACKAGES") { rt throws(Unwind) in listFrom(rt.world.allPackages.map { .object($0) }) }
        rt.defN("RENAME-PACKAGE", 2, 3) { rt, args throws(Unwind) in
            let p = try rt.package(args[0])
            rt.world.unregister(p)
            p.name = try rt.stringDesignator(args[1])
            p.nicknames = try args.get(2).listArray.map { (x: Value) throws(Unwind) -> String in try rt.stringDesignator(x) }
            rt.world.register(p)
            for u in p.uses { u.usedBy.append(p) }
            return .object(p)
        }
        rt.defN("INTERN", 1, 2, mv: true) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            let (s, access) = p.intern(try rt.lispString(args[0]).string)
            return rt.values2(Value(s), accessValue(access))
        }
        rt.defN("FIND-SYMBOL", 1, 2, mv: true) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            guard let (s, access) = p.find(try rt.lispString(args[0]).string) else { return rt.values2(.null, .null) }
            return rt.values2(Value(s), accessValue(access))
        }
        rt.defN("UNINTERN", 1, 2) { rt, args throws(Unwind) in
            .bool(try pkgArg(rt, args, 1).unintern(try rt.symbol(args[0])))
        }
        rt.defN("EXPORT", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            for s in try symbols(rt, args[0]) {
                guard let found = p.find(s.name), found.0 === s else {
                    try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                        message: "symbol \(s.name) is not accessible in package \(p.name)", slots: ["PACKAGE": .object(p)]))
                }
                if found.1 == .inherited { p.importSymbol(s) }
                for user in p.usedBy {
                    if let other = user.find(s.name), other.0 !== s, !user.shadowingSymbols.contains(where: { $0 === other.0 }) {
                        try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                            message: "exporting \(s.name) from \(p.name) conflicts with \(user.name)::\(other.0.name)",
                            slots: ["PACKAGE": .object(p)]))
                    }
                }
                p.export(s)
            }
            return .t
        }
        rt.defN("UNEXPORT", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            for s in try symbols(rt, args[0]) { p.unexport(s) }
            return .t
        }
        rt.defN("IMPORT", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            for s in try symbols(rt, args[0]) {
                if let existing = p.find(s.name), existing.0 !== s, existing.1 != .inherited {
                    try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                        message: "importing \(s.name) into \(p.name) conflicts with an existing symbol",
                        slots: ["PACKAGE": .object(p)]))
                }
                p.importSymbol(s)
            }
            return .t
        }
        rt.defN("SHADOWING-IMPORT", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            for s in try symbols(rt, args[0]) {
                if let existing = p.internals[s.name] ?? p.externals[s.name], existing !== s { _ = p.unintern(existing) }
                p.importSymbol(s)
                if !p.shadowingSymbols.contains(where: { $0 === s }) { p.shadowingSymbols.append(s) }
            }
            return .t
        }
        rt.defN("SHADOW", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            let names = args[0].isList && !args[0].isNil ? args[0].listArray : [args[0]]
            for n in names { p.shadow(try rt.stringDesignator(n)) }
            return .t
        }
        rt.defN("USE-PACKAGE", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            let list = args[0].isList && !args[0].isNil ? args[0].listArray : [args[0]]
            for u in list {
                let used = try rt.package(u)
                for (name, s) in used.externals {
                    if let mine = p.find(name), mine.0 !== s, !p.shadowingSymbols.contains(where: { $0 === mine.0 }) {
                        try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                            message: "using \(used.name) in \(p.name) conflicts on symbol \(name)", slots: ["PACKAGE": .object(p)]))
                    }
                }
                p.use(used)
            }
            return .t
        }
        rt.defN("UNUSE-PACKAGE", 1, 2) { rt, args throws(Unwind) in
            let p = try pkgArg(rt, args, 1)
            let list = args[0].isList && !args[0].isNil ? args[0].listArray : [args[0]]
            for u in list { p.unuse(try rt.package(u)) }
            return .t
        }
        rt.def1("%IN-PACKAGE", in: sys) { rt, x throws(Unwind) in
            let p = try rt.package(x)
            Sym.package.value = .object(p)
            return .object(p)
        }
        // (%package-symbols package kind) kind: :internal/:external/:all/:accessible
        rt.def2("%PACKAGE-SYMBOLS", in: sys) { rt, pkg, kind throws(Unwind) in
            let p = try rt.package(pkg)
            switch kind.asSymbol?.name ?? "" {
            case "EXTERNAL": return listFrom(p.externals.values.map { Value($0) })
            case "PRESENT": return listFrom(p.presentSymbols.map { Value($0) })
            default:
                var out = p.presentSymbols.map { Value($0) }
                for u in p.uses {
                    for s in u.externals.values where p.find(s.name)?.0 === s { out.append(Value(s)) }
                }
                return listFrom(out)
            }
        }
        // (%defpackage name nicknames use exports shadows import-froms intern)
        rt.defN("%DEFPACKAGE", 1, -1, in: sys) { rt, args throws(Unwind) in
            let name = try rt.stringDesignator(args[0])
            let kw = try rt.keywordArgs(args, from: 1, allowed: ["NICKNAMES", "USE", "EXPORT", "SHADOW", "IMPORT-FROM",
                                                                  "SHADOWING-IMPORT-FROM", "INTERN", "DOCUMENTATION", "SIZE",
                                                                  "LOCAL-NICKNAMES"],
                                        fname: "DEFPACKAGE")
            let p: LispPackage
            if let existing = rt.world.findPackage(name) { p = existing } else {
                p = LispPackage(name: name)
                rt.world.register(p)
            }
            func strs(_ v: Value?) throws(Unwind) -> [String] {
                try (v ?? .null).listArray.map { (x: Value) throws(Unwind) -> String in try rt.stringDesignator(x) }
            }
            let nicks = try strs(kw["NICKNAMES"])
            if !nicks.isEmpty { p.nicknames = nicks; rt.world.register(p) }
            for s in try strs(kw["SHADOW"]) { p.shadow(s) }
            for spec in (kw["SHADOWING-IMPORT-FROM"] ?? .null).listArray {
                let from = try rt.package(spec.car)
                for n in spec.cdr.listArray {
                    let nm = try rt.stringDesignator(n)
                    guard let (s, _) = from.find(nm) else { continue }
                    if let existing = p.internals[nm] ?? p.externals[nm], existing !== s { _ = p.unintern(existing) }
                    p.importSymbol(s)
                    p.shadowingSymbols.append(s)
                }
            }
            let useList = kw["USE"].map { $0.listArray } ?? [Value("COMMON-LISP")]
            for u in useList { p.use(try rt.package(u)) }
            for spec in (kw["IMPORT-FROM"] ?? .null).listArray {
                let from = try rt.package(spec.car)
                for n in spec.cdr.listArray {
                    let nm = try rt.stringDesignator(n)
                    guard let (s, _) = from.find(nm) else {
                        try rt.signalError(rt.makeCondition(StandardConditions.simplePackageError,
                            message: "symbol \(nm) not found in package \(from.name)", slots: ["PACKAGE": .object(from)]))
                    }
                    p.importSymbol(s)
                }
            }
            // Exactly the nicknames given: a re-evaluated defpackage without the option has none (SBCL).
            var localNicknames: [String: LispPackage] = [:]
            for pair in (kw["LOCAL-NICKNAMES"] ?? .null).listArray {
                guard case .cons(let c) = pair, case .cons(let rest) = c.cdr, rest.cdr.isNil else {
                    try rt.signalError(rt.programError("DEFPACKAGE: a local nickname is (nickname package), not \(rt.printString(pair))"))
                }
                localNicknames[try rt.stringDesignator(c.car)] = try rt.package(rest.car)
            }
            p.localNicknames = localNicknames
            for s in try strs(kw["INTERN"]) { p.intern(s) }
            for s in try strs(kw["EXPORT"]) {
                let (sym, _) = p.intern(s)
                if p.find(s)?.1 == .inherited { p.importSymbol(sym) }
                p.export(sym)
            }
            return .object(p)
        }
    }
}
