/// The extended LOOP macro (CLHS 6.1), expanded in Swift into block / let* / tagbody where every
/// termination test is a statement `(if test (go end))` directly in the tagbody.

final class LoopExpander {
    let rt: Runtime
    var toks: [Value]
    var pos = 0

    var blockName: Value = .null
    var bindings: [(Value, Value)] = []
    var initially: [Value] = []
    var finally: [Value] = []
    var prologue: [Value] = []
    var body: [Value] = []
    var steps: [Value] = []
    var accumulators: [Accumulator] = []
    var defaultAcc: Accumulator?
    var resultForm: Value = .null
    var itVar: Value?
    /// How many clauses referred to `it` so far: a conditional whose clauses did not needs no
    /// `(setq it test)`, so its test stays a plain test (open-coded to a Swift Bool).
    var itUses = 0
    let endTag: Value
    let topTag: Value

    final class Accumulator {
        var name: Value       // the user's into variable, or nil for the default
        var kind: String      // LIST, SUM, COUNT, MAX, MIN
        var v: Value
        var tail: Value = .null
        init(name: Value, kind: String, v: Value) { self.name = name; self.kind = kind; self.v = v }
    }

    struct ForClause {
        var initAssign: [(Value, Value)] = []
        var tests: [Value] = []
        var stepAssign: [(Value, Value)] = []
        var post: [(Value, Value)] = []
        /// False when `post` re-evaluates what `initAssign` already did (for x = expr without then).
        var postInPrologue = true
    }

    init(_ rt: Runtime, _ body: [Value]) {
        self.rt = rt
        self.toks = body
        endTag = .symbol(World.shared.system.internExternal("%LOOP-END"))
        topTag = .symbol(Symbol(name: "LOOP-TOP"))
    }

    static func cl(_ n: String) -> Value { .symbol(World.shared.cl.internExternal(n)) }
    static func sys(_ n: String) -> Value { .symbol(World.shared.system.internExternal(n)) }
    func cl(_ n: String) -> Value { LoopExpander.cl(n) }
    func gensym(_ n: String) -> Value { .symbol(Symbol(name: n)) }
    func quote(_ v: Value) -> Value { list(.symbol(Sym.quote), v) }

    // MARK: tokens

    var atEnd: Bool { pos >= toks.count }
    func peekKw() -> String? {
        guard pos < toks.count else { return nil }
        switch toks[pos] {
        case .symbol(let s): return s.name
        case .null: return "NIL"
        default: return nil
        }
    }
    func isKw(_ names: String...) -> Bool {
        guard let k = peekKw() else { return false }
        return names.contains(k)
    }
    func next() throws(Unwind) -> Value {
        guard pos < toks.count else { try err("LOOP: unexpected end of clauses") }
        pos += 1
        return toks[pos - 1]
    }
    func err(_ m: String) throws(Unwind) -> Never {
        try rt.signalError(rt.programError(m))
    }

    static let mainKeywords: Set<String> = ["FOR", "AS", "WITH", "REPEAT", "WHILE", "UNTIL", "ALWAYS", "NEVER", "THEREIS",
        "COLLECT", "COLLECTING", "APPEND", "APPENDING", "NCONC", "NCONCING", "SUM", "SUMMING", "COUNT", "COUNTING",
        "MAXIMIZE", "MAXIMIZING", "MINIMIZE", "MINIMIZING", "IF", "WHEN", "UNLESS", "ELSE", "END", "AND", "DO", "DOING",
        "RETURN", "NAMED", "INITIALLY", "FINALLY", "LOOP-FINISH"]

    /// Skip an optional type spec after a variable.
    func skipType() throws(Unwind) {
        if isKw("OF-TYPE") { pos += 1; _ = try next(); return }
        if let k = peekKw(), ["FIXNUM", "FLOAT", "T", "NIL", "INTEGER", "NUMBER", "SINGLE-FLOAT", "DOUBLE-FLOAT"].contains(k),
           case .symbol = toks[pos] { pos += 1 }
        else if pos < toks.count, toks[pos].isNil { pos += 1 }
    }

    // MARK: destructuring

    /// Assignments binding `pattern` to the value of `expr`; registers the variables.
    func destructure(_ pattern: Value, _ expr: Value, _ out: inout [(Value, Value)]) {
        switch pattern {
        case .null: return
        case .symbol:
            addVar(pattern)
            out.append((pattern, expr))
        case .cons(let c):
            let g = gensym("D")
            addVar(g)
            out.append((g, expr))
            destructure(c.car, list(cl("CAR"), g), &out)
            destructure(c.cdr, list(cl("CDR"), g), &out)
        default: return
        }
    }

    func addVar(_ v: Value, _ initial: Value = .null) {
        bindings.append((v, initial))
    }

    func setqForm(_ pairs: [(Value, Value)], parallel: Bool = false) -> [Value] {
        if pairs.isEmpty { return [] }
        var flat: [Value] = []
        for (v, e) in pairs { flat.append(v); flat.append(e) }
        if parallel && pairs.count > 1 { return [.cons(cl("PSETQ"), listFrom(flat))] }
        return [.cons(cl("SETQ"), listFrom(flat))]
    }

    func testStmt(_ t: Value) -> Value { list(cl("IF"), t, list(cl("GO"), endTag)) }

    // MARK: for / as

    func parseFor() throws(Unwind) -> ForClause {
        let varSpec = try next()
        try skipType()
        var fc = ForClause()
        guard let kw = peekKw() else { try err("LOOP: bad FOR clause after \(rt.printString(varSpec))") }
        switch kw {
        case "IN", "ON":
            pos += 1
            let listForm = try next()
            var stepFn: Value? = nil
            if isKw("BY") { pos += 1; stepFn = try next() }
            let tail = gensym("TAIL")
            addVar(tail, listForm)
            let stepExpr: Value
            if let f = stepFn {
                if case .cons(let c) = f, c.car.asSymbol === Sym.function, let s = c.cdr.car.asSymbol { stepExpr = list(.symbol(s), tail) }
                else if case .cons(let c) = f, c.car.asSymbol === Sym.quote, let s = c.cdr.car.asSymbol { stepExpr = list(.symbol(s), tail) }
                else { stepExpr = list(cl("FUNCALL"), f, tail) }
            } else { stepExpr = list(cl("CDR"), tail) }
            fc.tests = [kw == "IN" ? list(cl("ENDP"), tail) : list(cl("ATOM"), tail)]
            fc.stepAssign = [(tail, stepExpr)]
            destructure(varSpec, kw == "IN" ? list(cl("CAR"), tail) : tail, &fc.post)
        case "ACROSS":
            pos += 1
            let vecForm = try next()
            let vec = gensym("VEC"), idx = gensym("I"), len = gensym("LEN")
            addVar(vec, vecForm)
            addVar(idx, .fixnum(0))
            addVar(len, list(cl("LENGTH"), vec))
            fc.tests = [list(cl(">="), idx, len)]
            fc.stepAssign = [(idx, list(cl("1+"), idx))]
            destructure(varSpec, list(cl("AREF"), vec, idx), &fc.post)
        case "=":
            pos += 1
            let first = try next()
            if isKw("THEN") {
                pos += 1
                let then = try next()
                if case .symbol = varSpec {
                    addVar(varSpec)
                    fc.initAssign = [(varSpec, first)]
                    fc.stepAssign = [(varSpec, then)]
                } else {
                    let g = gensym("V")
                    addVar(g)
                    fc.initAssign = [(g, first)]
                    fc.stepAssign = [(g, then)]
                    destructure(varSpec, g, &fc.post)
                }
            } else {
                var assigns: [(Value, Value)] = []
                // `for x = expr` evaluates expr once per iteration: in the prologue as the
                // initial assignment, afterwards as the post-step assignment.
                destructure(varSpec, first, &assigns)
                fc.initAssign = assigns
                fc.post = assigns
                fc.postInPrologue = false
            }
        case "BEING":
            pos += 1
            if isKw("EACH", "THE") { pos += 1 }
            guard let what = peekKw() else { try err("LOOP: bad BEING clause") }
            pos += 1
            var source: Value = .null
            if isKw("OF", "IN") { pos += 1; source = try next() }
            var usingVar: Value? = nil
            if isKw("USING") {
                pos += 1
                let u = try next()
                usingVar = u.cadr
            }
            switch what {
            case "HASH-KEY", "HASH-KEYS", "HASH-VALUE", "HASH-VALUES":
                let tail = gensym("PAIRS")
                addVar(tail, list(LoopExpander.sys("%HASH-TABLE-PAIRS"), source))
                fc.tests = [list(cl("ENDP"), tail)]
                fc.stepAssign = [(tail, list(cl("CDR"), tail))]
                let keys = what.hasPrefix("HASH-KEY")
                destructure(varSpec, list(cl(keys ? "CAR" : "CDR"), list(cl("CAR"), tail)), &fc.post)
                if let u = usingVar { destructure(u, list(cl(keys ? "CDR" : "CAR"), list(cl("CAR"), tail)), &fc.post) }
            case "SYMBOL", "SYMBOLS", "PRESENT-SYMBOL", "PRESENT-SYMBOLS", "EXTERNAL-SYMBOL", "EXTERNAL-SYMBOLS":
                let kind = what.hasPrefix("PRESENT") ? "PRESENT" : what.hasPrefix("EXTERNAL") ? "EXTERNAL" : "ACCESSIBLE"
                let tail = gensym("SYMS")
                let pkg = source.isNil ? cl("*PACKAGE*") : source
                addVar(tail, list(LoopExpander.sys("%PACKAGE-SYMBOLS"), pkg, .symbol(rt.world.keyword(kind))))
                fc.tests = [list(cl("ENDP"), tail)]
                fc.stepAssign = [(tail, list(cl("CDR"), tail))]
                destructure(varSpec, list(cl("CAR"), tail), &fc.post)
            case "ELEMENT", "ELEMENTS":
                let tail = gensym("ELTS")
                addVar(tail, list(LoopExpander.sys("%LOOP-SEQUENCE-LIST"), source))
                fc.tests = [list(cl("ENDP"), tail)]
                fc.stepAssign = [(tail, list(cl("CDR"), tail))]
                destructure(varSpec, list(cl("CAR"), tail), &fc.post)
            default: try err("LOOP: unknown BEING iteration \(what)")
            }
        default:
            // Arithmetic: from/upfrom/downfrom/to/upto/below/downto/above/by in any order.
            var from: Value? = nil, limit: Value? = nil, by: Value? = nil
            var down = false, inclusive = true
            let preps: Set<String> = ["FROM", "UPFROM", "DOWNFROM", "TO", "UPTO", "BELOW", "DOWNTO", "ABOVE", "BY"]
            if !preps.contains(kw) { try err("LOOP: unknown FOR clause keyword \(kw)") }
            while let k = peekKw(), preps.contains(k) {
                pos += 1
                switch k {
                case "FROM", "UPFROM": from = try next()
                case "DOWNFROM": from = try next(); down = true
                case "TO", "UPTO": limit = try next(); inclusive = true
                case "BELOW": limit = try next(); inclusive = false
                case "DOWNTO": limit = try next(); inclusive = true; down = true
                case "ABOVE": limit = try next(); inclusive = false; down = true
                default: by = try next()
                }
            }
            guard let v = varSpec.asSymbol, !varSpec.isNil else { try err("LOOP: arithmetic FOR needs a variable") }
            let iv = Value(v)
            addVar(iv, from ?? .fixnum(0))
            var stepV: Value = .fixnum(1)
            if let b = by {
                if case .fixnum = b { stepV = b } else { let g = gensym("BY"); addVar(g, b); stepV = g }
            }
            if let l = limit {
                var lv = l
                if case .fixnum = l {} else { let g = gensym("LIMIT"); addVar(g, l); lv = g }
                let op = down ? (inclusive ? "<" : "<=") : (inclusive ? ">" : ">=")
                fc.tests = [list(cl(op), iv, lv)]
            }
            fc.stepAssign = [(iv, list(cl(down ? "-" : "+"), iv, stepV))]
        }
        return fc
    }

    func emitFor(_ group: [ForClause]) {
        // Prologue: sequential init, tests, post-assignments per clause.
        for fc in group {
            prologue += setqForm(fc.initAssign)
            prologue += fc.tests.map { testStmt($0) }
            if fc.postInPrologue { prologue += setqForm(fc.post) }
        }
        // Stepping: the group's steps in parallel, then tests, then post-assignments.
        let assigns = group.flatMap { $0.stepAssign }
        steps += setqForm(assigns, parallel: group.count > 1)
        for fc in group {
            steps += fc.tests.map { testStmt($0) }
            steps += setqForm(fc.post)
        }
    }

    // MARK: accumulation

    func accumulator(_ into: Value, _ kind: String) -> Accumulator {
        if into.isNil, let d = defaultAcc { return d }
        if !into.isNil, let a = accumulators.first(where: { eq($0.name, into) }) { return a }
        let v = into.isNil ? gensym("RESULT") : into
        let a = Accumulator(name: into, kind: kind, v: v)
        let initial: Value = (kind == "SUM" || kind == "COUNT") ? .fixnum(0) : .null
        addVar(v, initial)
        if kind == "LIST" { a.tail = gensym("TAIL"); addVar(a.tail) }
        accumulators.append(a)
        if into.isNil { defaultAcc = a; resultForm = v }
        return a
    }

    func formArg(_ inCond: Bool) throws(Unwind) -> Value {
        let f = try next()
        if inCond, let it = itVar, case .symbol(let s) = f, s.name == "IT" { itUses += 1; return it }
        return f
    }

    func parseAccumulate(_ kw: String, _ inCond: Bool) throws(Unwind) -> Value {
        let form = try formArg(inCond)
        var into: Value = .null
        if isKw("INTO") { pos += 1; into = try next() }
        try skipType()
        let kind: String
        switch kw {
        case "COLLECT", "COLLECTING", "APPEND", "APPENDING", "NCONC", "NCONCING": kind = "LIST"
        case "SUM", "SUMMING": kind = "SUM"
        case "COUNT", "COUNTING": kind = "COUNT"
        case "MAXIMIZE", "MAXIMIZING": kind = "MAX"
        default: kind = "MIN"
        }
        let a = accumulator(into, kind)
        switch kw {
        case "COLLECT", "COLLECTING":
            let c = gensym("C")
            return list(cl("LET"), list(list(c, list(cl("LIST"), form))),
                        list(cl("IF"), a.tail, list(cl("RPLACD"), a.tail, c), list(cl("SETQ"), a.v, c)),
                        list(cl("SETQ"), a.tail, c))
        case "APPEND", "APPENDING", "NCONC", "NCONCING":
            let c = gensym("C")
            let val = kw.hasPrefix("APPEND") ? list(cl("COPY-LIST"), form) : form
            return list(cl("LET"), list(list(c, val)),
                        list(cl("IF"), c, list(cl("PROGN"),
                            list(cl("IF"), a.tail, list(cl("RPLACD"), a.tail, c), list(cl("SETQ"), a.v, c)),
                            list(cl("SETQ"), a.tail, list(cl("LAST"), c)))))
        case "SUM", "SUMMING": return list(cl("SETQ"), a.v, list(cl("+"), a.v, form))
        case "COUNT", "COUNTING": return list(cl("IF"), form, list(cl("SETQ"), a.v, list(cl("1+"), a.v)))
        default:
            let g = gensym("X")
            let op = kind == "MAX" ? ">" : "<"
            return list(cl("LET"), list(list(g, form)),
                        list(cl("IF"), list(cl("OR"), list(cl("NULL"), a.v), list(cl(op), g, a.v)), list(cl("SETQ"), a.v, g)))
        }
    }

    func compoundForms() -> [Value] {
        var out: [Value] = []
        while pos < toks.count, case .cons = toks[pos] { out.append(toks[pos]); pos += 1 }
        return out
    }

    /// One selectable clause (inside or outside a conditional) as a form.
    func parseSelectable(_ inCond: Bool) throws(Unwind) -> Value {
        guard let kw = peekKw() else {
            try err("LOOP: expected a clause, got \(rt.printString(pos < toks.count ? toks[pos] : .null))")
        }
        pos += 1
        switch kw {
        case "DO", "DOING":
            let forms = compoundForms()
            return .cons(cl("PROGN"), listFrom(forms))
        case "RETURN":
            if isKw("LOOP-FINISH") {}
            let f = try formArg(inCond)
            return list(cl("RETURN-FROM"), blockName, f)
        case "COLLECT", "COLLECTING", "APPEND", "APPENDING", "NCONC", "NCONCING", "SUM", "SUMMING", "COUNT", "COUNTING",
             "MAXIMIZE", "MAXIMIZING", "MINIMIZE", "MINIMIZING":
            return try parseAccumulate(kw, inCond)
        case "IF", "WHEN", "UNLESS":
            var test = try next()
            if kw == "UNLESS" { test = list(cl("NOT"), test) }
            if itVar == nil { let g = gensym("IT"); itVar = g; addVar(g) }
            let it = itVar!
            let usesBefore = itUses
            var thenForms = [try parseSelectable(true)]
            while isKw("AND") { pos += 1; thenForms.append(try parseSelectable(true)) }
            var elseForms: [Value] = []
            if isKw("ELSE") {
                pos += 1
                elseForms.append(try parseSelectable(true))
                while isKw("AND") { pos += 1; elseForms.append(try parseSelectable(true)) }
            }
            if isKw("END") { pos += 1 }
            let condTest = kw == "UNLESS" || itUses == usesBefore ? test : list(cl("SETQ"), it, test)
            var form = [cl("IF"), condTest, .cons(cl("PROGN"), listFrom(thenForms))]
            if !elseForms.isEmpty { form.append(.cons(cl("PROGN"), listFrom(elseForms))) }
            return listFrom(form)
        default:
            try err("LOOP: unknown clause keyword \(kw)")
        }
    }

    // MARK: main

    func expand() throws(Unwind) -> Value {
        if isKw("NAMED") { pos += 1; blockName = try next() }
        var needTrueResult = false
        while !atEnd {
            guard let kw = peekKw() else {
                try err("LOOP: compound form \(rt.printString(toks[pos])) where a loop keyword was expected")
            }
            switch kw {
            case "NAMED": pos += 1; blockName = try next()
            case "WITH":
                pos += 1
                repeat {
                    let v = try next()
                    try skipType()
                    var initial: Value = .null
                    if isKw("=") { pos += 1; initial = try next() }
                    if case .symbol = v { addVar(v, initial) } else {
                        var assigns: [(Value, Value)] = []
                        destructure(v, initial, &assigns)
                        // destructure registered the variables with nil; bind them in order instead.
                        bindings.removeLast(assigns.count)
                        for (a, e) in assigns { addVar(a, e) }
                    }
                    if isKw("AND") { pos += 1 } else { break }
                } while true
            case "FOR", "AS":
                pos += 1
                var group = [try parseFor()]
                while isKw("AND") { pos += 1; group.append(try parseFor()) }
                emitFor(group)
            case "REPEAT":
                pos += 1
                let n = try next()
                let c = gensym("COUNT")
                addVar(c, n)
                let test = list(cl("<="), c, .fixnum(0))
                prologue.append(testStmt(test))
                steps.append(list(cl("SETQ"), c, list(cl("1-"), c)))
                steps.append(testStmt(test))
            case "WHILE": pos += 1; body.append(testStmt(list(cl("NOT"), try next())))
            case "UNTIL": pos += 1; body.append(testStmt(try next()))
            case "ALWAYS":
                pos += 1
                body.append(list(cl("IF"), list(cl("NOT"), try next()), list(cl("RETURN-FROM"), blockName, .null)))
                needTrueResult = true
            case "NEVER":
                pos += 1
                body.append(list(cl("IF"), try next(), list(cl("RETURN-FROM"), blockName, .null)))
                needTrueResult = true
            case "THEREIS":
                pos += 1
                let g = gensym("V")
                body.append(list(cl("LET"), list(list(g, try next())), list(cl("IF"), g, list(cl("RETURN-FROM"), blockName, g))))
            case "INITIALLY": pos += 1; initially += compoundForms()
            case "FINALLY": pos += 1; finally += compoundForms()
            default:
                body.append(try parseSelectable(false))
            }
        }
        if needTrueResult && defaultAcc == nil { resultForm = .t }
        var tb: [Value] = []
        tb += initially
        tb += prologue
        tb.append(topTag)
        tb += body
        tb += steps
        tb.append(list(cl("GO"), topTag))
        tb.append(endTag)
        tb += finally
        // The result follows the tagbody (control falls off its end after the epilogue) rather
        // than a RETURN-FROM inside it, so a loop that ends normally does not unwind to its block.
        let binds = listFrom(bindings.map { list($0.0, $0.1) })
        return list(cl("BLOCK"), blockName, list(cl("LET*"), binds, .cons(cl("TAGBODY"), listFrom(tb)), resultForm))
    }
}

enum LoopLibrary {
    static func register(_ rt: Runtime) {
        rt.def1("%LOOP-EXPAND", in: rt.world.system) { rt, body throws(Unwind) in
            try LoopExpander(rt, try rt.listItems(body)).expand()
        }
        rt.defMacro("LOOP-FINISH") { _, _, _ in
            list(LoopExpander.cl("GO"), .symbol(World.shared.system.internExternal("%LOOP-END")))
        }
        rt.def1("%LOOP-SEQUENCE-LIST", in: rt.world.system) { rt, s throws(Unwind) in
            listFrom(try ArrayLibrary.sequenceItems(rt, s))
        }
    }
}
