/// block/return-from, tagbody/go, catch/throw, unwind-protect and the multiple-value operators.
/// Non-local exits are typed Swift throws (`Unwind`); each establishing form restores the value
/// stack pointer when it catches its own exit.
extension Compiler {
    // MARK: block

    func compileBlock(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        guard let name = form.cadr.asSymbol else {
            try rt.signalError(rt.programError("BLOCK name is not a symbol: \(rt.printString(form.cadr))"))
        }
        let savedSlot = fs.nextSlot
        defer { fs.nextSlot = savedSlot }
        let slot = fs.allocate()
        let info = BlockInfo(idBinding: VarBinding(name: name, scope: fs, slot: slot))
        let body = try compileBody(form.cddr, env.adding(.block(name, info)), fs, mv: mv)
        if !info.used { return body }
        let tracked = info.reachedFromClosure
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let id = rt.newDynamicID()
            fp[slot] = .fixnum(id)
            if tracked { rt.liveExitPoints.insert(id) }
            defer { if tracked { rt.liveExitPoints.remove(id) } }
            let sp = rt.sp
            do throws(Unwind) {
                return try body(rt, fp)
            } catch {
                if case .toBlock(let t, let v) = error, t == id {
                    rt.sp = sp
                    return v
                }
                throw error
            }
        }
    }

    func compileReturnFrom(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        try checkArgs(form, 1, 2)
        guard let name = form.cadr.asSymbol, let info = env.lookupBlock(name) else {
            try rt.signalError(rt.programError("RETURN-FROM: no block named \(rt.printString(form.cadr)) is visible"))
        }
        info.used = true
        let ref = fs.reference(to: info.idBinding)
        let idCode = readSlot(ref)
        let value = try compile(form.caddr, env, fs, mv: true)
        // From a closure the block may have exited already: check it is still live.
        let fromClosure = ref.isCaptured
        if fromClosure { info.reachedFromClosure = true }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let v = try value(rt, fp)
            guard case .fixnum(let id) = try idCode(rt, fp) else { throw .abortToToplevel }
            if fromClosure, !rt.liveExitPoints.contains(id) { try rt.exitedExtent("RETURN-FROM \(name.name)") }
            throw .toBlock(id, v)
        }
    }

    // MARK: tagbody

    /// If `form` is `(go tag)` (or `(progn (go tag))`) for a tag of `info`, the tag's index.
    func localGo(_ form: Value, _ info: TagbodyInfo) -> Int? {
        guard case .cons(let c) = form, let op = c.car.asSymbol else { return nil }
        if op === Symbol.cl("GO"), case .cons(let rest) = c.cdr, rest.cdr.isNil {
            return info.index(of: rest.car)
        }
        if op === Symbol.cl("PROGN"), case .cons(let rest) = c.cdr, rest.cdr.isNil {
            return localGo(rest.car, info)
        }
        return nil
    }

    func compileGo(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        try checkArgs(form, 1, 1)
        guard let (info, idx) = env.lookupTag(form.cadr) else {
            try rt.signalError(rt.programError("GO: no tag \(rt.printString(form.cadr)) is visible"))
        }
        info.usedByThrow = true
        let ref = fs.reference(to: info.idBinding)
        let idCode = readSlot(ref)
        let fromClosure = ref.isCaptured  // as for return-from
        if fromClosure { info.reachedFromClosure = true }
        let tag = form.cadr
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            guard case .fixnum(let id) = try idCode(rt, fp) else { throw .abortToToplevel }
            if fromClosure, !rt.liveExitPoints.contains(id) { try rt.exitedExtent("GO \(rt.printString(tag))") }
            throw .toTag(id, idx)
        }
    }

    // MARK: catch / throw

    func compileCatch(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        let tagCode = try compile(form.cadr, env, fs, mv: false)
        let body = try compileBody(form.cddr, env, fs, mv: mv)
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let tag = try tagCode(rt, fp)
            rt.catchTags.append(tag)
            let depth = rt.catchTags.count
            let sp = rt.sp
            defer { rt.catchTags.removeSubrange((depth - 1)...) }
            do throws(Unwind) {
                return try body(rt, fp)
            } catch {
                if case .toCatch(let t, let v) = error, eq(t, tag) {
                    rt.sp = sp
                    return v
                }
                throw error
            }
        }
    }

    func compileThrow(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        try checkArgs(form, 2, 2)
        let tagCode = try compile(form.cadr, env, fs, mv: false)
        let value = try compile(form.caddr, env, fs, mv: true)
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let tag = try tagCode(rt, fp)
            let v = try value(rt, fp)
            guard rt.catchTags.contains(where: { eq($0, tag) }) else {
                try rt.signalError(rt.controlError("attempt to THROW to a tag that does not exist: \(rt.printString(tag))"))
            }
            throw .toCatch(tag, v)
        }
    }

    // MARK: unwind-protect

    func compileUnwindProtect(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        let protected = try compile(form.cadr, env, fs, mv: true)
        let cleanup = try compileBody(form.cddr, env, fs, mv: false)
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let sp = rt.sp
            let r: Value
            do throws(Unwind) {
                r = try protected(rt, fp)
            } catch {
                rt.sp = sp
                let saved = rt.saveValues()
                _ = try cleanup(rt, fp)
                rt.restoreValues(saved)
                throw error
            }
            let saved = rt.saveValues()
            _ = try cleanup(rt, fp)
            rt.restoreValues(saved)
            return r
        }
    }

    // MARK: multiple values

    func compileMultipleValueCall(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        let fnCode = try compile(form.cadr, env, fs, mv: false)
        let forms = try form.cddr.listArray.map { (f: Value) throws(Unwind) -> Op in Op(try compile(f, env, fs, mv: true)) }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let f = try fnCode(rt, fp)
            var args: [Value] = []
            for c in forms {
                let v = try c.run(rt, fp)
                if rt.nvals == 1 { args.append(v) } else {
                    args.append(contentsOf: UnsafeBufferPointer(start: rt.mv, count: rt.nvals))
                }
            }
            let fn = try rt.coerceToFunction(f)
            return try rt.apply(fn, args)
        }
    }

    func compileMultipleValueProg1(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        let first = try compile(form.cadr, env, fs, mv: mv)
        let rest = try compileBody(form.cddr, env, fs, mv: false)
        if !mv {
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let v = try first(rt, fp)
                _ = try rest(rt, fp)
                return v
            }
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let v = try first(rt, fp)
            let saved = rt.saveValues()
            _ = try rest(rt, fp)
            rt.restoreValues(saved)
            return v
        }
    }
}

extension Symbol {
    /// The external CL symbol with this name.
    static func cl(_ name: String) -> Symbol { World.shared.cl.internExternal(name) }
}

extension Runtime {
    /// Saved multiple-value state (nil when there was a single value).
    public func saveValues() -> [Value]? {
        nvals == 1 ? nil : Array(UnsafeBufferPointer(start: mv, count: nvals))
    }
    public func restoreValues(_ saved: [Value]?) {
        guard let s = saved else { nvals = 1; return }
        for (i, v) in s.enumerated() { mv[i] = v }
        nvals = s.count
    }

    /// A function designator (function or symbol naming a global function) as a function.
    public func coerceToFunction(_ f: Value) throws(Unwind) -> LispFunction {
        switch f {
        case .function(let fn): return fn
        case .symbol(let s):
            if let fn = s.function { return fn }
            if s.macro != nil || compiler.isSpecialOperator(s) {
                try signalError(makeCondition(StandardConditions.undefinedFunction,
                    message: "\(s.name) is a macro or special operator, not a function", slots: ["NAME": f]))
            }
            try undefinedFunction(s)
        case .null: try undefinedFunction(Symbol.NIL)
        default: try typeError(f, "(OR FUNCTION SYMBOL)")
        }
    }
}
