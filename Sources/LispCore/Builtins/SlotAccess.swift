/// `slot-value` and its relatives on the objects that have named slots without CLOS:
/// structure instances and conditions. This is what `with-slots` expands into and what a
/// `define-condition` `:report` function usually calls.
///
/// Structure slots are always bound; a condition slot with no initarg given and no initform is
/// unbound (`unbound-slot`). A name that is not a slot of the object is an error naming the
/// operation, the slot and the object, as SBCL's default `slot-missing` reports it.
enum SlotAccess {
    /// Where a slot lives: an index into a structure's slots, or a condition's slot table.
    enum Place {
        case structure(StructureObject, Int)
        case condition(LispCondition, Symbol)
    }

    static func register(_ rt: Runtime) {
        rt.def2("SLOT-VALUE") { rt, object, name throws(Unwind) in
            switch try place(rt, object, name, "read the slot's value (SLOT-VALUE)") {
            case .structure(let o, let i): return o.slots[i]
            case .condition(let c, let s):
                if let v = c.slots[s] { return v }
                try rt.signalError(rt.makeCondition(StandardConditions.unboundSlot,
                    message: "The slot \(rt.printString(name)) is unbound in the object \(rt.printString(object)).",
                    slots: ["NAME": name, "INSTANCE": object]))
            }
        }
        rt.defSetf("SLOT-VALUE", 3, 3) { rt, args throws(Unwind) in
            let new = args[0]
            switch try place(rt, args[1], args[2], "set the slot's value to \(rt.printString(new)) (SETF of SLOT-VALUE)") {
            case .structure(let o, let i):
                try o.type.checkSlot(rt, i, new)
                o.slots[i] = new
            case .condition(let c, let s): c.slots[s] = new
            }
            return new
        }
        rt.def2("SLOT-BOUNDP") { rt, object, name throws(Unwind) in
            switch try place(rt, object, name, "test to see if the slot is bound (SLOT-BOUNDP)") {
            case .structure: return .t
            case .condition(let c, let s): return .bool(c.slots[s] != nil)
            }
        }
        rt.def2("SLOT-EXISTS-P") { rt, object, name throws(Unwind) in
            .bool(try lookup(object, try rt.symbol(name)) != nil)
        }
        rt.def2("SLOT-MAKUNBOUND") { rt, object, name throws(Unwind) in
            switch try place(rt, object, name, "make the slot unbound (SLOT-MAKUNBOUND)") {
            case .structure:
                try rt.simpleError2("The slots of a structure are always bound: \(rt.printString(name)) of \(rt.printString(object)).")
            case .condition(let c, let s): c.slots[s] = nil
            }
            return object
        }
    }

    /// The slot `name` of `object`, or nil when it has no such slot.
    static func lookup(_ object: Value, _ name: Symbol) throws(Unwind) -> Place? {
        guard case .object(let o) = object else { return nil }
        if let s = o as? StructureObject {
            return s.type.slotNames.firstIndex(where: { $0 === name }).map { .structure(s, $0) }
        }
        if let c = o as? LispCondition, c.cls.allSlots.contains(where: { $0.name === name }) {
            return .condition(c, name)
        }
        return nil
    }

    static func place(_ rt: Runtime, _ object: Value, _ name: Value, _ operation: @autoclosure () -> String) throws(Unwind) -> Place {
        if let p = try lookup(object, try rt.symbol(name)) { return p }
        try rt.simpleError2("When attempting to \(operation()), the slot \(rt.printString(name)) is missing from the object \(rt.printString(object)).")
    }
}
