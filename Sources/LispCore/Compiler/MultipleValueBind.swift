/// `multiple-value-bind` expands into `(multiple-value-call (lambda (&optional v1 v2 ... &rest r)
/// decls... body) form)`. Compiled literally, every evaluation would make a closure, collect the
/// values into an argument list and apply. Here that shape is compiled as a `let` over the values
/// of `form` in the current frame instead.
extension Compiler {
    /// Code for the `multiple-value-bind` shape of `multiple-value-call`, or nil for other forms.
    func compileMultipleValueBind(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code? {
        guard case .cons(let a) = form.cdr, case .cons(let b) = a.cdr, b.cdr.isNil else { return nil }
        var fnForm = a.car
        if fnForm.car.asSymbol === Sym.function, fnForm.cddr.isNil { fnForm = fnForm.cadr }
        guard fnForm.car.asSymbol === Sym.lambda, env.lookupFunction(Sym.lambda) == nil else { return nil }
        // Lambda list: &optional followed by plain symbols, then optionally &rest symbol.
        var params = fnForm.cadr.listArray
        guard fnForm.cadr.isList, params.first?.asSymbol === Sym.optional else { return nil }
        params.removeFirst()
        var restVar: Symbol? = nil
        if params.count >= 2, params[params.count - 2].asSymbol === Sym.rest {
            guard let r = params.last?.asSymbol else { return nil }
            restVar = r
            params.removeLast(2)
        }
        var vars: [Symbol] = []
        for p in params {
            guard case .symbol(let s) = p, !s.name.hasPrefix("&") else { return nil }
            vars.append(s)
        }
        let (decls, body) = parseBody(fnForm.cddr, allowDoc: false)
        let declared = declaredSpecials(decls)
        for s in vars + (restVar.map { [$0] } ?? []) {
            if s.isSpecial || s.isConstant || declared.contains(where: { $0 === s }) { return nil }
        }

        let valuesCode = try compile(b.car, env, fs, mv: true)
        let savedSlot = fs.nextSlot
        defer { fs.nextSlot = savedSlot }
        var inner = env
        var slots: [Int] = []
        for s in vars {
            let slot = fs.allocate()
            slots.append(slot)
            inner = inner.adding(.variable(s, VarBinding(name: s, scope: fs, slot: slot)))
        }
        var restSlot = -1
        if let r = restVar {
            restSlot = fs.allocate()
            inner = inner.adding(.variable(r, VarBinding(name: r, scope: fs, slot: restSlot)))
        }
        let bodyCode = try compileBody(body, addFreeSpecials(decls, inner, bound: vars), fs, mv: mv)
        let nvars = slots.count
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let v = try valuesCode(rt, fp)
            let n = rt.nvals
            if n == 1 {
                if nvars > 0 { (fp + slots[0]).store(v) }
                for i in 1..<max(nvars, 1) { (fp + slots[i]).store(.null) }
                if restSlot >= 0 { (fp + restSlot).store(nvars == 0 ? .cons(Cons.make(v, .null)) : .null) }
            } else {
                for i in 0..<nvars { (fp + slots[i]).store(i < n ? rt.mv[i] : .null) }
                if restSlot >= 0 {
                    (fp + restSlot).store(n > nvars ? listFrom(UnsafeBufferPointer(start: rt.mv + nvars, count: n - nvars)) : .null)
                }
            }
            return try bodyCode(rt, fp)
        }
    }
}
