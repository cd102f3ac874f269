/// The numeric tower's builtins (Sources/LispCore/Numbers): registration entry point.
enum NumberLibrary {
    static func register(_ rt: Runtime) {
        NumberBuiltins.register(rt)
    }
}
