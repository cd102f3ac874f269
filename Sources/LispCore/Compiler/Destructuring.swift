/// Expands destructuring lambda lists (`destructuring-bind`, `defmacro`, `macrolet`) into
/// `let*` forms over `car`/`cdr`, with run-time shape checks by `sys:%dcheck` and keyword
/// lookup by `sys:%dkey`.
enum Destructuring {
    static var counter = 0
    static func temp(_ base: String) -> Value {
        counter += 1
        return .symbol(Symbol(name: "\(base)\(counter)"))
    }
    static func sys(_ n: String) -> Value { .symbol(World.shared.system.internExternal(n)) }
    static func cl(_ n: String) -> Value { .symbol(World.shared.cl.internExternal(n)) }

    /// Body of a macro function: binds &whole / &environment and destructures (cdr form).
    static func macroLambdaBody(_ ll: Value, formVar: Value, envVar: Value, body: Value, rt: Runtime) throws(Unwind) -> Value {
        var bindings: [(Value, Value)] = []
        var rest: [Value] = []
        var p = ll
        // Pull out &environment anywhere and a leading &whole.
        var items: [Value] = []
        var tail: Value = .null
        while case .cons(let c) = p {
            items.append(c.car)
            p = c.cdr
        }
        tail = p
        var i = 0
        while i < items.count {
            if items[i].asSymbol === Sym.environment, i + 1 < items.count {
                bindings.append((items[i + 1], envVar))
                i += 2
                continue
            }
            rest.append(items[i])
            i += 1
        }
        if let first = rest.first, first.asSymbol === Sym.whole, rest.count >= 2 {
            bindings.append((rest[1], formVar))
            rest.removeFirst(2)
        }
        let argsVar = temp("ARGS")
        bindings.append((argsVar, list(cl("CDR"), formVar)))
        try destructure(listFrom(rest, tail: tail), argsVar, whole: formVar, into: &bindings, rt: rt)
        let letBindings = listFrom(bindings.map { list($0.0, $0.1) })
        let ignorable = list(.symbol(Sym.declare), .cons(cl("IGNORABLE"), listFrom([formVar, envVar, argsVar])))
        return .cons(cl("LET*"), .cons(letBindings, .cons(ignorable, body)))
    }

    /// `destructuring-bind` expansion.
    static func destructuringBind(_ ll: Value, _ expr: Value, _ body: Value, rt: Runtime) throws(Unwind) -> Value {
        var bindings: [(Value, Value)] = []
        let whole = temp("WHOLE")
        bindings.append((whole, expr))
        var pattern = ll
        if pattern.car.asSymbol === Sym.whole {
            bindings.append((pattern.cadr, whole))
            pattern = pattern.cddr
        }
        try destructure(pattern, whole, whole: whole, into: &bindings, rt: rt)
        let letBindings = listFrom(bindings.map { list($0.0, $0.1) })
        return .cons(cl("LET*"), .cons(letBindings, body))
    }

    /// Append `let*` bindings that destructure the list held in variable `src` by `pattern`.
    static func destructure(_ pattern: Value, _ src: Value, whole: Value, into b: inout [(Value, Value)], rt: Runtime) throws(Unwind) {
        var items: [Value] = []
        var p = pattern
        while case .cons(let c) = p { items.append(c.car); p = c.cdr }
        let dottedRest = p
        var nReq = 0, nOpt = 0
        var hasRest = !dottedRest.isNil
        var keys: [Value] = []
        var allowOther = false
        var mode = "req"
        for it in items {
            if let s = it.asSymbol, s.name.hasPrefix("&") {
                switch s {
                case Sym.optional: mode = "opt"
                case Sym.rest, Sym.body: mode = "rest"; hasRest = true
                case Sym.key: mode = "key"; hasRest = true
                case Sym.allowOtherKeys: allowOther = true
                case Sym.aux: mode = "aux"
                case Sym.whole: mode = "whole"
                default:
                    try rt.signalError(rt.programError("unknown lambda-list keyword \(s.name) in \(rt.printString(pattern))"))
                }
                continue
            }
            if mode == "req" { nReq += 1 }
            if mode == "opt" { nOpt += 1 }
            if mode == "key" {
                if let s = it.asSymbol { keys.append(.symbol(rt.world.keyword(s.name))) } else if case .cons(let c) = it.car {
                    keys.append(c.car)
                } else if let s = it.car.asSymbol { keys.append(.symbol(rt.world.keyword(s.name))) }
            }
        }
        b.append((temp("CHECK"), list(sys("%DCHECK"), src, .fixnum(nReq), .fixnum(hasRest ? -1 : nReq + nOpt),
                                      list(.symbol(Sym.quote), pattern))))
        var cur = src
        mode = "req"
        for it in items {
            if let s = it.asSymbol, s.name.hasPrefix("&") {
                switch s {
                case Sym.optional: mode = "opt"
                case Sym.rest, Sym.body: mode = "rest"
                case Sym.key:
                    mode = "key"
                    if !allowOther {
                        b.append((temp("KEYCHECK"), list(sys("%DKEYCHECK"), cur, list(.symbol(Sym.quote), listFrom(keys)))))
                    }
                case Sym.aux: mode = "aux"
                case Sym.whole: mode = "whole"
                default: mode = "skip"
                }
                continue
            }
            switch mode {
            case "whole":
                b.append((it, whole))
            case "req":
                try bindTo(it, list(cl("CAR"), cur), into: &b, rt: rt)
                let next = temp("REST")
                b.append((next, list(cl("CDR"), cur)))
                cur = next
            case "opt":
                let (v, initForm, sv) = splitParam(it)
                let tmp = temp("OPT")
                b.append((tmp, list(cl("IF"), cur, list(cl("CAR"), cur), initForm)))
                if !sv.isNil { b.append((sv, list(cl("IF"), cur, cl("T"), .null))) }
                try bindTo(v, tmp, into: &b, rt: rt)
                let next = temp("REST")
                b.append((next, list(cl("CDR"), cur)))
                cur = next
            case "rest":
                try bindTo(it, cur, into: &b, rt: rt)
            case "key":
                var keyword: Value
                var spec = it
                if case .cons(let c) = it, case .cons(let kv) = c.car {
                    keyword = kv.car
                    spec = .cons(Cons.make(kv.cdr.car, c.cdr))
                } else {
                    let s = (it.asSymbol ?? it.car.asSymbol) ?? Symbol.NIL
                    keyword = .symbol(rt.world.keyword(s.name))
                }
                let (v, initForm, sv) = splitParam(spec)
                let raw = temp("KEY")
                let missing = list(.symbol(Sym.quote), sys("%MISSING"))
                b.append((raw, list(sys("%DKEY"), cur, keyword)))
                if !sv.isNil { b.append((sv, list(cl("NOT"), list(cl("EQ"), raw, missing)))) }
                try bindTo(v, list(cl("IF"), list(cl("EQ"), raw, missing), initForm, raw), into: &b, rt: rt)
            case "aux":
                let (v, initForm, _) = splitParam(it)
                b.append((v, initForm))
            default: break
            }
        }
        if !dottedRest.isNil { b.append((dottedRest, cur)) }
    }

    /// Bind a variable, or destructure recursively when `target` is itself a pattern.
    static func bindTo(_ target: Value, _ form: Value, into b: inout [(Value, Value)], rt: Runtime) throws(Unwind) {
        if case .cons = target {
            let tmp = temp("SUB")
            b.append((tmp, form))
            try destructure(target, tmp, whole: tmp, into: &b, rt: rt)
        } else {
            b.append((target, form))
        }
    }

    static func splitParam(_ it: Value) -> (Value, Value, Value) {
        if case .cons(let c) = it { return (c.car, c.cdr.car, c.cdr.cdr.car) }
        return (it, .null, .null)
    }
}
