/// `(setf (accessor args...) value)` for an accessor written through its `(setf accessor)`
/// function — `char`, `aref`, `gethash`, `car`, structure slots, user `(defun (setf foo) ...)`.
///
/// The standard expansion binds every argument and the new value to temporaries with `let*` and
/// then funcalls the setf function, which costs a `let*` and a closure call per temporary. `setf`
/// instead produces the internal special form
///
///     (sys::%setf-call ACCESSOR ARG... VALUE)
///
/// compiled here: the arguments and then the value are evaluated left to right (CLHS 5.1.1.1),
/// and the setf function, read from the symbol at call time (so a later `(defun (setf foo) ...)`
/// is seen), is called with the value first. A local `(flet (((setf foo) ...)) ...)` takes the
/// standard expansion.
extension Compiler {
    func compileSetfCall(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        try checkArgs(form, 2, -1)
        guard case .symbol(let name) = form.cadr else {
            try rt.signalError(rt.programError("invalid accessor in \(rt.printString(form))"))
        }
        let forms = form.cddr.listArray          // the accessor's arguments, then the new value
        if env.lookupFunction(setfLocalName(name)) != nil {
            return try compile(standardSetfExpansion(name, forms), env, fs, mv: mv)
        }
        let codes = try forms.map { (f: Value) throws(Unwind) -> Op in Op(try compile(f, env, fs, mv: false)) }
        let undefined = { (rt: Runtime) throws(Unwind) -> Never in
            try rt.signalError(rt.makeCondition(StandardConditions.undefinedFunction,
                message: "The function (SETF \(name.name)) is undefined.",
                slots: ["NAME": list(.symbol(Sym.setf), .symbol(name))]))
        }
        switch codes.count {
        case 2:
            let a0 = codes[0].run, v0 = codes[1].run
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a0(rt, fp)
                let v = try v0(rt, fp)
                guard let f = name.setfFunction else { try undefined(rt) }
                let base = rt.sp
                (base + 0).store(consume v)
                (base + 1).store(consume x)
                return try f.call(rt, base, 2)
            }
        case 3:
            let a0 = codes[0].run, a1 = codes[1].run, v0 = codes[2].run
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a0(rt, fp)
                let y = try a1(rt, fp)
                let v = try v0(rt, fp)
                guard let f = name.setfFunction else { try undefined(rt) }
                let base = rt.sp
                (base + 0).store(consume v)
                (base + 1).store(consume x)
                (base + 2).store(consume y)
                return try f.call(rt, base, 3)
            }
        default:
            let n = codes.count
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let base = rt.sp
                if base + n >= rt.stackLimit { try rt.stackExhausted() }
                // Arguments are parked above the caller's frame at their final positions (the
                // value goes first), each before the next is computed.
                for i in 0..<(n - 1) {
                    let v = try codes[i].run(rt, fp)
                    (base + 1 + i).store(consume v)
                    rt.sp = base + 2 + i
                }
                let v = try codes[n - 1].run(rt, fp)
                rt.sp = base
                base.store(consume v)
                guard let f = name.setfFunction else { try undefined(rt) }
                return try f.call(rt, base, n)
            }
        }
    }

    /// `(let* ((g1 arg1) ... (new value)) (funcall #'(setf name) new g1 ...))`.
    private func standardSetfExpansion(_ name: Symbol, _ forms: [Value]) -> Value {
        let temps = forms.map { _ in Value.symbol(Symbol(name: "G")) }
        let bindings = zip(temps, forms).map { list($0, $1) }
        let setter = list(.symbol(Sym.function), list(.symbol(Sym.setf), .symbol(name)))
        let call = Value.cons(Cons.make(.symbol(Symbol.cl("FUNCALL")),
                                   .cons(Cons.make(setter, listFrom([temps.last!] + temps.dropLast())))))
        return list(.symbol(Sym.letStar), listFrom(bindings), call)
    }
}
