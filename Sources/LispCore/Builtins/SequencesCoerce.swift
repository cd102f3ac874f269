/// COERCE to sequence types and characters (numeric targets are handled minimally). Installed
/// only when no other library has defined COERCE yet (libraries registered later may replace it
/// and call `SequencesCoerce.coerce` for sequence targets).
enum SequencesCoerce {
    static func register(_ rt: Runtime) {
        let s = Symbol.cl("COERCE")
        if s.function != nil { return }
        rt.def2("COERCE") { rt, x, type throws(Unwind) in try coerce(rt, x, type) }
    }

    /// `coerce` for sequence result types, CHARACTER, FUNCTION, T and floats.
    public static func coerce(_ rt: Runtime, _ x: Value, _ type: Value) throws(Unwind) -> Value {
        if try rt.typep(x, type) { return x }
        let head = type.asSymbol ?? (type.isList ? type.car.asSymbol : nil)
        switch head?.name {
        case "T": return x
        case "CHARACTER", "BASE-CHAR", "STANDARD-CHAR":
            switch x {
            case .string(let s) where s.count == 1: return .character(s[0])
            case .symbol(let sym) where sym.name.unicodeScalars.count == 1: return .character(sym.name.unicodeScalars.first!)
            default: try rt.typeError(x, spec: type)
            }
        case "FUNCTION":
            if x.asSymbol != nil || x.isList { return .function(try rt.coerceToFunction(x)) }
            try rt.typeError(x, spec: type)
        case "FLOAT", "SINGLE-FLOAT", "SHORT-FLOAT", "DOUBLE-FLOAT", "LONG-FLOAT":
            let dbl = head!.name == "DOUBLE-FLOAT" || head!.name == "LONG-FLOAT"
            switch x {
            case .fixnum(let n): return dbl ? .double(Double(n)) : .single(Float(n))
            case .single(let f): return dbl ? .double(Double(f)) : x
            case .double(let d): return dbl || head!.name == "FLOAT" ? x : .single(Float(d))
            default: try rt.typeError(x, spec: type)
            }
        default: break
        }
        switch x {
        case .null, .cons, .vector, .string, .bytes:
            return try SeqLib.makeTyped(rt, type, try SeqLib.items(rt, x))
        default:
            try rt.typeError(x, spec: type)
        }
    }
}
