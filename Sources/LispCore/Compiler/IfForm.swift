/// `if` whose branches are local variables or constants (see `operand`) reads them in place
/// instead of calling a closure for them (`(if (< n 2) n ...)`: the base case of most recursions).
extension Compiler {
    func ifCode(_ test: @escaping TestCode, _ a: Operand, _ b: Operand, mv: Bool) -> Code {
        switch a {
        case .slot(let i): return ifCode(test, SlotRead(slot: i), b, mv: mv)
        case .constant(let v): return ifCode(test, ConstantRead(value: v), b, mv: mv)
        case .code, .test: return ifCode(test, CodeRead(code: operandCode(a)), b, mv: mv)
        }
    }

    private func ifCode<A: OperandRead>(_ test: @escaping TestCode, _ a: A, _ b: Operand, mv: Bool) -> Code {
        switch b {
        case .slot(let i): return ifCode(test, a, SlotRead(slot: i), mv: mv)
        case .constant(let v): return ifCode(test, a, ConstantRead(value: v), mv: mv)
        case .code, .test: return ifCode(test, a, CodeRead(code: operandCode(b)), mv: mv)
        }
    }

    private func ifCode<A: OperandRead, B: OperandRead>(_ test: @escaping TestCode, _ a: A, _ b: B, mv: Bool) -> Code {
        // Compiled branches set `nvals` themselves; in-place reads are single values.
        let aSets = mv && !A.setsValues, bSets = mv && !B.setsValues
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            if try test(rt, fp) {
                if aSets { rt.nvals = 1 }
                return try a.read(rt, fp)
            }
            if bSets { rt.nvals = 1 }
            return try b.read(rt, fp)
        }
    }

    // MARK: test fused into the if

    /// `(if (pred var constant) a b)` with the predicate open-coded in the `if` closure itself:
    /// the test of most recursions and counted loops costs no call of its own.
    func fusedIf<O: BinaryPredicate, X: OperandRead, Y: OperandRead>(
        _ op: O.Type, _ x: X, _ y: Y, _ a: Operand, _ b: Operand, mv: Bool) -> Code {
        switch a {
        case .slot(let i): return fusedIf(O.self, x, y, SlotRead(slot: i), b, mv: mv)
        case .constant(let v): return fusedIf(O.self, x, y, ConstantRead(value: v), b, mv: mv)
        case .code, .test: return fusedIf(O.self, x, y, CodeRead(code: operandCode(a)), b, mv: mv)
        }
    }

    private func fusedIf<O: BinaryPredicate, X: OperandRead, Y: OperandRead, A: OperandRead>(
        _ op: O.Type, _ x: X, _ y: Y, _ a: A, _ b: Operand, mv: Bool) -> Code {
        switch b {
        case .slot(let i): return fusedIf(O.self, x, y, a, SlotRead(slot: i), mv: mv)
        case .constant(let v): return fusedIf(O.self, x, y, a, ConstantRead(value: v), mv: mv)
        case .code, .test: return fusedIf(O.self, x, y, a, CodeRead(code: operandCode(b)), mv: mv)
        }
    }

    private func fusedIf<O: BinaryPredicate, X: OperandRead, Y: OperandRead, A: OperandRead, B: OperandRead>(
        _ op: O.Type, _ x: X, _ y: Y, _ a: A, _ b: B, mv: Bool) -> Code {
        let aSets = mv && !A.setsValues, bSets = mv && !B.setsValues
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let truth: Bool
            if O.fixnumFast, let i = x.peekFixnum(fp), let j = y.peekFixnum(fp) {
                truth = O.testFixnums(i, j)
            } else {
                let u = try x.read(rt, fp)
                truth = try O.test(rt, u, try y.read(rt, fp))
            }
            if truth {
                if aSets { rt.nvals = 1 }
                return try a.read(rt, fp)
            }
            if bSets { rt.nvals = 1 }
            return try b.read(rt, fp)
        }
    }
}

/// Builds an `if` with its predicate test fused in (see `fusedIf`).
struct FusedIfEntry {
    let build: (Compiler, [Compiler.Operand], Compiler.Operand, Compiler.Operand, Bool) -> Code?
}
