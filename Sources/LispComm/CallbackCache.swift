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
/// The engine's callback shape for `(f state buffer n)` callbacks (read, write and message
/// completions all share it).
typealias EngineCallback = (AsyncIOState, MutableByteStorage, Int) -> Void

/// Not generic on purpose: a closure kept in a generic container is stored at the most general
/// abstraction, so every `get` would wrap it in a freshly allocated reabstraction thunk (two
/// mallocs per message, and two more thunk layers on every call). A concrete closure type
/// avoids both.
struct CallbackCache {
    private var function: LispFunction?
    private var closure: EngineCallback?

    /// The cached closure for `f`, or a new one from `make` (then cached).
    @inline(__always)
    mutating func get(_ f: LispFunction, _ make: (LispFunction) -> EngineCallback) -> EngineCallback {
        if let c = closure, function === f { return c }
        let c = make(f)
        function = f
        closure = c
        return c
    }
}

/// The per-state caches (one per kind of callback shape).
struct LispStateCallbacks {
    var checking = CallbackCache()
    var checkingError = CallbackCache()
    var write = CallbackCache()
    var writeError = CallbackCache()
    var message = CallbackCache()
    var messageError = CallbackCache()
}

extension AsyncIOState {
    /// The Lisp wrapper of this state (nil once closed and released). The bridge is the only
    /// code that sets `bridgeObject`, and it always sets a `LispState`, so the check is a
    /// plain class-identity test rather than a general dynamic cast.
    @inline(__always)
    var lispState: LispState? {
        guard let o = bridgeObject else { return nil }
        if type(of: o) == LispState.self { return unsafeDowncast(o, to: LispState.self) }
        return o as? LispState
    }
}

/// Closures shared by all states, keyed by the Lisp function: a server passes the same
/// functions for every connection, so a new connection's first read and write reuse the
/// closures made for earlier connections instead of allocating its own (connect-heavy loads).
/// Bounded: cleared when it grows past `limit` distinct functions (closures stay valid).
struct SharedCallbackTable {
    /// A class entry keeps the closure at its concrete type (see `CallbackCache`).
    private final class Entry {
        let function: LispFunction
        let closure: EngineCallback
        init(_ f: LispFunction, _ c: @escaping EngineCallback) { function = f; closure = c }
    }
    private var entries: [ObjectIdentifier: Entry] = [:]
    private let limit = 256

    mutating func get(_ f: LispFunction, _ make: (LispFunction) -> EngineCallback) -> EngineCallback {
        let key = ObjectIdentifier(f)
        if let e = entries[key], e.function === f { return e.closure }
        if entries.count >= limit { entries.removeAll() }
        let c = make(f)
        entries[key] = Entry(f, c)
        return c
    }
}

extension Driver {
    /// `(f state buffer n)` for read-with-checking and write-buffer callbacks (shared).
    func stateBufferCallback(_ f: LispFunction) -> EngineCallback {
        sharedBufferCallbacks.get(f, makeStateBufferCallback)
    }

    /// `(f state)` for send-message callbacks (shared).
    func stateOnlyCallback(_ f: LispFunction) -> EngineCallback {
        sharedStateOnlyCallbacks.get(f, makeStateOnlyCallback)
    }

    // The closures hold the driver strongly (it lives as long as the process, so the cycle
    // driver -> table -> closure -> driver costs nothing) and only forward to a method: inside
    // the method `self` is a guaranteed reference. An unowned(unsafe) capture looked free but
    // turned every use of `self` in the closure into an atomic retain plus a release.
    private func makeStateBufferCallback(_ f: LispFunction) -> EngineCallback {
        return { [self] s, b, n in deliverStateBuffer(f, s, b, n) }
    }

    /// `(f state buffer n)` under the callback policy: runCallback spelled out (enter, call,
    /// leave), with no closure context to capture the arguments into.
    private func deliverStateBuffer(_ f: LispFunction, _ s: AsyncIOState, _ b: MutableByteStorage, _ n: Int) {
        guard let st = s.lispState else { return }
        if type(of: b) == GeneralVectorStorage.self, let g = b as? GeneralVectorStorage, g.refreshesBeforeCallbacks { g.copyBack(0, n) }
        // The context names the state and collection unretained (no Value wrapper, no local
        // holding the collection): `st` is alive for the call and holds its collection.
        let entry = enterCallback(CallbackContext(collection: st.collection, objectRef: st))
        do throws(Unwind) {
            _ = try call3(f, .object(st), storageValue(b), .fixnum(n))
        } catch {
            callbackExited(st.collection, error)
        }
        leaveCallback(entry)
    }

    private func makeStateOnlyCallback(_ f: LispFunction) -> EngineCallback {
        return { [self] s, _, _ in
            guard let st = s.lispState else { return }
            let sv = Value.object(st)
            runCallback(st.collection, sv) { () throws(Unwind) in _ = try rt.funcall(f, sv) }
        }
    }
}
