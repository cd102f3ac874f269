/// Lists (beyond the core), sequences, strings and characters: registration of this library area's builtins.
enum SequenceLibrary {
    static func register(_ rt: Runtime) {
        CharactersLibrary.register(rt)
        ListsLibrary.register(rt)
        SequencesLibrary.register(rt)
        SequencesSort.register(rt)
        StringsLibrary.register(rt)
        SequencesCoerce.register(rt)
    }
}
