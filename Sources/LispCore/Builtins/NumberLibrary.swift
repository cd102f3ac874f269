/// The numeric tower's builtins: registration of this library area's builtins.
enum NumberLibrary {
    static func register(_ rt: Runtime) {
    }
}
