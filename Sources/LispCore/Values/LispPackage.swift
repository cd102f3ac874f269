/// A Common Lisp package: a namespace mapping names to symbols, with external/internal symbols,
/// used packages, nicknames and shadowing symbols.
public final class LispPackage: LispObject {
    public var name: String
    public var nicknames: [String] = []
    public internal(set) var internals: [String: Symbol] = [:]
    public internal(set) var externals: [String: Symbol] = [:]
    public internal(set) var uses: [LispPackage] = []
    public internal(set) var usedBy: [LispPackage] = []
    public var shadowingSymbols: [Symbol] = []
    /// Package-local nicknames (`defpackage :local-nicknames`, as in SBCL and most current
    /// implementations): while this package is `*package*`, the reader and `find-package` see
    /// each key as a name of its package.
    public var localNicknames: [String: LispPackage] = [:]

    public init(name: String) {
        self.name = name
    }

    public override var typeName: String { "PACKAGE" }
    public override func printUnreadable() -> String { "PACKAGE \"\(name)\"" }

    /// How a symbol is accessible in a package (the second value of `find-symbol`).
    public enum Access { case `internal`, external, inherited }

    /// `find-symbol`: the symbol accessible in this package under `name`.
    public func find(_ name: String) -> (Symbol, Access)? {
        if let s = externals[name] { return (s, .external) }
        if let s = internals[name] { return (s, .internal) }
        for p in uses {
            if let s = p.externals[name] { return (s, .inherited) }
        }
        return nil
    }

    /// `intern`: find or create. Returns the symbol and its prior access (nil if created).
    @discardableResult
    public func intern(_ name: String) -> (Symbol, Access?) {
        if let found = find(name) { return (found.0, found.1) }
        let s = Symbol(name: name, package: self)
        if self === World.shared.keyword {
            s.value = .symbol(s)
            s.isConstant = true
            externals[name] = s
        } else {
            internals[name] = s
        }
        return (s, nil)
    }

    /// Intern and export (used to build the standard packages).
    @discardableResult
    public func internExternal(_ name: String) -> Symbol {
        let (s, _) = intern(name)
        if s.package === self, internals[name] != nil {
            internals[name] = nil
            externals[name] = s
        }
        return s
    }

    /// Make `sym` present in this package (import). Caller checks for conflicts.
    public func importSymbol(_ sym: Symbol) {
        if find(sym.name)?.0 === sym, externals[sym.name] != nil || internals[sym.name] != nil { return }
        internals[sym.name] = sym
        if sym.package == nil { sym.package = self }
    }

    /// Export an accessible symbol.
    public func export(_ sym: Symbol) {
        if externals[sym.name] === sym { return }
        internals[sym.name] = nil
        externals[sym.name] = sym
    }

    public func unexport(_ sym: Symbol) {
        if externals[sym.name] === sym {
            externals[sym.name] = nil
            internals[sym.name] = sym
        }
    }

    /// Remove a symbol present in this package.
    @discardableResult
    public func unintern(_ sym: Symbol) -> Bool {
        var removed = false
        if internals[sym.name] === sym { internals[sym.name] = nil; removed = true }
        if externals[sym.name] === sym { externals[sym.name] = nil; removed = true }
        shadowingSymbols.removeAll { $0 === sym }
        if removed, sym.package === self { sym.package = nil }
        return removed
    }

    public func use(_ other: LispPackage) {
        if other === self || uses.contains(where: { $0 === other }) { return }
        uses.append(other)
        other.usedBy.append(self)
    }

    public func unuse(_ other: LispPackage) {
        uses.removeAll { $0 === other }
        other.usedBy.removeAll { $0 === self }
    }

    /// `shadow`: make sure a symbol named `name` is present here and mark it shadowing.
    public func shadow(_ name: String) {
        let present = internals[name] ?? externals[name]
        let sym: Symbol
        if let p = present { sym = p } else {
            sym = Symbol(name: name, package: self)
            internals[name] = sym
        }
        if !shadowingSymbols.contains(where: { $0 === sym }) { shadowingSymbols.append(sym) }
    }

    /// Every symbol present in the package (internal and external).
    public var presentSymbols: [Symbol] { Array(internals.values) + Array(externals.values) }
}

/// The process-wide Lisp world: the package registry. Symbols are process-wide identities (one
/// Lisp world per process); dynamic state lives in `Runtime`.
public final class World {
    nonisolated(unsafe) public static let shared = World()

    public private(set) var packages: [String: LispPackage] = [:]
    public let cl: LispPackage
    public let keyword: LispPackage
    public let clUser: LispPackage
    public let system: LispPackage
    public let comm: LispPackage
    public let mp: LispPackage

    private init() {
        cl = LispPackage(name: "COMMON-LISP")
        cl.nicknames = ["CL"]
        keyword = LispPackage(name: "KEYWORD")
        system = LispPackage(name: "SYSTEM")
        system.nicknames = ["SYS"]
        comm = LispPackage(name: "COMM")
        mp = LispPackage(name: "MP")
        clUser = LispPackage(name: "COMMON-LISP-USER")
        clUser.nicknames = ["CL-USER"]
        for p in [cl, keyword, system, comm, mp, clUser] { register(p) }
        for name in StandardSymbols.names {
            let s = Symbol(name: name, package: cl)
            cl.externals[name] = s
        }
        system.use(cl)
        comm.use(cl)
        mp.use(cl)
        clUser.use(cl)
    }

    public func register(_ p: LispPackage) {
        packages[p.name] = p
        for n in p.nicknames { packages[n] = p }
    }

    public func unregister(_ p: LispPackage) {
        // Local nicknames naming it go too (SBCL): a deleted package is found by no name.
        for other in allPackages where other.localNicknames.values.contains(where: { $0 === p }) {
            other.localNicknames = other.localNicknames.filter { $0.value !== p }
        }
        for (k, v) in packages where v === p { packages[k] = nil }
        for u in p.uses { p.unuse(u) }
    }

    public func findPackage(_ name: String) -> LispPackage? { packages[name] }

    /// All distinct packages.
    public var allPackages: [LispPackage] {
        var seen = Set<ObjectIdentifier>()
        var out: [LispPackage] = []
        for p in packages.values.sorted(by: { $0.name < $1.name }) where seen.insert(ObjectIdentifier(p)).inserted {
            out.append(p)
        }
        return out
    }

    public func keyword(_ name: String) -> Symbol { keyword.intern(name).0 }
}
