import Comm
import Glibc
import LispCore

/// I/O operations on async-io-states (spec sections 5-8).
enum OperationBuiltins {
    static let keys0 = KeySet(["START", "END", "TIMEOUT", "ERROR-CALLBACK", "USER-INFO"])
    static let keys1 = KeySet(["TIMEOUT", "MAX-READ", "ERROR-CALLBACK", "USER-INFO", "ELEMENT-TYPE"])
    static let keys2 = KeySet(["TIMEOUT", "USER-INFO"])
    static let keys3 = KeySet(["START", "END", "TIMEOUT", "ERROR-CALLBACK", "NEEDS-ADDRESS", "USER-INFO"])
    static let keys4 = KeySet(["CLOSE-CALLBACK", "KEEP-ALIVE-P"])
    static let keys5 = KeySet(["ABORT", "CALLBACK"])
    static let keys6 = KeySet(["KEEP-ALIVE-P"])
    static let keys7 = KeySet(["START", "END"])
    /// The engine callback of a read-with-checking given NIL as its callback.
    static let ignoreRead: ReadCallback = { _, _, _ in }

    static func usage(_ rt: Runtime, _ fname: String, _ e: CommUsageError) throws(Unwind) -> Never {
        try commError(rt, fname, e.description)
    }

    /// Persisting keywords (:timeout, :user-info) are stored before the operation starts.
    /// `persist`'s keys: (TIMEOUT, USER-INFO) indices in each KeySet.
    static let persist0 = (keys0.key("TIMEOUT"), keys0.key("USER-INFO"))
    static let persist1 = (keys1.key("TIMEOUT"), keys1.key("USER-INFO"))
    static let persist2 = (keys2.key("TIMEOUT"), keys2.key("USER-INFO"))
    static let persist3 = (keys3.key("TIMEOUT"), keys3.key("USER-INFO"))
    static let errorCallback0 = keys0.key("ERROR-CALLBACK")
    static let errorCallback1 = keys1.key("ERROR-CALLBACK")
    static let maxRead1 = keys1.key("MAX-READ")
    static let elementType1 = keys1.key("ELEMENT-TYPE")

    static func persist(_ kw: KeyArgs, _ st: LispState, read: Bool, allowZero: Bool = false,
                        keys: (KeyArgs.Key, KeyArgs.Key)) throws(Unwind) {
        let (timeout, userInfo) = keys
        if kw.has(timeout) {
            let t = try kw.seconds(timeout, allowZero: allowZero)
            if read {
                st.state.readTimeout = t == 0 ? nil : t
                st.readTimeoutValue = kw[timeout]
            } else {
                st.state.writeTimeout = t == 0 ? nil : t
                st.writeTimeoutValue = kw[timeout]
            }
        }
        if kw.has(userInfo) { st.userInfo = kw[userInfo] }
    }

    static func register(_ rt: Runtime, _ d: Driver) {
        // Key sets, keys and constants as locals the closures capture: a closure reading a
        // static let calls swift_once every time (about 9 calls per echoed message).
        let keys0 = OperationBuiltins.keys0, keys1 = OperationBuiltins.keys1, keys2 = OperationBuiltins.keys2
        let keys3 = OperationBuiltins.keys3, keys4 = OperationBuiltins.keys4, keys5 = OperationBuiltins.keys5
        let keys6 = OperationBuiltins.keys6, keys7 = OperationBuiltins.keys7
        let persist0 = OperationBuiltins.persist0, persist1 = OperationBuiltins.persist1
        let persist2 = OperationBuiltins.persist2, persist3 = OperationBuiltins.persist3
        let errorCallback0 = OperationBuiltins.errorCallback0, errorCallback1 = OperationBuiltins.errorCallback1
        let maxRead1 = OperationBuiltins.maxRead1, elementType1 = OperationBuiltins.elementType1
        let ignoreRead = OperationBuiltins.ignoreRead
        let comm = World.shared.comm

        // MARK: read-buffer
        defKeywordOperation(rt, "ASYNC-IO-STATE-READ-BUFFER", positional: 3, keys: keys0, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-READ-BUFFER"
            let st = try rt.stateArg(args[0], fname)
            let bufVal = args[1]
            let buf = try bufferStorage(rt, bufVal, fname, forWrite: false)
            let (start, end) = try bufferRange(rt, kw, buf.count)
            let cb = try functionDesignator(rt, fname, "callback", args[2])
            let ecb = try kw.function(errorCallback0)
            try persist(kw, st, read: true, keys: persist0)
            let lc = st.collection
            let sv = Value.object(st)
            let needsCopy = !(buf is ByteVector || buf is BaseStringStorage)
            st.readBufferStart = start  // an abort-callback copies the partial read back from here
            func make(_ f: LispFunction) -> ReadCallback {
                return { [d] _, b, n in
                    if needsCopy { copyBack(b, start, start + n) }
                    d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.call3(f, sv, bufVal, .fixnum(n)) }
                }
            }
            do throws(CommUsageError) {
                try st.state.readBuffer(buf, start: start, end: end, callback: make(cb), errorCallback: ecb.map(make))
            } catch { try usage(rt, fname, error) }
            return .null
        }

        // MARK: read-with-checking
        let cl = World.shared.cl
        let baseChar = cl.internExternal("BASE-CHAR"), character = cl.internExternal("CHARACTER")
        let unsignedByte = cl.internExternal("UNSIGNED-BYTE"), signedByte = cl.internExternal("SIGNED-BYTE")
        defKeywordOperation(rt, "ASYNC-IO-STATE-READ-WITH-CHECKING", positional: 2, keys: keys1, in: comm,
                            fast: HotOperations.readWithChecking(d)) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-READ-WITH-CHECKING"
            let st = try rt.stateArg(args[0], fname)
            let cb = args[1].isNil ? nil : try functionDesignator(rt, fname, "callback", args[1])
            let ecb = try kw.function(errorCallback1)
            let maxRead = try kw.integer(maxRead1, min: 1)
            var elements = CheckingElements.characters
            if kw.has(elementType1) {
                let et = kw[elementType1]
                switch et {
                case .symbol(let s) where s === baseChar || s === character || s.name == "BASE-CHAR" || s.name == "CHARACTER":
                    elements = .characters
                case .cons(let c):
                    // Symbols by identity first (no string comparisons on the per-message path).
                    if case .symbol(let s) = c.car, s === unsignedByte || s === signedByte || s.name == "UNSIGNED-BYTE" || s.name == "SIGNED-BYTE",
                       case .cons(let c2) = c.cdr, case .fixnum(8) = c2.car, c2.cdr.isNil {
                        elements = s === signedByte || s.name == "SIGNED-BYTE" ? .signedOctets : .octets
                    } else { try kw.fail("ELEMENT-TYPE", et, "one of BASE-CHAR, (UNSIGNED-BYTE 8), (SIGNED-BYTE 8)") }
                default: try kw.fail("ELEMENT-TYPE", et, "one of BASE-CHAR, (UNSIGNED-BYTE 8), (SIGNED-BYTE 8)")
                }
            }
            if st.state.isReading { try usage(rt, fname, .readInProgress) }
            if st.checkingElements != elements {
                do throws(CommUsageError) { try st.state.setStorageFactory(elements.storageFactory) } catch { try usage(rt, fname, error) }
                st.checkingElements = elements
            }
            try persist(kw, st, read: true, keys: persist1)
            if let m = maxRead { st.state.maxRead = m }
            // Closures reused while the same functions come back (CallbackCache.swift). No
            // `let make = d.stateBufferCallback`: a method value stored in a local is an
            // allocated partial application on every call.
            var engineCallback: ReadCallback = ignoreRead
            if let f = cb { engineCallback = st.callbacks.checking.get(f, d.stateBufferCallback) }
            var engineError: ReadCallback?
            if let f = ecb { engineError = st.callbacks.checkingError.get(f, d.stateBufferCallback) }
            do throws(CommUsageError) {
                try st.state.readWithChecking(callback: engineCallback, errorCallback: engineError)
            } catch { try usage(rt, fname, error) }
            return .null
        }

        rt.defN("ASYNC-IO-STATE-FINISH", 1, 2, in: comm) { rt, args throws(Unwind) in
            let fname = "ASYNC-IO-STATE-FINISH"
            let st = try rt.stateArg(args[0], fname)
            var n: Int?
            if args.count > 1 && !args[1].isNil {
                guard case .fixnum(let k) = args[1], k >= 0 else { try argError(rt, fname, "discard", args[1], "NIL or a non-negative integer") }
                n = k
            }
            return .fixnum(st.state.finish(discard: n))
        }
        // (async-io-state-finish state), once per message in read-with-checking callbacks.
        registerGuardedUnaryInline(comm.internExternal("ASYNC-IO-STATE-FINISH")) { _, slot throws(Unwind) in
            guard let st = slot.borrowedState else { return nil }
            return .fixnum(st._withUnsafeGuaranteedRef { $0.state.finish(discard: nil) })
        }

        rt.defN("ASYNC-IO-STATE-DISCARD", 2, 2, in: comm) { rt, args throws(Unwind) in
            let fname = "ASYNC-IO-STATE-DISCARD"
            let st = try rt.stateArg(args[0], fname)
            guard case .fixnum(let k) = args[1], k >= 0 else { try argError(rt, fname, "discard", args[1], "a non-negative integer") }
            return .fixnum(st.state.discard(k))
        }

        // MARK: wait-for-input
        defKeywordOperation(rt, "ASYNC-IO-STATE-WAIT-FOR-INPUT", positional: 2, keys: keys2, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-WAIT-FOR-INPUT"
            let st = try rt.stateArg(args[0], fname)
            let cb = try functionDesignator(rt, fname, "callback", args[1])
            try persist(kw, st, read: true, keys: persist2)
            let lc = st.collection
            let sv = Value.object(st)
            do throws(CommUsageError) {
                try st.state.waitForInput { [d] _ in
                    d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.rt.funcall(cb, sv) }
                }
            } catch { try usage(rt, fname, error) }
            return .null
        }

        // MARK: receive-message
        defKeywordOperation(rt, "ASYNC-IO-STATE-RECEIVE-MESSAGE", positional: 3, keys: keys3, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-RECEIVE-MESSAGE"
            let st = try rt.stateArg(args[0], fname)
            let bufVal = args[1]
            let buf = try bufferStorage(rt, bufVal, fname, forWrite: false)
            let (start, end) = try bufferRange(rt, kw, buf.count)
            let cb = try functionDesignator(rt, fname, "callback", args[2])
            let ecb = try kw.function(errorCallback0)
            let needsAddress = kw.bool("NEEDS-ADDRESS", false)
            try persist(kw, st, read: true, allowZero: true, keys: persist3)
            let lc = st.collection
            let sv = Value.object(st)
            do throws(CommUsageError) {
                try st.state.receiveMessage(buf, start: start, end: end, callback: { [d] _, b, n, from in
                    copyBack(b, start, start + n)
                    d.runCallback(lc, sv) { () throws(Unwind) in
                        if needsAddress {
                            let ip = from.map { addressValue($0.ip) } ?? .null
                            let port = from.map { Value.fixnum(Int($0.port)) } ?? .null
                            _ = try d.rt.apply(cb, [sv, bufVal, .fixnum(n), ip, port])
                        } else {
                            _ = try d.call3(cb, sv, bufVal, .fixnum(n))
                        }
                    }
                }, errorCallback: ecb.map { f in { [d] _, _, n in
                    d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.call3(f, sv, bufVal, .fixnum(n)) }
                } })
            } catch { try usage(rt, fname, error) }
            return .null
        }

        // MARK: writes
        func startWrite(_ rt: Runtime, _ args: Args, _ kw: KeyArgs, fname: String, first: Int, message: Bool,
                        _ op: (LispState, MutableByteStorage, Int, Int, WriteCallback?, WriteCallback?) throws(CommUsageError) -> Void) throws(Unwind) -> Value {
            let st = try rt.stateArg(args[0], fname)
            let buf = try bufferStorage(rt, args[first], fname, forWrite: true)
            let (start, end) = try bufferRange(rt, kw, buf.count)
            let cb = args[first + 1].isNil ? nil : try functionDesignator(rt, fname, "callback", args[first + 1])
            let ecb = try kw.function(errorCallback0)
            try persist(kw, st, read: false, allowZero: message, keys: persist0)
            // Closures reused while the same functions come back (CallbackCache.swift); the
            // callback's buffer argument is the Lisp object behind the storage the engine returns.
            var c: WriteCallback?, ec: WriteCallback?
            if message {
                if let f = cb { c = st.callbacks.message.get(f, d.stateOnlyCallback) }
                if let f = ecb { ec = st.callbacks.messageError.get(f, d.stateOnlyCallback) }
            } else {
                if let f = cb { c = st.callbacks.write.get(f, d.stateBufferCallback) }
                if let f = ecb { ec = st.callbacks.writeError.get(f, d.stateBufferCallback) }
            }
            do throws(CommUsageError) {
                try op(st, buf, start, end, c, ec)
            } catch { try usage(rt, fname, error) }
            return .null
        }
        defKeywordOperation(rt, "ASYNC-IO-STATE-WRITE-BUFFER", positional: 3, keys: keys0, in: comm,
                            fast: HotOperations.writeBuffer(d)) { rt, args, kw throws(Unwind) in
            try startWrite(rt, args, kw, fname: "ASYNC-IO-STATE-WRITE-BUFFER", first: 1, message: false) { (st, b, s, e, c, ec) throws(CommUsageError) in
                try st.state.writeBuffer(b, start: s, end: e, callback: c, errorCallback: ec)
            }
        }
        defKeywordOperation(rt, "ASYNC-IO-STATE-SEND-MESSAGE", positional: 3, keys: keys0, in: comm) { rt, args, kw throws(Unwind) in
            try startWrite(rt, args, kw, fname: "ASYNC-IO-STATE-SEND-MESSAGE", first: 1, message: true) { (st, b, s, e, c, ec) throws(CommUsageError) in
                try st.state.sendMessage(b, start: s, end: e, callback: c, errorCallback: ec)
            }
        }
        defKeywordOperation(rt, "ASYNC-IO-STATE-SEND-MESSAGE-TO-ADDRESS", positional: 5, keys: keys0, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-SEND-MESSAGE-TO-ADDRESS"
            let st = try rt.stateArg(args[0], fname)
            let port = try servicePort(rt, fname, args[2], proto: "udp")
            let fam: Resolver.FamilyPreference = st.state.ipv6 ? .ipv6 : .ipv4
            guard let addr = try resolveHost(rt, fname, args[1], port, family: fam, udp: true).first else {
                try commError(rt, fname, "cannot resolve \(rt.printString(args[1]))")
            }
            return try startWrite(rt, args, kw, fname: fname, first: 3, message: true) { (st, b, s, e, c, ec) throws(CommUsageError) in
                try st.state.sendMessage(to: addr, b, start: s, end: e, callback: c, errorCallback: ec)
            }
        }

        // MARK: abort / shutdown / close
        func direction(_ rt: Runtime, _ fname: String, _ v: Value, _ def: IODirection) throws(Unwind) -> IODirection {
            if v.isNil { return def }
            if case .symbol(let s) = v, s.isKeyword {
                switch s.name {
                case "INPUT": return .input
                case "OUTPUT": return .output
                case "IO": return .both
                default: break
                }
            }
            try argError(rt, fname, "direction", v, "one of :INPUT, :OUTPUT, :IO")
        }

        rt.defN("ASYNC-IO-STATE-ABORT", 2, 3, in: comm) { rt, args throws(Unwind) in
            let fname = "ASYNC-IO-STATE-ABORT"
            let st = try rt.stateArg(args[0], fname)
            let cb = args[1].isNil ? nil : try functionDesignator(rt, fname, "abort-callback", args[1])
            let dir = try direction(rt, fname, args.get(2), .input)
            let lc = st.collection
            let sv = Value.object(st)
            st.state.abort(dir, callback: cb.map { f in { [d] _, op in
                d.runCallback(lc, sv) { () throws(Unwind) in
                    let rt = d.rt
                    switch op {
                    case nil:
                        switch dir {
                        case .input, .output:
                            // Nothing was active: (state nil ...) in the shape of that direction's callbacks.
                            _ = try d.call3(f, sv, .null, .null)
                        case .both: _ = try rt.funcall(f, sv)
                        }
                    case .readBuffer(let b, let n)?:
                        // A buffer read through a scratch copy shows the partial read.
                        copyBack(b, st.readBufferStart, st.readBufferStart + n)
                        _ = try d.call3(f, sv, storageValue(b), .fixnum(n))
                    case .readWithChecking(let b, let n)?:
                        copyBack(b, 0, n)  // a (signed-byte 8) buffer: refreshed as before a callback
                        _ = try d.call3(f, sv, storageValue(b), .fixnum(n))
                    case .receiveMessage(let b, let n)?, .write(let b, let n)?:
                        _ = try d.call3(f, sv, storageValue(b), .fixnum(n))
                    case .waitForInput?, .sendMessage?, .io?:
                        _ = try rt.funcall(f, sv)
                    }
                }
            } })
            return .null
        }

        defKeywordOperation(rt, "ASYNC-IO-STATE-ABORT-AND-CLOSE", positional: 1, keys: keys4, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-ABORT-AND-CLOSE"
            let st = try rt.stateArg(args[0], fname)
            let cb = try kw.function("CLOSE-CALLBACK")
            let lc = st.collection
            let sv = Value.object(st)
            st.state.abortAndClose(keepAlive: kw.bool("KEEP-ALIVE-P", false), closeCallback: cb.map { f in { [d] _ in
                d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.rt.funcall(f, sv) }
            } })
            return .null
        }

        defKeywordOperation(rt, "ASYNC-IO-STATE-SHUTDOWN", positional: 2, keys: keys5, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-SHUTDOWN"
            let st = try rt.stateArg(args[0], fname)
            let dir = try direction(rt, fname, args[1], .input)
            let cb = try kw.function("CALLBACK")
            let lc = st.collection
            let sv = Value.object(st)
            let outcome: AsyncIOState.ShutdownOutcome
            do throws(CommUsageError) {
                outcome = try st.state.shutdown(dir, abort: kw.bool("ABORT", false), callback: cb.map { f in { [d] _, r in
                    d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.rt.funcall(f, sv, r.map { .fixnum(Int($0)) } ?? .t) }
                } })
            } catch { try usage(rt, fname, error) }
            switch outcome {
            case .deferred: return .null
            case .done(nil): return .t
            case .done(let e?): return .fixnum(Int(e))
            }
        }

        defKeywordOperation(rt, "CLOSE-ASYNC-IO-STATE", positional: 1, keys: keys6, in: comm) { rt, args, kw throws(Unwind) in
            let fname = "CLOSE-ASYNC-IO-STATE"
            let st = try rt.stateArg(args[0], fname)
            return .fixnum(st.state.close(keepAlive: kw.bool("KEEP-ALIVE-P", false)))
        }

        defKeywordOperation(rt, "ASYNC-IO-STATE-GET-BUFFERED-DATA", positional: 2, keys: keys7, in: comm,
                            fast: HotOperations.getBufferedData) { rt, args, kw throws(Unwind) in
            let fname = "ASYNC-IO-STATE-GET-BUFFERED-DATA"
            let st = try rt.stateArg(args[0], fname)
            let buf = try bufferStorage(rt, args[1], fname, forWrite: false)
            let (start, end) = try bufferRange(rt, kw, buf.count)
            do throws(CommUsageError) {
                let n = try st.state.getBufferedData(into: buf, start: start, end: end)
                copyBack(buf, start, start + n)
                return .fixnum(n)
            } catch { try usage(rt, fname, error) }
        }

        rt.defN("ASYNC-IO-STATE-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            try addressValues(rt, try rt.stateArg(args[0], "ASYNC-IO-STATE-ADDRESS").state.localAddress)
        }
        rt.defN("ASYNC-IO-STATE-PEER-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            try addressValues(rt, try rt.stateArg(args[0], "ASYNC-IO-STATE-PEER-ADDRESS").state.peerAddress)
        }
        rt.defN("SOCKET-CONNECTION-PEER-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            switch args[0] {
            case .object(let o) where o is LispState: return try addressValues(rt, (o as! LispState).state.peerAddress)
            case .object(let o) where o is SocketStream:
                let fd = (o as! SocketStream).fd
                return try addressValues(rt, fd >= 0 ? Posix.peerAddress(fd) : nil)
            default: try argError(rt, "SOCKET-CONNECTION-PEER-ADDRESS", "socket-connection", args[0], "an ASYNC-IO-STATE or a SOCKET-STREAM")
            }
        }
    }
}

extension Driver {
    /// A three-argument call without building an argument array.
    @inline(__always)
    func call3(_ f: LispFunction, _ a: Value, _ b: __owned Value, _ c: __owned Value) throws(Unwind) -> Value {
        let base = rt.sp
        if base + 3 >= rt.stackEnd { try rt.stackExhausted() }
        // `store`: an immediate left in a slot is overwritten without the generic enum destroy.
        base.store(a)
        (base + 1).store(consume b)
        (base + 2).store(consume c)
        rt.sp = base + 3
        defer { rt.sp = base }
        return try rt.invoke(f, base, 3)
    }
}
