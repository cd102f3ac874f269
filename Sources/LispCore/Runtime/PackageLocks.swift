/// Package locks on COMMON-LISP (as SBCL has them, and LispWorks warns on redefinition): after
/// start-up, defining a CL symbol as a global function or macro (`defun`, `defmacro`,
/// `(setf fdefinition)`, `(setf macro-function)`, `compile` with a definition, `fmakunbound`,
/// every name `defstruct` defines), proclaiming it special (`defvar`, `defparameter`) or a
/// constant (`defconstant`) signals a `package-error`. Calls of CL functions are
/// open-coded (CLHS 11.1.2.1.2 says they may not be redefined), so a silent redefinition would
/// take effect in some calls and not others; `(defstruct tree ...)` would quietly replace
/// `copy-tree` with its copier. The error offers a CONTINUE restart that goes ahead anyway.
/// Local definitions (`flet`, `labels`, `macrolet`) of CL names are allowed: the compiler honours
/// the shadowing.
extension LispPackage {
    /// Set on COMMON-LISP once the prelude has been loaded (`Runtime.lockStandardPackages`).
    nonisolated(unsafe) static var lockedPackages: Set<ObjectIdentifier> = []

    public var isLocked: Bool { LispPackage.lockedPackages.contains(ObjectIdentifier(self)) }
}

extension Runtime {
    static func lockStandardPackages(_ world: World) {
        LispPackage.lockedPackages.insert(ObjectIdentifier(world.cl))
    }

    /// Signals the lock violation for `symbol` when its home package is locked; returns when the
    /// package is not locked or the CONTINUE restart was taken.
    public func checkPackageLock(_ symbol: Symbol, _ action: @autoclosure () -> String) throws(Unwind) {
        guard let p = symbol.package, p.isLocked else { return }
        let c = makeCondition(StandardConditions.simplePackageError,
                              message: "Lock on package \(p.name) violated when \(action()).",
                              slots: ["PACKAGE": .object(p)])
        _ = try ConditionBuiltins.withRestart(self, name: "CONTINUE", report: "Ignore the package lock.") { () throws(Unwind) in
            try signalError(c)
        }
    }
}
