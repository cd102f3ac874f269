/// Streams library: format helpers, composite streams, file streams (registered from OutputLibrary).
enum StreamsLibrary {
    static func register(_ rt: Runtime) {
        // (sys::%format-tail stream control args) -> unconsumed args (used by FORMATTER).
        rt.defN("%FORMAT-TAIL", 3, 3, in: rt.world.system) { rt, args throws(Unwind) in
            let stream = try PrintBuiltins.outStream(rt, args[0])
            let ctl = try rt.lispString(args[1]).string
            let f = FormatInterpreter(rt: rt, control: ctl, column: stream.column)
            let rest = try f.run(args[2].listArray)
            stream.writeString(f.out)
            return listFrom(Array(rest.items[min(rest.pos, rest.items.count)...]))
        }
    }
}
