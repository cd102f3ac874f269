/// Hash tables, structures, arrays, LOOP, type functions: registration of this library area's builtins.
enum DataLibrary {
    static func register(_ rt: Runtime) {
        HashTableLibrary.register(rt)
        ArrayLibrary.register(rt)
        LoopLibrary.register(rt)
        TypeFunctions.register(rt)
        StructureLibrary.register(rt)
        SlotAccess.register(rt)
    }
}
