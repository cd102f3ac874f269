/// eval, apply, funcall, values, macroexpansion, definitions (defun/defmacro/defvar support
/// functions), function cells, `compile`, `load`, `require`.
enum EvaluatorBuiltins {
    static func register(_ rt: Runtime) {
        let sys = rt.world.system
        rt.def1("EVAL") { rt, form throws(Unwind) in
            let thunk = try rt.compiler.compileTopLevel(form)
            return try thunk(rt)
        }
        rt.defN("FUNCALL", 1, -1, mv: true) { rt, args throws(Unwind) in
            let fn = try rt.coerceToFunction(args[0])
            return try rt.invoke(fn, args.base + 1, args.count - 1)
        }
        // (apply f args+): at least one argument after the function (CLHS), the last a list.
        rt.defN("APPLY", 2, -1, mv: true) { rt, args throws(Unwind) in
            let fn = try rt.coerceToFunction(args[0])
            var all = Array(UnsafeBufferPointer(start: args.base + 1, count: args.count - 2))
            all.append(contentsOf: try rt.listItems(args[args.count - 1]))
            return try rt.apply(fn, all)
        }
        rt.defN("VALUES", 0, -1, mv: true) { rt, args throws(Unwind) in
            if args.count == 1 { rt.nvals = 1; return args[0] }
            if args.count == 0 { rt.nvals = 0; return .null }
            for i in 0..<args.count { rt.mv[i] = args[i] }
            rt.nvals = args.count
            return args[0]
        }
        rt.defN("VALUES-LIST", 1, 1, mv: true) { rt, args throws(Unwind) in
            try rt.values(try rt.listItems(args[0]))
        }
        rt.defN("MACROEXPAND-1", 1, 2, mv: true) { rt, args throws(Unwind) in
            let (e, did) = try rt.compiler.macroexpand1(args[0], envFrom(args.get(1)))
            return rt.values2(e, .bool(did))
        }
        rt.defN("MACROEXPAND", 1, 2, mv: true) { rt, args throws(Unwind) in
            let (e, did) = try rt.compiler.macroexpand(args[0], envFrom(args.get(1)))
            return rt.values2(e, .bool(did))
        }
        rt.defN("MACRO-FUNCTION", 1, 2) { rt, args throws(Unwind) in
            let s = try rt.symbol(args[0])
            if case .macro(_, let f)? = envFrom(args.get(1)).lookupFunction(s) { return .function(f) }
            if let m = s.macro { return .function(m) }
            return .null
        }
        rt.defSetf("MACRO-FUNCTION", 2, 3) { rt, args throws(Unwind) in
            let s = try rt.symbol(args[1])
            try rt.checkPackageLock(s, "setting the macro-function of \(s.name)")
            s.macro = try rt.coerceToFunction(args[0])
            return args[0]
        }
        rt.def1("SPECIAL-OPERATOR-P") { rt, x throws(Unwind) in
            .bool(rt.compiler.isSpecialOperator(try rt.symbol(x)))
        }
        rt.defN("COMPILE", 1, 2, mv: true) { rt, args throws(Unwind) in
            var fn: Value
            // warnings-p and failure-p: T when compiling put an error off until run time.
            let deferredBefore = rt.compiler.deferredErrorCount
            var failed: Value { .bool(rt.compiler.deferredErrorCount != deferredBefore) }
            if args.count > 1, !args[1].isNil {
                fn = try rt.eval(args[1])
            } else if let s = args[0].asSymbol {
                if let m = s.macro { return try rt.values([.function(m), .null, .null]) }
                fn = .function(try rt.coerceToFunction(args[0]))
            } else {
                fn = .null
            }
            if let s = args[0].asSymbol, !args[0].isNil, case .function(let f) = fn {
                if args.count > 1, !args[1].isNil { try rt.checkPackageLock(s, "setting the fdefinition of \(s.name)") }
                s.function = f
                LispFunction.purgeRetired(rt)
                return try rt.values([args[0], failed, failed])
            }
            return try rt.values([fn, failed, failed])
        }
        rt.def1("FDEFINITION") { rt, name throws(Unwind) in try fdefinition(rt, name) }
        rt.def1("SYMBOL-FUNCTION") { rt, name throws(Unwind) in
            let s = try rt.symbol(name)
            if let f = s.function { return .function(f) }
            if let m = s.macro { return .function(m) }
            try rt.undefinedFunction(s)
        }
        let setFdef: NativeN = { rt, args throws(Unwind) in
            let f = try rt.coerceToFunction(args[0])
            if case .cons(let c) = args[1], c.car.asSymbol === Sym.setf, let s = c.cdr.car.asSymbol {
                try rt.checkPackageLock(s, "setting the fdefinition of (SETF \(s.name))")
                s.setfFunction = f
            } else {
                let s = try rt.symbol(args[1])
                try rt.checkPackageLock(s, "setting the fdefinition of \(s.name)")
                s.function = f
                LispFunction.purgeRetired(rt)
                s.macro = nil
            }
            return args[0]
        }
        rt.defSetf("FDEFINITION", 2, 2, setFdef)
        rt.defSetf("SYMBOL-FUNCTION", 2, 2, setFdef)
        rt.def1("FBOUNDP") { rt, name throws(Unwind) in
            if case .cons(let c) = name, c.car.asSymbol === Sym.setf, let s = c.cdr.car.asSymbol {
                return .bool(s.setfFunction != nil)
            }
            let s = try rt.symbol(name)
            return .bool(s.function != nil || s.macro != nil || rt.compiler.isSpecialOperator(s))
        }
        rt.def1("FMAKUNBOUND") { rt, name throws(Unwind) in
            if case .cons(let c) = name, c.car.asSymbol === Sym.setf, let s = c.cdr.car.asSymbol {
                try rt.checkPackageLock(s, "removing the fdefinition of (SETF \(s.name))")
                s.setfFunction = nil
                return name
            }
            let s = try rt.symbol(name)
            try rt.checkPackageLock(s, "removing the fdefinition of \(s.name)")
            s.function = nil
            LispFunction.purgeRetired(rt)
            s.macro = nil
            return name
        }
        rt.def1("FUNCTION-LAMBDA-EXPRESSION") { rt, f throws(Unwind) in
            guard case .function(let fn) = f else { try rt.typeError(f, "FUNCTION") }
            return try rt.values([.null, .t, fn.name])
        }
        rt.defN("%DEFUN", 2, 3, in: sys) { rt, args throws(Unwind) in
            let f = try rt.coerceToFunction(args[1])
            if case .cons(let c) = args[0], c.car.asSymbol === Sym.setf, let s = c.cdr.car.asSymbol {
                try rt.checkPackageLock(s, "defining (SETF \(s.name)) as a function")
                f.name = args[0]
                s.setfFunction = f
                return args[0]
            }
            let s = try rt.symbol(args[0])
            try rt.checkPackageLock(s, "defining \(s.name) as a function")
            if rt.compiler.isSpecialOperator(s) {
                try rt.signalError(rt.programError("cannot define \(s.name): it is a special operator"))
            }
            f.name = args[0]
            s.function = f
            LispFunction.purgeRetired(rt)
            s.macro = nil
            if args.count > 2, case .string = args[2] { setDocumentation(s, "FUNCTION", args[2]) }
            return args[0]
        }
        rt.defN("%DEFMACRO", 2, 3, in: sys) { rt, args throws(Unwind) in
            let s = try rt.symbol(args[0])
            try rt.checkPackageLock(s, "defining \(s.name) as a macro")
            let f = try rt.coerceToFunction(args[1])
            f.name = args[0]
            s.macro = f
            s.function = nil
            LispFunction.purgeRetired(rt)
            if args.count > 2, case .string = args[2] { setDocumentation(s, "FUNCTION", args[2]) }
            return args[0]
        }
        rt.defN("%DEFVAR", 1, 4, in: sys) { rt, args throws(Unwind) in
            // (%defvar name [value-thunk] [always-set] [doc])
            let s = try rt.symbol(args[0])
            if s.isConstant { try rt.signalError(rt.programError("\(s.name) is a constant")) }
            if !s.isSpecial { try rt.checkPackageLock(s, "globally declaring \(s.name) special") }
            s.isSpecial = true
            if args.count > 1, !args[1].isNil, s.value == nil || args.get(2).isTrue {
                s.value = try rt.funcall(try rt.coerceToFunction(args[1]))
            }
            if args.count > 3, case .string = args[3] { setDocumentation(s, "VARIABLE", args[3]) }
            return args[0]
        }
        rt.defN("%DEFCONSTANT", 2, 3, in: sys) { rt, args throws(Unwind) in
            let s = try rt.symbol(args[0])
            if !s.isConstant { try rt.checkPackageLock(s, "defining \(s.name) as a constant") }
            if s.isConstant, let old = s.value, !eql(old, args[1]), !equal(old, args[1]) {
                try rt.signalError(rt.simpleError("constant \(s.name) redefined with a different value"))
            }
            s.value = args[1]
            s.isConstant = true
            s.isSpecial = true
            if args.count > 2, case .string = args[2] { setDocumentation(s, "VARIABLE", args[2]) }
            return args[0]
        }
        rt.defN("%DCHECK", 4, 4, in: sys) { rt, args throws(Unwind) in
            var n = 0
            var p = args[0]
            while case .cons(let c) = p { n += 1; p = c.cdr }
            let min = try rt.fixnum(args[1]), max = try rt.fixnum(args[2])
            if !p.isNil && max >= 0 || n < min || (max >= 0 && n > max) {
                try rt.signalError(rt.programError(
                    "error while parsing arguments: \(rt.printString(args[0])) does not match lambda list \(rt.printString(args[3]))"))
            }
            return .null
        }
        rt.def2("%DKEY", in: sys) { rt, list, key throws(Unwind) in
            var p = list
            while case .cons(let c) = p, case .cons(let v) = c.cdr {
                if eq(c.car, key) { return v.car }
                p = v.cdr
            }
            return .symbol(World.shared.system.internExternal("%MISSING"))
        }
        rt.def2("%DKEYCHECK", in: sys) { rt, list, allowed throws(Unwind) in
            var pairs: [(Value, Value)] = []
            var p = list
            while case .cons(let c) = p {
                guard case .cons(let v) = c.cdr else {
                    try rt.signalError(rt.programError("odd number of keyword arguments in \(rt.printString(list))"))
                }
                pairs.append((c.car, v.car))
                p = v.cdr
            }
            if pairs.contains(where: { $0.0.asSymbol === Sym.kAllowOtherKeys && $0.1.isTrue }) { return .null }
            let allowedKeys = allowed.listArray
            for (k, _) in pairs where !allowedKeys.contains(where: { eq($0, k) }) && k.asSymbol !== Sym.kAllowOtherKeys {
                try rt.signalError(rt.programError("unknown keyword \(rt.printString(k)); expected one of \(rt.printString(allowed))"))
            }
            return .null
        }
        rt.defN("LOAD", 1, -1) { rt, args throws(Unwind) in
            let kw = try rt.keywordArgs(args, from: 1, allowed: ["VERBOSE", "PRINT", "IF-DOES-NOT-EXIST", "EXTERNAL-FORMAT"], fname: "LOAD")
            // A character input stream: its forms, read to its end (*load-pathname* NIL).
            if case .object(let o) = args[0], let stream = o as? LispStream {
                guard stream.isInput else { try rt.typeError(args[0], "(OR STREAM PATHNAME STRING)") }
                var text = String.UnicodeScalarView()
                while let c = try stream.readChar() { text.append(c) }
                try rt.loadSource(String(text), fileName: nil)
                return .t
            }
            let path = try rt.stringDesignator(args[0].pathnameString)
            guard let text = readWholeFile(path) else {
                if let ide = kw["IF-DOES-NOT-EXIST"], ide.isNil { return .null }
                try rt.signalError(rt.makeCondition(StandardConditions.simpleFileError,
                    message: "could not open \(path) for loading", slots: ["PATHNAME": args[0]]))
            }
            try rt.loadSource(text, fileName: path)
            return .t
        }
        rt.defN("REQUIRE", 1, 2) { rt, args throws(Unwind) in
            let name = try rt.stringDesignator(args[0]).uppercased()
            if rt.modules.contains(name) { return .null }
            if let provider = rt.moduleProviders[name] {
                try provider(rt)
                rt.modules.insert(name)
                return .t
            }
            if args.count > 1 {
                for p in (args[1].isList ? args[1].listArray : [args[1]]) {
                    let path = try rt.stringDesignator(p)
                    guard let text = readWholeFile(path) else { continue }
                    try rt.loadSource(text, fileName: path)
                }
                rt.modules.insert(name)
                return .t
            }
            try rt.signalError(rt.simpleError("Don't know how to REQUIRE \(name)."))
        }
        rt.def1("PROVIDE") { rt, name throws(Unwind) in
            rt.modules.insert(try rt.stringDesignator(name).uppercased())
            return .t
        }
        rt.def0("%MODULES", in: sys) { rt throws(Unwind) in listFrom(rt.modules.sorted().map { Value($0) }) }
        rt.def1("IDENTITY") { _, x throws(Unwind) in x }
        rt.def1("CONSTANTLY") { _, x throws(Unwind) in
            .function(LispFunction(name: .symbol(Symbol.cl("CONSTANTLY")),
                                   kind: .nativeN({ _, _ throws(Unwind) in x }, min: 0, max: -1, mv: false)))
        }
        rt.def1("COMPLEMENT") { rt, f throws(Unwind) in
            let fn = try rt.coerceToFunction(f)
            return .function(LispFunction(name: .symbol(Symbol.cl("COMPLEMENT")), kind: .nativeN({ rt, args throws(Unwind) in
                .bool(!(try rt.invoke(fn, args.base, args.count)).isTrue)
            }, min: 0, max: -1, mv: false)))
        }
    }

    static func envFrom(_ v: Value) -> LexEnv {
        if case .object(let o) = v, let e = o as? EnvironmentObject { return e.env }
        return .empty
    }

    static func fdefinition(_ rt: Runtime, _ name: Value) throws(Unwind) -> Value {
        if case .cons(let c) = name, c.car.asSymbol === Sym.setf, let s = c.cdr.car.asSymbol {
            if let f = s.setfFunction { return .function(f) }
            try rt.signalError(rt.makeCondition(StandardConditions.undefinedFunction,
                message: "The function (SETF \(s.name)) is undefined.", slots: ["NAME": name]))
        }
        let s = try rt.symbol(name)
        if let f = s.function { return .function(f) }
        if let m = s.macro { return .function(m) }
        try rt.undefinedFunction(s)
    }
}

/// Documentation strings: (symbol, kind) -> string.
nonisolated(unsafe) var documentationTable: [String: Value] = [:]
func setDocumentation(_ s: Symbol, _ kind: String, _ doc: Value) {
    documentationTable["\(s.package?.name ?? ""):\(s.name):\(kind)"] = doc
}
func getDocumentation(_ s: Symbol, _ kind: String) -> Value {
    documentationTable["\(s.package?.name ?? ""):\(s.name):\(kind)"] ?? .null
}

extension Value {
    /// Pathname designators are strings here.
    var pathnameString: Value { self }
}

/// `quit` / `exit` (LispWorks `lw:quit`, SBCL `exit`): unwind to the top level with a status.
enum QuitBuiltins {
    static func register(_ rt: Runtime) {
        for (name, pkg) in [("QUIT", rt.world.system), ("EXIT", rt.world.system)] {
            rt.defN(name, 0, -1, in: pkg) { rt, args throws(Unwind) in
                var status: Int32 = 0
                if args.count == 1, case .fixnum(let n) = args[0] { status = Int32(truncatingIfNeeded: n) } else {
                    let kw = try rt.keywordArgs(args, from: 0, allowed: ["STATUS", "CODE", "ABORT", "TIMEOUT"], fname: name)
                    if case .fixnum(let n)? = kw["STATUS"] ?? kw["CODE"] { status = Int32(truncatingIfNeeded: n) }
                }
                throw .quit(status)
            }
        }
        // QUIT is visible from CL-USER as LispWorks users expect, EXIT as SBCL users expect.
        rt.world.clUser.importSymbol(rt.world.system.internExternal("QUIT"))
        rt.world.clUser.importSymbol(rt.world.system.internExternal("EXIT"))
    }
}
