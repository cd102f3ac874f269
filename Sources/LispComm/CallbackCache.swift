import Comm
import LispCore

/// The engine closures that call a state's Lisp callbacks, reused while the same Lisp functions
/// are passed again.
///
/// A server starts a read and a write per message, nearly always with the same functions
/// (`#'echo-read`, `#'echo-written` ...). Making fresh Swift closures each time cost an
/// allocation, several retains/releases and a free per operation; with this cache the
/// steady state makes none. The closures capture only the Lisp function and the driver: the
/// state comes from the engine's `AsyncIOState.bridgeObject` and the buffer from the storage
/// the engine hands back (`storageValue`), so nothing per operation is captured and nothing
/// here keeps the state alive (no cycle state -> cache -> closure -> state).
struct CallbackCache<Callback> {
    private var function: LispFunction?
    private var closure: Callback?

    /// The cached closure for `f`, or a new one from `make` (then cached).
    @inline(__always)
    mutating func get(_ f: LispFunction, _ make: (LispFunction) -> Callback) -> Callback {
        if let c = closure, function === f { return c }
        let c = make(f)
        function = f
        closure = c
        return c
    }
}

/// The per-state caches (one per kind of callback shape).
struct LispStateCallbacks {
    var checking = CallbackCache<ReadCallback>()
    var checkingError = CallbackCache<ReadCallback>()
    var write = CallbackCache<WriteCallback>()
    var writeError = CallbackCache<WriteCallback>()
    var message = CallbackCache<WriteCallback>()
    var messageError = CallbackCache<WriteCallback>()
}

extension AsyncIOState {
    /// The Lisp wrapper of this state (nil once closed and released).
    var lispState: LispState? {
        bridgeObject as? LispState
    }
}

/// Closures shared by all states, keyed by the Lisp function: a server passes the same
/// functions for every connection, so a new connection's first read and write reuse the
/// closures made for earlier connections instead of allocating its own (connect-heavy loads).
/// Bounded: cleared when it grows past `limit` distinct functions (closures stay valid).
struct SharedCallbackTable<Callback> {
    private var entries: [ObjectIdentifier: (function: LispFunction, closure: Callback)] = [:]
    private let limit = 256

    mutating func get(_ f: LispFunction, _ make: (LispFunction) -> Callback) -> Callback {
        let key = ObjectIdentifier(f)
        if let e = entries[key], e.function === f { return e.closure }
        if entries.count >= limit { entries.removeAll() }
        let c = make(f)
        entries[key] = (f, c)
        return c
    }
}

extension Driver {
    /// `(f state buffer n)` for read-with-checking and write-buffer callbacks (shared).
    func stateBufferCallback(_ f: LispFunction) -> (AsyncIOState, MutableByteStorage, Int) -> Void {
        sharedBufferCallbacks.get(f, makeStateBufferCallback)
    }

    /// `(f state)` for send-message callbacks (shared).
    func stateOnlyCallback(_ f: LispFunction) -> (AsyncIOState, MutableByteStorage, Int) -> Void {
        sharedStateOnlyCallbacks.get(f, makeStateOnlyCallback)
    }

    private func makeStateBufferCallback(_ f: LispFunction) -> (AsyncIOState, MutableByteStorage, Int) -> Void {
        return { [unowned self] s, b, n in
            guard let st = s.lispState else { return }
            let sv = Value.object(st)
            runCallback(st.collection, sv) { () throws(Unwind) in _ = try call3(f, sv, storageValue(b), .fixnum(n)) }
        }
    }

    private func makeStateOnlyCallback(_ f: LispFunction) -> (AsyncIOState, MutableByteStorage, Int) -> Void {
        return { [unowned self] s, _, _ in
            guard let st = s.lispState else { return }
            let sv = Value.object(st)
            runCallback(st.collection, sv) { () throws(Unwind) in _ = try rt.funcall(f, sv) }
        }
    }
}
