/// `tagbody` compiled to basic blocks.
///
/// The statements are cut into blocks at every tag and after every local `go` / conditional
/// `go`. Each block becomes one closure that runs its straight-line statements (chained through
/// captured lets, so no array element is retained per statement) and returns the index of the
/// next block. A block that jumps back to itself — the shape `do`, `dotimes`, `dolist` and
/// `loop` produce once jumps are threaded — loops inside its own closure, so a loop iteration
/// costs its statements and its test and nothing else.
///
/// `go` to a tag of this tagbody from an inner closure or across a `block` is a typed throw
/// (`Unwind.toTag`) caught here and turned into a jump to the tag's block.
extension Compiler {
    /// How a block ends. Targets are block indices; `blocks.count` means "fall off the end".
    enum BlockExit {
        case goTo(Int)
        /// Test true: `ifTrue`, else `ifFalse`.
        case branch(test: TestCode, ifTrue: Int, ifFalse: Int)
    }

    /// A block under construction: its statements (compiled) and how it ends.
    struct BasicBlock {
        var codes: [Op] = []
        var exit: BlockExit = .goTo(-1)
    }

    typealias BlockCode = (Runtime, Frame) throws(Unwind) -> Int

    func compileTagbody(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        let savedSlot = fs.nextSlot
        defer { fs.nextSlot = savedSlot }
        let slot = fs.allocate()
        let info = TagbodyInfo(idBinding: VarBinding(name: Symbol.NIL, scope: fs, slot: slot))
        // Tags index the statement that follows them.
        var forms: [Value] = []
        for item in form.cdr.listElements {
            switch item {
            case .cons: forms.append(item)
            case .symbol, .null, .fixnum, .bignum: info.tags.append((item, forms.count))
            default: try rt.signalError(rt.programError("invalid tagbody element \(rt.printString(item))"))
            }
        }
        let inner = env.adding(.tagbody(info))

        // Statement index -> block index; blocks start at 0, at every tag and after every jump.
        var startsBlock = Array(repeating: false, count: forms.count + 1)
        startsBlock[0] = true
        for (_, i) in info.tags { startsBlock[i] = true }
        // First pass: classify statements (needs macroexpansion, so expand once and keep).
        enum Stmt { case code(Value), jump(Int), branch(Value, Int?, Int?) }
        var stmts: [Stmt] = []
        for (i, f) in forms.enumerated() {
            let expanded = try expandDeferringErrors(f, inner)
            if let target = localGo(expanded, info) {
                stmts.append(.jump(target))
                startsBlock[i + 1] = true
                continue
            }
            if let (test, thenGo, elseGo) = conditionalGo(expanded, info) {
                stmts.append(.branch(test, thenGo, elseGo))
                startsBlock[i + 1] = true
                continue
            }
            stmts.append(.code(expanded))
        }
        var blockOfStmt = Array(repeating: 0, count: forms.count + 1)
        var nBlocks = 0
        for i in 0...forms.count {
            if startsBlock[i] && i < forms.count { nBlocks += 1 }
            blockOfStmt[i] = i < forms.count ? nBlocks - 1 : nBlocks
        }
        // Second pass: compile statements into blocks.
        var blocks = Array(repeating: BasicBlock(), count: nBlocks)
        for (i, s) in stmts.enumerated() {
            let b = blockOfStmt[i]
            let next = blockOfStmt[i + 1] == b ? -1 : blockOfStmt[i + 1]
            switch s {
            case .code(let f):
                blocks[b].codes.append(Op(try compileForEffect(f, inner, fs)))
                if next >= 0 { blocks[b].exit = .goTo(next) }
            case .jump(let t):
                blocks[b].exit = .goTo(blockOfStmt[t])
            case .branch(let test, let thenGo, let elseGo):
                let fall = blockOfStmt[i + 1]
                blocks[b].exit = .branch(test: try compileTest(test, inner, fs),
                                         ifTrue: thenGo.map { blockOfStmt[$0] } ?? fall,
                                         ifFalse: elseGo.map { blockOfStmt[$0] } ?? fall)
            }
        }
        threadJumps(&blocks)
        let blockCodes = blocks.enumerated().map { (i, b) in BlockOp(blockCode(b, index: i)) }
        let tagBlock = blockOfStmt
        return tagbodyRunner(blockCodes, catches: info.usedByThrow, tracked: info.reachedFromClosure, idSlot: slot,
                             tagBlock: { tagBlock[$0] }, mv: mv)
    }

    /// `(if test (go a))`, `(if test (go a) (go b))`, `(if test nil (go b))`: the test and the
    /// statement indices jumped to when it is true / false (nil: fall through).
    private func conditionalGo(_ form: Value, _ info: TagbodyInfo) -> (Value, Int?, Int?)? {
        guard case .cons(let c) = form, c.car.asSymbol === Symbol.cl("IF"), c.cdr.isList else { return nil }
        let parts = c.cdr.listArray
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let thenGo = localGo(parts[1], info)
        let elseGo = parts.count == 3 ? localGo(parts[2], info) : nil
        let thenOK = thenGo != nil || parts[1].isNil
        let elseOK = parts.count == 2 || elseGo != nil || parts[2].isNil
        guard thenOK && elseOK && (thenGo != nil || elseGo != nil) else { return nil }
        return (parts[0], thenGo, elseGo)
    }

    /// A block with no statements just forwards control: jumps into it take its exit directly
    /// (this rotates `TOP (if test (go END)) body (go TOP)` into a body block that tests and
    /// loops by itself).
    private func threadJumps(_ blocks: inout [BasicBlock]) {
        /// Where control really goes when it enters block `t`: past empty blocks that only jump.
        func forward(_ t: Int) -> Int {
            var t = t, hops = 0
            while t >= 0, t < blocks.count, blocks[t].codes.isEmpty, case .goTo(let next) = blocks[t].exit,
                  next != t, hops < blocks.count {
                t = next
                hops += 1
            }
            return t
        }
        for i in blocks.indices {
            switch blocks[i].exit {
            case .goTo(let t):
                let f = forward(t)
                if f >= 0, f < blocks.count, f != i, blocks[f].codes.isEmpty {
                    // An empty test block: take its exit here (rotates the loop test).
                    blocks[i].exit = blocks[f].exit
                } else {
                    blocks[i].exit = .goTo(f)
                }
            case .branch(let test, let ifTrue, let ifFalse):
                blocks[i].exit = .branch(test: test, ifTrue: forward(ifTrue), ifFalse: forward(ifFalse))
            }
        }
    }

    /// `{ c1; c2; ...; cn }` as nested closures over captured lets.
    func sequence(_ codes: ArraySlice<Op>) -> ((Runtime, Frame) throws(Unwind) -> Void)? {
        switch codes.count {
        case 0: return nil
        case 1:
            let a = codes[codes.startIndex].run
            return { (rt: Runtime, fp: Frame) throws(Unwind) in discard(try a(rt, fp), rt) }
        case 2:
            let a = codes[codes.startIndex].run, b = codes[codes.startIndex + 1].run
            return { (rt: Runtime, fp: Frame) throws(Unwind) in discard(try a(rt, fp), rt); discard(try b(rt, fp), rt) }
        case 3:
            let a = codes[codes.startIndex].run, b = codes[codes.startIndex + 1].run, c = codes[codes.startIndex + 2].run
            return { (rt: Runtime, fp: Frame) throws(Unwind) in
                discard(try a(rt, fp), rt); discard(try b(rt, fp), rt); discard(try c(rt, fp), rt)
            }
        default:
            let mid = codes.startIndex + codes.count / 2
            let first = sequence(codes[..<mid])!, second = sequence(codes[mid...])!
            return { (rt: Runtime, fp: Frame) throws(Unwind) in try first(rt, fp); try second(rt, fp) }
        }
    }

    /// One block as a closure returning the next block index.
    private func blockCode(_ block: BasicBlock, index: Int) -> BlockCode {
        let body = sequence(block.codes[...])
        switch block.exit {
        case .goTo(let t):
            if t == index {
                // (loop ...) with no test: only a throw leaves it.
                let noop: (Runtime, Frame) throws(Unwind) -> Void = { _, _ in }
                let b: (Runtime, Frame) throws(Unwind) -> Void
                if let body { b = body } else { b = noop }
                return { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in
                    while true {
                        try b(rt, fp)
                        if rt.interruptRequested { try rt.checkInterrupt() }
                    }
                }
            }
            guard let b = body else { return { _, _ in t } }
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in try b(rt, fp); return t }
        case .branch(let test, let ifTrue, let ifFalse):
            if ifTrue == index || ifFalse == index {
                // A loop: stay in this closure while the test keeps choosing this block.
                let stayOn = ifTrue == index
                let exit = stayOn ? ifFalse : ifTrue
                if let b = body {
                    return { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in
                        repeat {
                            try b(rt, fp)
                            if rt.interruptRequested { try rt.checkInterrupt() }
                        } while try test(rt, fp) == stayOn
                        return exit
                    }
                }
                return { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in
                    while try test(rt, fp) == stayOn {
                        if rt.interruptRequested { try rt.checkInterrupt() }
                    }
                    return exit
                }
            }
            if let b = body {
                return { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in
                    try b(rt, fp)
                    return try test(rt, fp) ? ifTrue : ifFalse
                }
            }
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in
                try test(rt, fp) ? ifTrue : ifFalse
            }
        }
    }

    /// A block closure in a struct so arrays of them keep the direct calling convention.
    struct BlockOp { let run: BlockCode; init(_ r: @escaping BlockCode) { run = r } }

    /// Runs blocks from block 0 until control falls off the end. Up to six blocks are held in
    /// separate captured lets (no array access per block); a non-local `go` re-enters at the
    /// tag's block.
    private func tagbodyRunner(_ blocks: [BlockOp], catches: Bool, tracked: Bool, idSlot: Int,
                               tagBlock: @escaping (Int) -> Int, mv: Bool) -> Code {
        let n = blocks.count
        // Run blocks from block `from` until control falls off the end (also used after a
        // non-local go).
        let resume: (Runtime, Frame, Int) throws(Unwind) -> Void = { (rt: Runtime, fp: Frame, from: Int) throws(Unwind) in
            var b = from
            while b < n {
                let from = b
                b = try blocks[b].run(rt, fp)
                if b <= from, rt.interruptRequested { try rt.checkInterrupt() }
            }
        }
        let step: BlockCode
        if n <= 1 {
            step = n == 0 ? { _, _ in 0 } : blocks[0].run
        } else if n <= 6 {
            // Blocks in captured lets: dispatching to one costs no array access or retain.
            let idle: BlockCode = { _, _ in n }
            let b0 = blocks[0].run, b1 = blocks[1].run
            let b2 = n > 2 ? blocks[2].run : idle, b3 = n > 3 ? blocks[3].run : idle
            let b4 = n > 4 ? blocks[4].run : idle, b5 = n > 5 ? blocks[5].run : idle
            step = { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in
                var b = 0
                while b < n {
                    let from = b
                    switch b {
                    case 0: b = try b0(rt, fp)
                    case 1: b = try b1(rt, fp)
                    case 2: b = try b2(rt, fp)
                    case 3: b = try b3(rt, fp)
                    case 4: b = try b4(rt, fp)
                    default: b = try b5(rt, fp)
                    }
                    if b <= from, rt.interruptRequested { try rt.checkInterrupt() }
                }
                return b
            }
        } else {
            step = { (rt: Runtime, fp: Frame) throws(Unwind) -> Int in try resume(rt, fp, 0); return n }
        }
        if !catches {
            if n == 0 { return constant(.null, mv: mv) }
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                _ = try step(rt, fp)
                if mv { rt.nvals = 1 }
                return .null
            }
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let id = rt.newDynamicID()
            fp[idSlot] = .fixnum(id)
            if tracked { rt.liveExitPoints.insert(id) }
            defer { if tracked { rt.liveExitPoints.remove(id) } }
            let sp = rt.sp
            var start = -1
            while true {
                do throws(Unwind) {
                    if start < 0 { _ = try step(rt, fp) } else { try resume(rt, fp, start) }
                    if mv { rt.nvals = 1 }
                    return .null
                } catch {
                    guard case .toTag(let tid, let idx) = error, tid == id else { throw error }
                    rt.sp = sp
                    start = tagBlock(idx)
                    if rt.interruptRequested { try rt.checkInterrupt() }
                }
            }
        }
    }
}
