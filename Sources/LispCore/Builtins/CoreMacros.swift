/// Macros the rest of the system is built from, written in Swift: definitions (`defun`,
/// `defmacro`, `defvar`...), `lambda`, backquote, `destructuring-bind`, and the `setf` machinery
/// (`get-setf-expansion`, `setf`, `defsetf`, `define-setf-expander`).
enum CoreMacros {
    static func cl(_ n: String) -> Value { .symbol(World.shared.cl.internExternal(n)) }
    static func sys(_ n: String) -> Value { .symbol(World.shared.system.internExternal(n)) }
    static func quote(_ v: Value) -> Value { list(.symbol(Sym.quote), v) }

    static func register(_ rt: Runtime) {
        rt.defMacro("LAMBDA") { _, form, _ throws(Unwind) in list(.symbol(Sym.function), form) }
        rt.defMacro("DEFUN") { rt, form, _ throws(Unwind) in
            let name = form.cadr
            let ll = form.caddr
            let body = form.cddr.cdr
            let blockName: Value = name.asSymbol != nil ? name : name.cadr
            let (decls, forms, doc) = splitDoc(body)
            let lambda = listFrom([.symbol(Sym.namedLambda), name, ll] + decls
                                  + [.cons(cl("BLOCK"), .cons(blockName, forms))])
            return list(sys("%DEFUN"), quote(name), list(.symbol(Sym.function), lambda), doc)
        }
        rt.defMacro("DEFMACRO") { rt, form, _ throws(Unwind) in
            guard let name = form.cadr.asSymbol else { try rt.signalError(rt.programError("DEFMACRO name must be a symbol")) }
            let (_, _, doc) = splitDoc(form.cddr.cdr)
            // Build the expander at load time via %MAKE-MACRO so it closes over the right environment.
            return list(sys("%DEFMACRO"), quote(Value(name)),
                        list(sys("%MAKE-MACRO"), quote(Value(name)), quote(form.caddr), quote(form.cddr.cdr)), doc)
        }
        rt.defN("%MAKE-MACRO", 3, 3, in: rt.world.system) { rt, args throws(Unwind) in
            .function(try rt.compiler.makeMacroFunction(name: try rt.symbol(args[0]), lambdaList: args[1], body: args[2]))
        }
        rt.defMacro("DEFVAR") { _, form, _ throws(Unwind) in
            let rest = form.cddr
            let thunk: Value = rest.isNil ? .null : list(.symbol(Sym.function), list(.symbol(Sym.lambda), .null, rest.car))
            return list(sys("%DEFVAR"), quote(form.cadr), thunk, .null, rest.cdr.car)
        }
        rt.defMacro("DEFPARAMETER") { _, form, _ throws(Unwind) in
            let thunk = list(.symbol(Sym.function), list(.symbol(Sym.lambda), .null, form.caddr))
            return list(sys("%DEFVAR"), quote(form.cadr), thunk, .t, form.cddr.cdr.car)
        }
        rt.defMacro("DEFCONSTANT") { _, form, _ throws(Unwind) in
            list(sys("%DEFCONSTANT"), quote(form.cadr), form.caddr, form.cddr.cdr.car)
        }
        rt.defMacro("QUASIQUOTE", in: rt.world.system) { rt, form, _ throws(Unwind) in
            try Backquote.expand(form.cadr, depth: 1, rt: rt)
        }
        rt.defMacro("DESTRUCTURING-BIND") { rt, form, _ throws(Unwind) in
            try Destructuring.destructuringBind(form.cadr, form.caddr, form.cddr.cdr, rt: rt)
        }
        rt.defMacro("IN-PACKAGE") { rt, form, _ throws(Unwind) in
            list(sys("%IN-PACKAGE"), Value(try rt.stringDesignator(form.cadr)))
        }
        rt.defMacro("DEFPACKAGE") { rt, form, _ throws(Unwind) in
            // Collect repeated options into keyword arguments for sys:%defpackage.
            var groups: [String: [Value]] = [:]
            var order: [String] = []
            for opt in form.cddr.listElements {
                guard let k = opt.car.asSymbol else { continue }
                if groups[k.name] == nil { order.append(k.name) }
                switch k.name {
                case "IMPORT-FROM", "SHADOWING-IMPORT-FROM": groups[k.name, default: []].append(opt.cdr)
                default: groups[k.name, default: []].append(contentsOf: opt.cdr.listArray)
                }
            }
            var args: [Value] = [Value(try rt.stringDesignator(form.cadr))]
            for k in order {
                args.append(.symbol(rt.world.keyword(k)))
                args.append(quote(listFrom(groups[k]!)))
            }
            return .cons(sys("%DEFPACKAGE"), listFrom(args))
        }
        registerSetf(rt)
    }

    /// Split a definition body into (declarations, forms, docstring).
    static func splitDoc(_ body: Value) -> ([Value], Value, Value) {
        var decls: [Value] = []
        var doc: Value = .null
        var p = body
        while case .cons(let c) = p {
            if case .cons(let d) = c.car, d.car.asSymbol === Sym.declare {
                decls.append(c.car)
            } else if case .string = c.car, !c.cdr.isNil, doc.isNil {
                doc = c.car
            } else {
                break
            }
            p = c.cdr
        }
        return (decls, p, doc)
    }
}

/// Backquote expansion (CLHS 2.4.6), with nesting.
enum Backquote {
    static func expand(_ x: Value, depth: Int, rt: Runtime) throws(Unwind) -> Value {
        switch x {
        case .cons(let c):
            if let op = c.car.asSymbol, case .cons(let arg) = c.cdr, arg.cdr.isNil {
                if op === Sym.unquote {
                    if depth == 1 { return arg.car }
                    return list(CoreMacros.cl("LIST"), CoreMacros.quote(.symbol(Sym.unquote)),
                                try expand(arg.car, depth: depth - 1, rt: rt))
                }
                if op === Sym.quasiquote {
                    return list(CoreMacros.cl("LIST"), CoreMacros.quote(.symbol(Sym.quasiquote)),
                                try expand(arg.car, depth: depth + 1, rt: rt))
                }
                if op === Sym.unquoteSplicing && depth == 1 {
                    try rt.signalError(rt.simpleError(",@ after backquote in \(rt.printString(x))"))
                }
            }
            if !containsUnquote(x) { return CoreMacros.quote(x) }
            var segments: [Value] = []
            var pending: [Value] = []
            func flush() {
                if !pending.isEmpty {
                    segments.append(.cons(CoreMacros.cl("LIST"), listFrom(pending)))
                    pending = []
                }
            }
            var p: Value = x
            var tail: Value = .null
            while case .cons(let cell) = p {
                // `(a . ,b)` reads as (a unquote b): the rest is an unquote form.
                if !eq(p, x), let op = cell.car.asSymbol, op === Sym.unquote || op === Sym.quasiquote,
                   case .cons(let r) = cell.cdr, r.cdr.isNil {
                    tail = try expand(p, depth: depth, rt: rt)
                    p = .null
                    break
                }
                let el = cell.car
                if case .cons(let ec) = el, ec.car.asSymbol === Sym.unquoteSplicing, case .cons(let arg) = ec.cdr {
                    if depth == 1 {
                        flush()
                        segments.append(arg.car)
                    } else {
                        pending.append(list(CoreMacros.cl("LIST"), CoreMacros.quote(.symbol(Sym.unquoteSplicing)),
                                            try expand(arg.car, depth: depth - 1, rt: rt)))
                    }
                } else {
                    pending.append(try expand(el, depth: depth, rt: rt))
                }
                p = cell.cdr
            }
            if !p.isNil { tail = try expand(p, depth: depth, rt: rt) }
            if segments.isEmpty {
                // Only list elements: (list* a b tail) or (list a b).
                if tail.isNil { return .cons(CoreMacros.cl("LIST"), listFrom(pending)) }
                return .cons(CoreMacros.cl("LIST*"), listFrom(pending + [tail]))
            }
            flush()
            if !tail.isNil { segments.append(tail) }
            if segments.count == 1 { return list(CoreMacros.cl("APPEND"), segments[0]) }
            return .cons(CoreMacros.cl("APPEND"), listFrom(segments))
        case .vector(let v):
            let asList = listFrom(Array(v.activeItems))
            if !containsUnquote(asList) { return x }
            return list(CoreMacros.cl("APPLY"), list(.symbol(Sym.function), CoreMacros.cl("VECTOR")),
                        try expand(asList, depth: depth, rt: rt))
        case .symbol, .null:
            return x.isNil ? .null : CoreMacros.quote(x)
        default:
            return x
        }
    }

    static func containsUnquote(_ x: Value) -> Bool {
        switch x {
        case .cons(let c):
            if let s = c.car.asSymbol, s === Sym.unquote || s === Sym.unquoteSplicing { return true }
            return containsUnquote(c.car) || containsUnquote(c.cdr)
        case .vector(let v): return v.activeItems.contains { containsUnquote($0) }
        default: return false
        }
    }
}

