import Comm
import LispCore

/// Fast paths of the operations a server starts once per message, for calls compiled with
/// constant keywords (`defKeywordOperation(fast:)`).
///
/// Each handles the usual shape of its arguments (an async-io-state, an (unsigned-byte 8)
/// vector, function objects, fixnum bounds, only the keywords it knows given) straight from
/// the value stack, with the keyword positions found at compile time, and returns nil for
/// anything else: the general builtin then runs and reports any error. The general path
/// builds a `KeyArgs` and re-checks every keyword through it; on the echo server that glue
/// was about a tenth of the instructions per message.
enum HotOperations {
    /// A fixnum bound in `0...limit` at `slot`, `default` when not given; nil for anything
    /// else (NIL, out of range, not a fixnum: the general path decides).
    @inline(__always)
    static func bound(_ args: Args, _ slot: Int?, default d: Int, limit: Int) -> Int? {
        guard let i = slot else { return d }
        if case .fixnum(let n) = args.base[i], n >= 0, n <= limit { return n }
        return nil
    }

    /// An optional callback keyword, borrowed from its slot: `.some(nil)` when absent or NIL,
    /// `.some(f)` for a function object, nil for anything else (a symbol: the general path
    /// resolves it).
    @inline(__always)
    static func optionalFunction(_ args: Args, _ slot: Int?) -> Unmanaged<LispFunction>?? {
        guard let i = slot else { return .some(nil) }
        let p = args.base + i
        if let f = p.borrowedFunction { return .some(f) }
        if case .null = p.pointee { return .some(nil) }
        return nil
    }

    // The objects below are borrowed from the argument slots (`BorrowedReads.swift`), which
    // keep them for the call: per message that saved a retain and an enum destroy for each
    // of the state, the buffer and the callbacks.

    // keys0: START END TIMEOUT ERROR-CALLBACK USER-INFO
    private static let timeoutOrUserInfo0: UInt64 = 0xFF << 16 | 0xFF << 32

    /// `(async-io-state-write-buffer state octets #'callback [:start s] [:end e] [:error-callback #'f])`.
    static func writeBuffer(_ d: Driver) -> (Runtime, Args, UInt64) throws(Unwind) -> Value? {
        return { rt, args, positions throws(Unwind) in
            guard positions & timeoutOrUserInfo0 == 0,
                  let state = args.base.borrowedState,
                  let octets = (args.base + 1).borrowedBytes,
                  let callback = (args.base + 2).borrowedFunction,
                  let errorFunction = optionalFunction(args, preparsedKeywordSlot(positions, 3, from: 3)) else { return nil }
            let count = octets._withUnsafeGuaranteedRef { $0.count }
            guard let start = bound(args, preparsedKeywordSlot(positions, 0, from: 3), default: 0, limit: count),
                  let end = bound(args, preparsedKeywordSlot(positions, 1, from: 3), default: count, limit: count),
                  start <= end else { return nil }
            return try withGuaranteed(state) { (st) throws(Unwind) -> Value? in
                let c = callback._withUnsafeGuaranteedRef { st.callbacks.write.get($0, d.stateBufferCallback) }
                let ec = errorFunction.map { f in f._withUnsafeGuaranteedRef { st.callbacks.writeError.get($0, d.stateBufferCallback) } }
                do throws(CommUsageError) {
                    try withGuaranteed(octets) { (buffer) throws(CommUsageError) in
                        try st.state.writeBuffer(buffer, start: start, end: end, callback: c, errorCallback: ec)
                    }
                } catch { try OperationBuiltins.usage(rt, "ASYNC-IO-STATE-WRITE-BUFFER", error) }
                return .null
            }
        }
    }

    // keys1: TIMEOUT MAX-READ ERROR-CALLBACK USER-INFO ELEMENT-TYPE
    private static let timeoutMaxReadOrUserInfo1: UInt64 = 0xFF | 0xFF << 8 | 0xFF << 24

    /// `(async-io-state-read-with-checking state #'callback [:error-callback #'f]
    /// [:element-type '(unsigned-byte 8) or 'base-char])`, with the element type the state
    /// already reads in (a change installs a new buffer factory: the general path).
    static func readWithChecking(_ d: Driver) -> (Runtime, Args, UInt64) throws(Unwind) -> Value? {
        let cl = World.shared.cl
        let baseChar = cl.internExternal("BASE-CHAR"), character = cl.internExternal("CHARACTER")
        let unsignedByte = cl.internExternal("UNSIGNED-BYTE")
        return { rt, args, positions throws(Unwind) in
            guard positions & timeoutMaxReadOrUserInfo1 == 0,
                  let state = args.base.borrowedState,
                  let callback = (args.base + 1).borrowedFunction,
                  let errorFunction = optionalFunction(args, preparsedKeywordSlot(positions, 2, from: 2)) else { return nil }
            var elements = CheckingElements.characters
            if let i = preparsedKeywordSlot(positions, 4, from: 2) {
                switch args.base[i] {
                case .symbol(let s) where s === baseChar || s === character: elements = .characters
                case .cons(let c):
                    guard case .symbol(let s) = c.car, s === unsignedByte, case .cons(let c2) = c.cdr,
                          case .fixnum(8) = c2.car, c2.cdr.isNil else { return nil }
                    elements = .octets
                default: return nil
                }
            }
            return try withGuaranteed(state) { (st) throws(Unwind) -> Value? in
                // A read in progress is an error, a new element type a new buffer: the general path.
                guard st.checkingElements == elements, !st.state.isReading else { return nil }
                let c = callback._withUnsafeGuaranteedRef { st.callbacks.checking.get($0, d.stateBufferCallback) }
                let ec = errorFunction.map { f in f._withUnsafeGuaranteedRef { st.callbacks.checkingError.get($0, d.stateBufferCallback) } }
                do throws(CommUsageError) {
                    try st.state.readWithChecking(callback: c, errorCallback: ec)
                } catch { try OperationBuiltins.usage(rt, "ASYNC-IO-STATE-READ-WITH-CHECKING", error) }
                return .null
            }
        }
    }

    /// `(async-io-state-get-buffered-data state octets [:start s] [:end e])`.
    static func getBufferedData(_ rt: Runtime, _ args: Args, _ positions: UInt64) throws(Unwind) -> Value? {
        guard let state = args.base.borrowedState, let octets = (args.base + 1).borrowedBytes else { return nil }
        let count = octets._withUnsafeGuaranteedRef { $0.count }
        guard let start = bound(args, preparsedKeywordSlot(positions, 0, from: 2), default: 0, limit: count),
              let end = bound(args, preparsedKeywordSlot(positions, 1, from: 2), default: count, limit: count),
              start <= end else { return nil }
        do throws(CommUsageError) {
            return .fixnum(try withGuaranteed(state) { (st) throws(CommUsageError) in
                try withGuaranteed(octets) { (buffer) throws(CommUsageError) in
                    try st.state.getBufferedData(into: buffer, start: start, end: end)
                }
            })
        } catch { try OperationBuiltins.usage(rt, "ASYNC-IO-STATE-GET-BUFFERED-DATA", error) }
    }
}
