/// `defstruct` (CLHS 8): structure types, instances, accessors, #S printing and reading.

public final class StructureType {
    public let name: Symbol
    public let parent: StructureType?
    public var slotNames: [Symbol]
    var slotDefaults: [Value]
    var slotTypes: [Value]
    var readOnly: [Bool]
    var printFunction: Value = .null
    var printObjectFunction: Value = .null
    /// The keyword constructor used by #S reading.
    var keywordConstructor: Symbol?

    init(name: Symbol, parent: StructureType?, slotNames: [Symbol], slotDefaults: [Value], slotTypes: [Value], readOnly: [Bool]) {
        self.name = name
        self.parent = parent
        self.slotNames = slotNames
        self.slotDefaults = slotDefaults
        self.slotTypes = slotTypes
        self.readOnly = readOnly
    }

    /// Indices of slots with a declared type other than T (checked on construction and setf).
    var checkedSlots: [Int] {
        var out: [Int] = []
        for (i, t) in slotTypes.enumerated() where !(t.asSymbol === Symbol.T && !t.isNil) { out.append(i) }
        return out
    }

    func checkSlot(_ rt: Runtime, _ i: Int, _ v: Value) throws(Unwind) {
        let t = slotTypes[i]
        if t.asSymbol === Symbol.T && !t.isNil { return }
        // Only types known now (a forward reference to a later structure is not checked).
        if let s = t.asSymbol, !t.isNil, !rt.isKnownTypeName(s) { return }
        if case .cons(let c) = t, let h = c.car.asSymbol, h.package !== rt.world.cl { return }
        if !(try rt.typep(v, t)) {
            try rt.signalError(rt.makeCondition(StandardConditions.typeError,
                message: "The value \(rt.printString(v)) is not of type \(rt.printString(t)) (slot \(slotNames[i].name) of \(name.name)).",
                slots: ["DATUM": v, "EXPECTED-TYPE": t]))
        }
    }

    @inline(__always) func isA(_ t: StructureType) -> Bool {
        var c: StructureType? = self
        while let x = c { if x === t { return true }; c = x.parent }
        return false
    }

    var chainNames: [String] {
        var out: [String] = []
        var c: StructureType? = self
        while let x = c { out.append(x.name.name); c = x.parent }
        return out
    }

    lazy var box = StructureTypeBox(self)
    /// Cached `checkedSlots` (set when the type is installed by %DEFSTRUCT).
    var checked: [Int] = []
    nonisolated(unsafe) static var registry: [Symbol: StructureType] = [:]
}

/// A typed (:type list / vector) structure description, kept for :include.
final class TypedStructInfo {
    var slotNames: [Symbol]
    var slotDefaults: [Value]
    var readOnly: [Bool]
    var kind: String
    var named: Bool
    init(slotNames: [Symbol], slotDefaults: [Value], readOnly: [Bool], kind: String, named: Bool) {
        self.slotNames = slotNames; self.slotDefaults = slotDefaults; self.readOnly = readOnly
        self.kind = kind; self.named = named
    }
    nonisolated(unsafe) static var registry: [Symbol: TypedStructInfo] = [:]
}

public final class StructureObject: LispObject {
    public let type: StructureType
    public var slots: [Value]
    init(type: StructureType, slots: [Value]) {
        self.type = type
        self.slots = slots
    }
    public override var typeName: String { type.name.name }
    public override var typePackage: String { type.name.package?.name ?? "" }
    public override var supertypeNames: [String] { type.chainNames + ["STRUCTURE-OBJECT"] }

    public override func printObject(_ p: Printer) throws(Unwind) -> Bool {
        let rt = p.rt
        var printer: StructureType? = type
        while let t = printer, t.printFunction.isNil && t.printObjectFunction.isNil { printer = t.parent }
        if let pt = printer {
            let s = StringOutputStream()
            if !pt.printObjectFunction.isNil {
                _ = try rt.funcall(try rt.coerceToFunction(pt.printObjectFunction), .object(self), .object(s))
            } else {
                _ = try rt.apply(try rt.coerceToFunction(pt.printFunction), [.object(self), .object(s), .fixnum(p.currentLevel)])
            }
            p.out += s.contents
            return true
        }
        if let lv = p.level, p.currentLevel >= lv { p.out += "#"; return true }
        p.currentLevel += 1
        defer { p.currentLevel -= 1 }
        p.out += "#S("
        try p.print(.symbol(type.name))
        for (i, n) in type.slotNames.enumerated() {
            if let len = p.length, i >= len { p.out += " ..."; break }
            p.out += " "
            // The slot keyword keeps its colon under PRINC too (SBCL: `#S(POINT :X 1)`).
            let escape = p.escape
            p.escape = true
            try p.print(.symbol(rt.world.keyword(n.name)))
            p.escape = escape
            p.out += " "
            try p.print(slots[i])
        }
        p.out += ")"
        return true
    }
}

enum StructureLibrary {
    static func cl(_ n: String) -> Value { .symbol(World.shared.cl.internExternal(n)) }
    static func sys(_ n: String) -> Value { .symbol(World.shared.system.internExternal(n)) }
    static func quote(_ v: Value) -> Value { list(.symbol(Sym.quote), v) }

    static func symcat(_ rt: Runtime, _ parts: [String]) -> Symbol {
        rt.currentPackage.intern(parts.joined()).0
    }

    struct SlotSpec {
        var name: Symbol
        var initform: Value
        var type: Value
        var readOnly: Bool
    }

    static func parseSlot(_ rt: Runtime, _ s: Value) throws(Unwind) -> SlotSpec {
        if let n = s.asSymbol, !s.isNil { return SlotSpec(name: n, initform: .null, type: .t, readOnly: false) }
        guard case .cons(let c) = s, let n = c.car.asSymbol else {
            try rt.signalError(rt.programError("bad defstruct slot description \(rt.printString(s))"))
        }
        var spec = SlotSpec(name: n, initform: c.cdr.car, type: .t, readOnly: false)
        var opts = c.cdr.cdr
        while case .cons(let o) = opts {
            let k = o.car.asSymbol?.name ?? ""
            let v = o.cdr.car
            if k == "TYPE" { spec.type = v } else if k == "READ-ONLY" { spec.readOnly = v.isTrue }
            opts = o.cdr.cdr
        }
        return spec
    }

    static func expand(_ rt: Runtime, _ form: Value) throws(Unwind) -> Value {
        let nameAndOptions = form.cadr
        var rest = form.cddr
        if case .string = rest.car { rest = rest.cdr }
        let name: Symbol
        var options: [Value] = []
        if case .cons(let c) = nameAndOptions {
            name = try rt.symbol(c.car)
            options = try rt.listItems(c.cdr)
        } else {
            name = try rt.symbol(nameAndOptions)
        }
        var conc = name.name + "-"
        var constructors: [(Symbol, Value?)] = []
        var defaultConstructor = true
        var copier: Symbol? = symcat(rt, ["COPY-", name.name])
        var predicate: Symbol? = symcat(rt, [name.name, "-P"])
        var predicateGiven = false
        var include: Symbol?
        var includeOverrides: [Value] = []
        var printFunction: Value = .null, printObject: Value = .null
        var typedKind: String?
        var named = false
        for o in options {
            let key: String
            var args: [Value] = []
            var hasArgs = false
            if case .cons(let c) = o { key = c.car.asSymbol?.name ?? ""; args = c.cdr.listArray; hasArgs = !args.isEmpty } else { key = o.asSymbol?.name ?? "" }
            switch key {
            case "CONC-NAME":
                if !hasArgs || args[0].isNil { conc = "" } else { conc = try rt.stringDesignator(args[0]) }
            case "CONSTRUCTOR":
                if !hasArgs { break }
                if args[0].isNil { defaultConstructor = false; break }
                defaultConstructor = false
                constructors.append((try rt.symbol(args[0]), args.count > 1 ? args[1] : nil))
            case "COPIER":
                copier = hasArgs ? (args[0].isNil ? nil : try rt.symbol(args[0])) : copier
            case "PREDICATE":
                predicateGiven = true
                predicate = hasArgs ? (args[0].isNil ? nil : try rt.symbol(args[0])) : predicate
            case "INCLUDE":
                include = try rt.symbol(args.first ?? .null)
                includeOverrides = Array(args.dropFirst())
            case "PRINT-FUNCTION": printFunction = hasArgs ? args[0] : .null
            case "PRINT-OBJECT": printObject = hasArgs ? args[0] : .null
            case "TYPE": typedKind = args.first.map { v in (v.asSymbol?.name ?? (v.car.asSymbol?.name ?? "VECTOR")) }
            case "NAMED": named = true
            case "INITIAL-OFFSET": break
            default:
                try rt.signalError(rt.programError("unknown defstruct option \(rt.printString(o))"))
            }
        }
        if defaultConstructor { constructors.insert((symcat(rt, ["MAKE-", name.name]), nil), at: 0) }
        if typedKind != nil && !named && !predicateGiven { predicate = nil }
        if typedKind != nil && !named { predicate = nil }

        // Slots: included first (with overrides), then our own.
        var slots: [SlotSpec] = []
        if let inc = include {
            if let pt = StructureType.registry[inc], typedKind == nil {
                for i in 0..<pt.slotNames.count {
                    slots.append(SlotSpec(name: pt.slotNames[i], initform: pt.slotDefaults[i], type: pt.slotTypes[i], readOnly: pt.readOnly[i]))
                }
            } else if let ti = TypedStructInfo.registry[inc], typedKind != nil {
                for i in 0..<ti.slotNames.count {
                    slots.append(SlotSpec(name: ti.slotNames[i], initform: ti.slotDefaults[i], type: .t, readOnly: ti.readOnly[i]))
                }
            } else {
                try rt.signalError(rt.simpleError("The structure type \(inc.name) to include is not defined."))
            }
            for ov in includeOverrides {
                let s = try parseSlot(rt, ov)
                if let i = slots.firstIndex(where: { $0.name.name == s.name.name }) {
                    slots[i].initform = s.initform
                    if case .cons = ov, ov.cddr.isTrue { if !s.type.isTrue || s.type.asSymbol !== Symbol.T { slots[i].type = s.type }; if s.readOnly { slots[i].readOnly = true } }
                }
            }
        }
        for s in rest.listArray { slots.append(try parseSlot(rt, s)) }

        var forms: [Value] = []
        let slotVars = slots.map { Value($0.name) }

        if let kind = typedKind {
            let info = TypedStructInfo(slotNames: slots.map { $0.name }, slotDefaults: slots.map { $0.initform },
                                       readOnly: slots.map { $0.readOnly }, kind: kind, named: named)
            TypedStructInfo.registry[name] = info
            let off = named ? 1 : 0
            let maker = kind == "LIST" ? cl("LIST") : cl("VECTOR")
            func build(_ exprs: [Value]) -> Value { .cons(maker, listFrom((named ? [quote(Value(name))] : []) + exprs)) }
            for (cname, boa) in constructors {
                forms.append(try constructorForm(rt, cname, boa, slots) { build($0) })
            }
            for (i, s) in slots.enumerated() {
                let acc = Value(symcat(rt, [conc, s.name.name]))
                let obj = Value.symbol(Symbol(name: "OBJ")), new = Value.symbol(Symbol(name: "NEW"))
                forms.append(list(cl("DEFUN"), acc, list(obj), list(sys("%TYPED-STRUCT-REF"), obj, .fixnum(i + off))))
                if !s.readOnly {
                    forms.append(list(cl("DEFUN"), list(cl("SETF"), acc), list(new, obj),
                                      list(sys("%TYPED-STRUCT-SET"), obj, .fixnum(i + off), new)))
                }
            }
            if let p = predicate {
                let obj = Value.symbol(Symbol(name: "OBJ"))
                forms.append(list(cl("DEFUN"), Value(p), list(obj), list(sys("%TYPED-STRUCT-NAMED-P"), obj, quote(Value(name)))))
            }
            if let c = copier {
                let obj = Value.symbol(Symbol(name: "OBJ"))
                forms.append(list(cl("DEFUN"), Value(c), list(obj), list(cl("COPY-SEQ"), obj)))
            }
            forms.append(quote(Value(name)))
            return .cons(cl("PROGN"), listFrom(forms))
        }

        let parent = include.flatMap { StructureType.registry[$0] }
        let type: StructureType
        if let old = StructureType.registry[name], old.slotNames == slots.map({ $0.name }), old.parent === parent {
            type = old
            type.slotDefaults = slots.map { $0.initform }
            type.slotTypes = slots.map { $0.type }
            type.readOnly = slots.map { $0.readOnly }
        } else {
            type = StructureType(name: name, parent: parent, slotNames: slots.map { $0.name },
                                 slotDefaults: slots.map { $0.initform }, slotTypes: slots.map { $0.type },
                                 readOnly: slots.map { $0.readOnly })
        }
        type.keywordConstructor = constructors.first(where: { $0.1 == nil })?.0
        StructureType.registry[name] = type
        let tq = quote(.object(type.box))
        let accessorNames = slots.map { Value(symcat(rt, [conc, $0.name.name])) }
        forms.append(list(sys("%DEFSTRUCT"), tq, quote(listFrom(accessorNames)),
                          quote(predicate.map { Value($0) } ?? .null), quote(copier.map { Value($0) } ?? .null),
                          quote(listFrom(constructors.map { Value($0.0) }))))
        if printFunction.isTrue {
            forms.append(list(sys("%STRUCT-SET-PRINTER"), tq, printFunction.asSymbol != nil ? quote(printFunction) : list(.symbol(Sym.function), printFunction), .null))
        }
        if printObject.isTrue {
            forms.append(list(sys("%STRUCT-SET-PRINTER"), tq, .null, printObject.asSymbol != nil ? quote(printObject) : list(.symbol(Sym.function), printObject)))
        }
        for (cname, boa) in constructors {
            forms.append(try constructorForm(rt, cname, boa, slots) { exprs in
                .cons(sys("%MAKE-STRUCTURE"), .cons(tq, listFrom(exprs)))
            })
        }
        _ = slotVars
        forms.append(quote(Value(name)))
        return .cons(cl("PROGN"), listFrom(forms))
    }

    /// A `defun` for a keyword (boa == nil) or BOA constructor.
    static func constructorForm(_ rt: Runtime, _ cname: Symbol, _ boa: Value?, _ slots: [SlotSpec],
                                _ build: ([Value]) -> Value) throws(Unwind) -> Value {
        guard let ll = boa else {
            let keys = slots.map { list(Value($0.name), $0.initform) }
            let lambdaList = Value.cons(.symbol(Sym.key), listFrom(keys))
            return list(cl("DEFUN"), Value(cname), lambdaList, build(slots.map { Value($0.name) }))
        }
        var mentioned = Set<String>()
        var out: [Value] = []
        var mode = ""
        for item in try rt.listItems(ll) {
            if let s = item.asSymbol, s.name.hasPrefix("&") {
                mode = s.name
                out.append(item)
                continue
            }
            let v = item.asSymbol ?? (item.car.asSymbol ?? Symbol.NIL)
            let vname: String
            if case .cons(let c) = item, case .cons(let kv) = c.car { vname = kv.cdr.car.asSymbol?.name ?? "" } else { vname = v.name }
            mentioned.insert(vname)
            if (mode == "&OPTIONAL" || mode == "&KEY"), item.asSymbol != nil,
               let s = slots.first(where: { $0.name.name == vname }) {
                out.append(list(item, s.initform))
            } else {
                out.append(item)
            }
        }
        let exprs = slots.map { s -> Value in mentioned.contains(s.name.name) ? Value(s.name) : s.initform }
        // Variables bound by the lambda list shadow slot names; slot names not mentioned use initforms.
        return list(cl("DEFUN"), Value(cname), listFrom(out), build(exprs))
    }

    static func structure(_ rt: Runtime, _ v: Value, _ t: StructureType) throws(Unwind) -> StructureObject {
        if case .object(let o) = v, let s = o as? StructureObject, s.type.isA(t) { return s }
        try rt.typeError(v, spec: .symbol(t.name))
    }

    static func typeArg(_ rt: Runtime, _ v: Value) throws(Unwind) -> StructureType {
        if case .object(let o) = v, let t = o as? StructureTypeBox { return t.type }
        try rt.typeError(v, "STRUCTURE-CLASS")
    }

    static func register(_ rt: Runtime) {
        let sys = rt.world.system
        rt.defMacro("DEFSTRUCT") { rt, form, _ throws(Unwind) in try expand(rt, form) }
        // (%defstruct type accessors predicate copier [constructors]): the constructors are
        // defined by the DEFUNs that follow; they are listed here for the package-lock check.
        rt.defN("%DEFSTRUCT", 4, 5, in: sys) { rt, args throws(Unwind) in
            let t = try typeArg(rt, args[0])
            // Package locks first, so a refused definition changes nothing.
            try rt.checkPackageLock(t.name, "defining \(t.name.name) as a structure")
            for name in try rt.listItems(args[1]) + [args[2], args[3]] + (try rt.listItems(args.get(4))) where !name.isNil {
                let s = try rt.symbol(name)
                try rt.checkPackageLock(s, "defining \(s.name) as a function")
            }
            StructureType.registry[t.name] = t
            t.checked = t.checkedSlots
            for (i, acc) in try rt.listItems(args[1]).enumerated() {
                let s = try rt.symbol(acc)
                let getter = LispFunction(name: acc, kind: .native1 { rt, x throws(Unwind) in
                    if case .object(let o) = x, let so = o as? StructureObject, so.type === t || so.type.isA(t) { return so.slots[i] }
                    try rt.typeError(x, spec: .symbol(t.name))
                })
                s.function = getter
                if t.readOnly[i] {
                    s.setfFunction = nil
                    SetfRegistry.updaters[s] = nil
                } else {
                    s.setfFunction = LispFunction(name: list(.symbol(Sym.setf), acc), kind: .native2 { rt, new, x throws(Unwind) in
                        if case .object(let o) = x, let so = o as? StructureObject, so.type === t || so.type.isA(t) {
                            if !t.checked.isEmpty { try t.checkSlot(rt, i, new) }
                            so.slots[i] = new
                            return new
                        }
                        try rt.typeError(x, spec: .symbol(t.name))
                    })
                    // (setf (acc obj) new) expands to (#:updater obj new): a direct native call.
                    let upd = Symbol(name: "SET-" + s.name)
                    upd.function = LispFunction(name: .symbol(upd), kind: .native2 { rt, x, new throws(Unwind) in
                        if case .object(let o) = x, let so = o as? StructureObject, so.type === t || so.type.isA(t) {
                            if !t.checked.isEmpty { try t.checkSlot(rt, i, new) }
                            so.slots[i] = new
                            return new
                        }
                        try rt.typeError(x, spec: .symbol(t.name))
                    })
                    SetfRegistry.updaters[s] = .symbol(upd)
                }
            }
            if let p = args[2].asSymbol, !args[2].isNil {
                p.function = LispFunction(name: args[2], kind: .native1 { _, x in
                    if case .object(let o) = x, let so = o as? StructureObject, so.type.isA(t) { return .t }
                    return .null
                })
            }
            if let c = args[3].asSymbol, !args[3].isNil {
                c.function = LispFunction(name: args[3], kind: .native1 { rt, x throws(Unwind) in
                    let so = try structure(rt, x, t)
                    return .object(StructureObject(type: so.type, slots: so.slots))
                })
            }
            return .symbol(t.name)
        }
        rt.defN("%STRUCT-SET-PRINTER", 3, 3, in: sys) { rt, args throws(Unwind) in
            let t = try typeArg(rt, args[0])
            t.printFunction = args[1]
            t.printObjectFunction = args[2]
            return .null
        }
        rt.defN("%MAKE-STRUCTURE", 1, -1, in: sys) { rt, args throws(Unwind) in
            let t = try typeArg(rt, args[0])
            var slots = Array(args.array.dropFirst())
            if slots.count < t.slotNames.count { slots += [Value](repeating: .null, count: t.slotNames.count - slots.count) }
            for i in t.checked { try t.checkSlot(rt, i, slots[i]) }
            return .object(StructureObject(type: t, slots: slots))
        }
        rt.def1("COPY-STRUCTURE") { rt, x throws(Unwind) in
            guard case .object(let o) = x, let so = o as? StructureObject else { try rt.typeError(x, "STRUCTURE-OBJECT") }
            return .object(StructureObject(type: so.type, slots: so.slots))
        }
        rt.defN("%TYPED-STRUCT-REF", 2, 2, in: sys) { rt, args throws(Unwind) in
            let i = try rt.index(args[1])
            switch args[0] {
            case .vector(let v):
                guard i < v.items.count else { try rt.simpleError2("structure index out of bounds") }
                return v.items[i]
            default:
                var p = args[0]
                for _ in 0..<i { p = try rt.cdr(p) }
                return try rt.car(p)
            }
        }
        rt.defN("%TYPED-STRUCT-SET", 3, 3, in: sys) { rt, args throws(Unwind) in
            let i = try rt.index(args[1])
            switch args[0] {
            case .vector(let v):
                guard i < v.items.count else { try rt.simpleError2("structure index out of bounds") }
                v.items[i] = args[2]
            default:
                var p = args[0]
                for _ in 0..<i { p = try rt.cdr(p) }
                try rt.cons(p).car = args[2]
            }
            return args[2]
        }
        rt.defN("%TYPED-STRUCT-NAMED-P", 2, 2, in: sys) { _, args in
            switch args[0] {
            case .vector(let v): return .bool(!v.items.isEmpty && eq(v.items[0], args[1]))
            case .cons(let c): return .bool(eq(c.car, args[1]))
            default: return .null
            }
        }

        rt.structReaderHook = { [unowned rt] form throws(Unwind) in
            guard let n = form.car.asSymbol, let t = StructureType.registry[n] else {
                try rt.signalError(rt.simpleError("\(rt.printString(form.car)) is not a defined structure type"))
            }
            var kv = try rt.listItems(form.cdr)
            // Slot names in #S may be given as any symbol; convert to keywords.
            var i = 0
            while i < kv.count { if let s = kv[i].asSymbol { kv[i] = .symbol(rt.world.keyword(s.name)) }; i += 2 }
            if let c = t.keywordConstructor, let f = c.function {
                return try rt.apply(f, kv)
            }
            var slots = [Value](repeating: .null, count: t.slotNames.count)
            i = 0
            while i + 1 < kv.count {
                if let s = kv[i].asSymbol, let j = t.slotNames.firstIndex(where: { $0.name == s.name }) { slots[j] = kv[i + 1] }
                i += 2
            }
            return .object(StructureObject(type: t, slots: slots))
        }
        structTypepHook = { o, s in
            guard let so = o as? StructureObject else { return nil }
            guard let t = StructureType.registry[s] else { return nil }
            return so.type.isA(t)
        }
        knownTypeHook = { s in StructureType.registry[s] != nil }
        equalpObjectHook = { a, b in
            if let x = a as? StructureObject, let y = b as? StructureObject {
                guard x.type === y.type else { return false }
                for i in 0..<x.slots.count where !equalp(x.slots[i], y.slots[i]) { return false }
                return true
            }
            if let x = a as? HashTable, let y = b as? HashTable {
                guard x.count == y.count, x.test == y.test else { return false }
                for (k, v) in x.entries {
                    guard let w = y.get(k), equalp(v, w) else { return false }
                }
                return true
            }
            if let x = a as? LispArray, let y = b as? LispArray {
                return x.dimensions == y.dimensions && equalp(x.storage, y.storage)
            }
            return a === b
        }
    }
}

/// The structure type as a quotable literal in expansions.
final class StructureTypeBox: LispObject {
    let type: StructureType
    init(_ t: StructureType) { type = t }
    override var typeName: String { "STRUCTURE-CLASS" }
    override func printUnreadable() -> String { "STRUCTURE-CLASS \(type.name.name)" }
}

extension Runtime {
    func simpleError2(_ msg: String) throws(Unwind) -> Never { try signalError(simpleError(msg)) }
}
