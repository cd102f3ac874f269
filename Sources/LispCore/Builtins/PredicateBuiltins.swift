/// Type predicates and equality: `eq eql equal equalp not null consp listp atom symbolp...`,
/// `typep`, `type-of`.
enum PredicateBuiltins {
    static func register(_ rt: Runtime) {
        rt.def2("EQ") { _, a, b throws(Unwind) in .bool(eq(a, b)) }
        rt.def2("EQL") { _, a, b throws(Unwind) in .bool(eql(a, b)) }
        rt.def2("EQUAL") { _, a, b throws(Unwind) in .bool(equal(a, b)) }
        rt.def2("EQUALP") { _, a, b throws(Unwind) in .bool(equalp(a, b)) }
        rt.def1("NOT") { _, x throws(Unwind) in .bool(x.isNil) }
        rt.def1("NULL") { _, x throws(Unwind) in .bool(x.isNil) }
        rt.def1("CONSP") { _, x throws(Unwind) in if case .cons = x { return .t }; return .null }
        rt.def1("LISTP") { _, x throws(Unwind) in .bool(x.isList) }
        rt.def1("ATOM") { _, x throws(Unwind) in if case .cons = x { return .null }; return .t }
        rt.def1("SYMBOLP") { _, x throws(Unwind) in .bool(x.asSymbol != nil) }
        rt.def1("KEYWORDP") { _, x throws(Unwind) in .bool(x.asSymbol?.isKeyword ?? false) }
        rt.def1("STRINGP") { _, x throws(Unwind) in if case .string = x { return .t }; return .null }
        rt.def1("CHARACTERP") { _, x throws(Unwind) in if case .character = x { return .t }; return .null }
        rt.def1("FUNCTIONP") { _, x throws(Unwind) in if case .function = x { return .t }; return .null }
        rt.def1("COMPILED-FUNCTION-P") { _, x throws(Unwind) in if case .function = x { return .t }; return .null }
        rt.def1("NUMBERP") { _, x throws(Unwind) in .bool(x.isNumber) }
        rt.def1("INTEGERP") { _, x throws(Unwind) in .bool(x.isInteger) }
        rt.def1("VECTORP") { _, x throws(Unwind) in
            switch x { case .vector, .string, .bytes: return .t; default: return .null }
        }
        rt.def1("SIMPLE-VECTOR-P") { _, x throws(Unwind) in
            if case .vector(let v) = x { return .bool(v.isSimple) }
            return .null
        }
        rt.def1("ARRAYP") { rt, x throws(Unwind) in .bool(rt.isArray(x)) }
        rt.def1("PACKAGEP") { _, x throws(Unwind) in if case .object(let o) = x { return .bool(o is LispPackage) }; return .null }
        rt.def1("STREAMP") { _, x throws(Unwind) in if case .object(let o) = x { return .bool(o is LispStream) }; return .null }
        rt.defN("TYPEP", 2, 3) { rt, args throws(Unwind) in .bool(try rt.typep(args[0], args[1])) }
        rt.def1("TYPE-OF") { rt, x throws(Unwind) in rt.typeOf(x) }
        rt.defN("CONSTANTP", 1, 2) { rt, args throws(Unwind) in
            switch args[0] {
            case .symbol(let s): return .bool(s.isConstant || s.isKeyword)
            case .cons(let c): return .bool(c.car.asSymbol === Sym.quote)
            default: return .t
            }
        }
    }
}
