/// Compile-time bookkeeping for one function activation: slot allocation on the value stack and
/// the list of variables captured from enclosing functions.
final class FunctionScope {
    let parent: FunctionScope?
    /// Next free slot; `let` scopes allocate upwards and release on exit.
    var nextSlot: Int
    /// High-water mark of slots used by locals.
    var maxSlot: Int
    /// Variables of enclosing functions used here; each gets a slot (resolved once the frame size
    /// is known) holding the shared `Box`.
    var captures: [(binding: VarBinding, ref: CaptureRef)] = []

    init(parent: FunctionScope?, firstSlot: Int = 0) {
        self.parent = parent
        nextSlot = firstSlot
        maxSlot = firstSlot
    }

    func allocate() -> Int {
        let s = nextSlot
        nextSlot += 1
        if nextSlot > maxSlot { maxSlot = nextSlot }
        return s
    }

    /// Fix capture slots after the body is compiled: captures live above all locals.
    func finishCaptures() -> (frameSize: Int, captureSlots: [Int]) {
        var slots: [Int] = []
        for (i, c) in captures.enumerated() {
            c.ref.slot = maxSlot + i
            slots.append(maxSlot + i)
        }
        return (maxSlot + captures.count, slots)
    }

    /// The slot reference through which this function reaches `b` (a capture if `b` belongs to an
    /// enclosing function; intermediate functions capture it too).
    func reference(to b: VarBinding) -> SlotRef {
        if b.scope === self { return .local(b.slot) }
        if let c = captures.first(where: { $0.binding === b }) { return .captured(c.ref) }
        let ref = CaptureRef()
        // Make sure the parent can supply it.
        _ = parent?.reference(to: b)
        captures.append((b, ref))
        return .captured(ref)
    }
}

/// A slot whose index is known only once the function's frame size is known.
final class CaptureRef {
    var slot = -1
}

/// How compiled code reaches a lexical variable.
enum SlotRef {
    case local(Int)
    case captured(CaptureRef)
    /// Read from inside a closure (the binding belongs to an enclosing function).
    var isCaptured: Bool { if case .captured = self { return true } else { return false } }
}

/// A lexical variable (or local function, or block/tagbody id) living in a frame slot.
final class VarBinding {
    let name: Symbol
    let scope: FunctionScope
    let slot: Int
    init(name: Symbol, scope: FunctionScope, slot: Int) {
        self.name = name
        self.scope = scope
        self.slot = slot
    }
}

/// Compile-time information about a `block`.
final class BlockInfo {
    let idBinding: VarBinding
    var used = false
    /// A `return-from` inside a closure names it: the closure may run after the block exited,
    /// so the block's extent is tracked (`Runtime.liveExitPoints`).
    var reachedFromClosure = false
    init(idBinding: VarBinding) { self.idBinding = idBinding }
}

/// Compile-time information about a `tagbody`.
final class TagbodyInfo {
    let idBinding: VarBinding
    var tags: [(Value, Int)] = []
    var usedByThrow = false
    /// A `go` inside a closure names one of its tags (see `BlockInfo.reachedFromClosure`).
    var reachedFromClosure = false
    init(idBinding: VarBinding) { self.idBinding = idBinding }
    func index(of tag: Value) -> Int? {
        for (t, i) in tags where eql(t, tag) { return i }
        return nil
    }
}

/// The lexical environment at compile time: a linked list of bindings, innermost first.
public final class LexEnv {
    let parent: LexEnv?
    let entry: Entry

    enum Entry {
        case variable(Symbol, VarBinding)
        case special(Symbol)
        case symbolMacro(Symbol, Value)
        case function(Symbol, VarBinding)
        case macro(Symbol, LispFunction)
        case block(Symbol, BlockInfo)
        case tagbody(TagbodyInfo)
        case root
    }

    init(parent: LexEnv?, entry: Entry) {
        self.parent = parent
        self.entry = entry
    }

    public static let empty = LexEnv(parent: nil, entry: .root)

    func adding(_ e: Entry) -> LexEnv { LexEnv(parent: self, entry: e) }

    /// Innermost variable-namespace entry for `s`.
    func lookupVariable(_ s: Symbol) -> Entry? {
        var e: LexEnv? = self
        while let env = e {
            switch env.entry {
            case .variable(let n, _) where n === s: return env.entry
            case .special(let n) where n === s: return env.entry
            case .symbolMacro(let n, _) where n === s: return env.entry
            default: break
            }
            e = env.parent
        }
        return nil
    }

    /// Innermost function-namespace entry for `s`.
    func lookupFunction(_ s: Symbol) -> Entry? {
        var e: LexEnv? = self
        while let env = e {
            switch env.entry {
            case .function(let n, _) where n === s: return env.entry
            case .macro(let n, _) where n === s: return env.entry
            default: break
            }
            e = env.parent
        }
        return nil
    }

    func lookupBlock(_ s: Symbol) -> BlockInfo? {
        var e: LexEnv? = self
        while let env = e {
            if case .block(let n, let info) = env.entry, n === s { return info }
            e = env.parent
        }
        return nil
    }

    func lookupTag(_ tag: Value) -> (TagbodyInfo, Int)? {
        var e: LexEnv? = self
        while let env = e {
            if case .tagbody(let info) = env.entry, let i = info.index(of: tag) { return (info, i) }
            e = env.parent
        }
        return nil
    }
}

/// A compile-time environment handed to macro functions as their `&environment` argument.
public final class EnvironmentObject: LispObject {
    let env: LexEnv
    init(_ env: LexEnv) { self.env = env }
    public override var typeName: String { "ENVIRONMENT" }
    public override var typePackage: String { "SYSTEM" }
}
