/// The compiled form of a `lambda`: parameter layout, body code and frame size. Shared by every
/// closure made from the same lambda expression; closures add their captured boxes.
public final class CompiledLambda {
    let name: Value
    let nRequired: Int
    let optionals: [OptionalParam]
    let restSlot: Int?
    let keys: [KeyParam]
    let hasKeys: Bool
    let allowOtherKeys: Bool
    let aux: [AuxParam]
    /// Only required parameters: argument count check and nothing else.
    let simple: Bool
    var frameSize = 0
    var captureSlots: [Int] = [] { didSet { hasCaptures = !captureSlots.isEmpty } }
    var hasCaptures = false
    var body: Code = { _, _ in .null }
    /// Lambda list as written (for `describe`, error messages).
    let lambdaList: Value

    struct OptionalParam {
        let slot: Int
        let initCode: Op?
        let suppliedSlot: Int?
    }
    struct KeyParam {
        let keyword: Symbol
        let slot: Int
        let initCode: Op?
        let suppliedSlot: Int?
    }
    struct AuxParam {
        let slot: Int
        let initCode: Op?
    }

    init(name: Value, lambdaList: Value, nRequired: Int, optionals: [OptionalParam], restSlot: Int?,
         keys: [KeyParam], hasKeys: Bool, allowOtherKeys: Bool, aux: [AuxParam]) {
        self.name = name
        self.lambdaList = lambdaList
        self.nRequired = nRequired
        self.optionals = optionals
        self.restSlot = restSlot
        self.keys = keys
        self.hasKeys = hasKeys
        self.allowOtherKeys = allowOtherKeys
        self.aux = aux
        simple = optionals.isEmpty && restSlot == nil && !hasKeys && aux.isEmpty
    }

    func wrongCount(_ rt: Runtime, _ fn: LispFunction, _ argc: Int) throws(Unwind) -> Never {
        try rt.signalError(rt.programError(
            "invalid number of arguments to \(rt.printString(fn.name)): got \(argc), lambda list \(rt.printString(lambdaList))"))
    }

    /// Bind &optional, &rest, &key and &aux parameters (CLHS 3.4.1).
    func bindArguments(_ rt: Runtime, _ fn: LispFunction, _ fp: Frame, _ argc: Int) throws(Unwind) {
        if simple { try wrongCount(rt, fn, argc) }
        if argc < nRequired || (restSlot == nil && !hasKeys && argc > nRequired + optionals.count) {
            try wrongCount(rt, fn, argc)
        }
        let extra = argc > nRequired ? Array(UnsafeBufferPointer(start: fp + nRequired, count: argc - nRequired)) : []
        var i = 0
        for o in optionals {
            if i < extra.count {
                fp[o.slot] = extra[i]
                if let s = o.suppliedSlot { fp[s] = .t }
                i += 1
            } else {
                fp[o.slot] = try o.initCode?.run(rt, fp) ?? .null
                if let s = o.suppliedSlot { fp[s] = .null }
            }
        }
        let restArgs = i < extra.count ? extra[i...] : []
        if let r = restSlot { fp[r] = listFrom(restArgs) }
        if hasKeys {
            if restArgs.count % 2 != 0 {
                try rt.signalError(rt.programError("odd number of &KEY arguments to \(rt.printString(fn.name))"))
            }
            var allowOthers = allowOtherKeys
            if !allowOthers {
                var j = restArgs.startIndex
                while j < restArgs.endIndex {
                    if case .symbol(let k) = restArgs[j], k === Sym.kAllowOtherKeys {
                        allowOthers = restArgs[j + 1].isTrue
                        break
                    }
                    j += 2
                }
            }
            if !allowOthers {
                var j = restArgs.startIndex
                while j < restArgs.endIndex {
                    let k = restArgs[j]
                    let known = keys.contains { kp in k.asSymbol === kp.keyword } || k.asSymbol === Sym.kAllowOtherKeys
                    if !known {
                        try rt.signalError(rt.programError(
                            "unknown keyword argument \(rt.printString(k)) to \(rt.printString(fn.name))"))
                    }
                    j += 2
                }
            }
            for kp in keys {
                var found: Value? = nil
                var j = restArgs.startIndex
                while j < restArgs.endIndex {
                    if case .symbol(let k) = restArgs[j], k === kp.keyword { found = restArgs[j + 1]; break }
                    j += 2
                }
                if let v = found {
                    fp[kp.slot] = v
                    if let s = kp.suppliedSlot { fp[s] = .t }
                } else {
                    fp[kp.slot] = try kp.initCode?.run(rt, fp) ?? .null
                    if let s = kp.suppliedSlot { fp[s] = .null }
                }
            }
        }
        for a in aux { fp[a.slot] = try a.initCode?.run(rt, fp) ?? .null }
    }
}
