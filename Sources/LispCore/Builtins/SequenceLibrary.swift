/// Lists (beyond the core), sequences, strings and characters: registration of this library area's builtins.
enum SequenceLibrary {
    static func register(_ rt: Runtime) {
    }
}
