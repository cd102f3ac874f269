/// Calls of keyword-taking builtins outside CL whose keywords are all constants, matched when the
/// call is compiled instead of on every call. The COMM operations are called like this once or
/// twice per echoed message (`(async-io-state-write-buffer state buf #'done :end n
/// :error-callback #'fail)`): parsing the plist, evaluating the keyword constants and releasing
/// them again was about a tenth of the echo server's per-message work.
///
/// The compiled call evaluates only the positional arguments and the keyword *values*, in the
/// order written, into their places on the value stack; the keyword slots are left unwritten.
/// When the symbol still holds the builtin that registered the entry, `body` runs with the
/// keyword positions found at compile time. Otherwise (the function was redefined or traced)
/// the keyword constants are written into their slots and the ordinary call is made, so the
/// new definition sees exactly the arguments written in the source.
public struct PreparsedKeywordCall {
    /// The builtin the fast path belongs to, compared by identity.
    let builtin: Unmanaged<LispFunction>
    /// The number of positional arguments before the keyword plist.
    let positional: Int
    /// The accepted keywords by identity, in the order `body` indexes them (at most 8).
    let keywords: [ObjectIdentifier]
    /// The builtin's work, given its arguments and where each keyword's value is: byte j of the
    /// positions word is 1 + the index of the first pair that gave `keywords[j]` (0: not given),
    /// so a value sits at `args.base[positional + 2 * (byte - 1) + 1]`. The keyword slots of
    /// `args` hold stale values: `body` must read keyword values through the positions only.
    let body: (Runtime, Args, UInt64) throws(Unwind) -> Value
}

/// By symbol identity. Filled while builtins are registered, before any user code compiles.
nonisolated(unsafe) var preparsedKeywordCalls: [ObjectIdentifier: PreparsedKeywordCall] = [:]

/// Compile calls of `sym`'s current builtin that pass `positional` arguments and then only
/// constant keywords from `keywords` (no `:allow-other-keys`) as direct calls of `body` (see
/// `PreparsedKeywordCall`). Any other call shape compiles to the ordinary call, whose own
/// keyword parsing reports errors.
public func registerPreparsedKeywordCall(_ sym: Symbol, positional: Int, keywords: [Symbol],
                                         body: @escaping (Runtime, Args, UInt64) throws(Unwind) -> Value) {
    guard let f = sym.function else { preconditionFailure("\(sym.name) has no function to guard") }
    precondition(keywords.count <= 8, "at most 8 keywords fit the positions word")
    // Natives are never freed, so the identity stays valid for the process.
    preparsedKeywordCalls[ObjectIdentifier(sym)] = PreparsedKeywordCall(
        builtin: Unmanaged.passUnretained(f), positional: positional,
        keywords: keywords.map { ObjectIdentifier($0) }, body: body)
}

extension Compiler {
    /// The direct call of `(sym operands...)`, or nil when the call does not have the shape the
    /// entry handles: too few arguments, more than 8 in all, an odd plist, or a keyword that is
    /// not a constant of the accepted set.
    ///
    /// `lendVariables`: no argument form assigns a lexical variable (`Compiler.localAssignmentsCompiled`),
    /// so a variable argument cannot change between its read and the call, and the builtin may
    /// be given the variable's value uncounted (lent) instead of a copy.
    func preparsedKeywordCall(_ sym: Symbol, _ p: PreparsedKeywordCall, _ operands: [Operand], lendVariables: Bool) -> Code? {
        let n = operands.count
        guard n >= p.positional, n <= 8, (n - p.positional) % 2 == 0 else { return nil }
        let builtinFunction = p.builtin.takeUnretainedValue()
        guard n >= builtinFunction.minArgs, builtinFunction.maxArgs < 0 || n <= builtinFunction.maxArgs else { return nil }
        var positions: UInt64 = 0
        var keywordSlots: [(slot: Int, keyword: Value)] = []
        var valueSlots: [Int] = Array(0..<p.positional)
        var pair = 0
        for i in stride(from: p.positional, to: n, by: 2) {
            guard case .constant(let k) = operands[i], case .symbol(let s) = k,
                  let j = p.keywords.firstIndex(of: ObjectIdentifier(s)) else { return nil }
            let shift = UInt64(8 * j)
            if (positions >> shift) & 0xFF == 0 { positions |= UInt64(pair + 1) << shift }
            keywordSlots.append((i, k))
            valueSlots.append(i + 1)
            pair += 1
        }
        guard valueSlots.count <= 5 else { return nil }
        // `Op`s, not `[Code]`: closures kept in a collection are called through reabstraction thunks.
        let codes = valueSlots.map { Op(operandCode(operands[$0])) }
        // Variables (the state, the buffer) are read in place rather than through a closure.
        let frameSlots = valueSlots.map { i -> Int in if case .slot(let s) = operands[i] { return s } else { return -1 } }
        return preparsedCall(sym, p, n: n, positions: positions, valueSlots: valueSlots, codes: codes,
                             frameSlots: frameSlots, keywordSlots: keywordSlots, lend: lendVariables)
    }

    /// The call itself. The argument closures are captured lets, not an array: calling a closure
    /// taken from an array retains and releases its context each time.
    ///
    /// With `lend`, a variable argument is parked as an uncounted copy of its slot (`lend(from:)`)
    /// rather than a retained one, which saves a retain and, when the slot is next written, a
    /// release: the state and buffer of each per-message COMM call. The builtin only reads its
    /// arguments (what it keeps, it copies); for any other function the loans are turned into
    /// counted values first, since a Lisp function may assign its parameters, which live in
    /// these slots. However the call ends, the remaining loans are handed back.
    private func preparsedCall(_ sym: Symbol, _ p: PreparsedKeywordCall, n: Int, positions: UInt64,
                               valueSlots: [Int], codes: [Op], frameSlots: [Int],
                               keywordSlots: [(slot: Int, keyword: Value)], lend: Bool) -> Code {
        let m = codes.count  // 0...5
        let none: Code = { _, _ in .null }
        let c0 = m > 0 ? codes[0].run : none, c1 = m > 1 ? codes[1].run : none, c2 = m > 2 ? codes[2].run : none
        let c3 = m > 3 ? codes[3].run : none, c4 = m > 4 ? codes[4].run : none
        let s0 = m > 0 ? valueSlots[0] : 0, s1 = m > 1 ? valueSlots[1] : 0, s2 = m > 2 ? valueSlots[2] : 0
        let s3 = m > 3 ? valueSlots[3] : 0, s4 = m > 4 ? valueSlots[4] : 0
        // Frame slot of each operand that is a variable, else -1 (evaluated by its code).
        let f0 = m > 0 ? frameSlots[0] : -1, f1 = m > 1 ? frameSlots[1] : -1, f2 = m > 2 ? frameSlots[2] : -1
        let f3 = m > 3 ? frameSlots[3] : -1, f4 = m > 4 ? frameSlots[4] : -1
        let builtin = p.builtin.toOpaque(), body = p.body
        /// Each lent slot (bit k: the k-th value) back to NIL, or made counted when `own`.
        @inline(__always) func settleLoans(_ base: Frame, _ lent: UInt8, own: Bool) {
            @inline(__always) func settle(_ k: Int, _ s: Int) {
                guard lent & (1 << k) != 0 else { return }
                if own { (base + s).ownLoan() } else { (base + s).endLoan() }
            }
            settle(0, s0); settle(1, s1); settle(2, s2); settle(3, s3); settle(4, s4)
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let base = rt.sp
            if base + n >= rt.stackLimit { try rt.stackExhausted() }
            var lent: UInt8 = 0
            defer { if lent != 0 { settleLoans(base, lent, own: false) } }
            /// The k-th value into its slot; the stack pointer moves past it, so nested calls
            /// computing the next values build their frames above.
            @inline(__always) func park(_ k: Int, _ s: Int, _ f: Int, _ c: Code) throws(Unwind) {
                let slot = base + s
                if f >= 0 {
                    if lend && slot.lend(from: fp + f) { lent |= 1 << k } else { slot.store(try SlotRead(slot: f).read(rt, fp)) }
                } else {
                    slot.store(try c(rt, fp))
                }
                rt.sp = slot + 1
            }
            if m > 0 {
                try park(0, s0, f0, c0)
                if m > 1 {
                    try park(1, s1, f1, c1)
                    if m > 2 {
                        try park(2, s2, f2, c2)
                        if m > 3 {
                            try park(3, s3, f3, c3)
                            if m > 4 { try park(4, s4, f4, c4) }
                        }
                    }
                }
            }
            rt.sp = base
            guard let cell = sym.functionCell else {
                // Handlers of the error run Lisp code from `base` up, over the lent slots.
                if lent != 0 { settleLoans(base, lent, own: false); lent = 0 }
                try rt.undefinedFunction(sym)
            }
            if cell.toOpaque() == builtin {
                // As `LispFunction.call` runs a native: the stack pointer above the arguments
                // while it runs, one value.
                rt.sp = base + n
                defer { rt.sp = base }
                let r = try body(rt, Args(base: base, count: n), positions)
                rt.nvals = 1
                return r
            }
            if lent != 0 {
                settleLoans(base, lent, own: true)
                lent = 0
            }
            for k in keywordSlots { (base + k.slot).store(k.keyword) }
            return try cell.callGuaranteed(rt, base, n)
        }
    }
}
