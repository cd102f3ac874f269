import Glibc

/// Base class of Lisp streams. Character I/O is in Unicode scalars; binary streams override the
/// byte methods. Subclasses: string streams, file-descriptor streams, broadcast/two-way streams,
/// and (in LispComm) socket streams.
open class LispStream: LispObject {
    open var isInput: Bool { false }
    open var isOutput: Bool { false }
    public var isOpen = true
    public var storedColumn = 0
    /// Current output column, for `fresh-line` and `~&`.
    open var column: Int {
        get { storedColumn }
        set { storedColumn = newValue }
    }
    /// Element type as a type specifier (CHARACTER or (UNSIGNED-BYTE 8)).
    open var elementType: Value { Value(World.shared.cl.internExternal("CHARACTER")) }

    open override var typeName: String { "STREAM" }

    // MARK: output
    /// Output streams override `writeChar` (and usually the others, for speed). The base does
    /// nothing: writers check `isOutput` first, and the two defaults must not call each other.
    open func writeChar(_ c: Unicode.Scalar) {}
    open func writeString(_ s: String) {
        for c in s.unicodeScalars { writeChar(c) }
    }
    open func writeByte(_ b: UInt8) throws(Unwind) {}
    /// Write `s[start..<end]` (streams override this to avoid building a Swift String).
    open func writeLispString(_ s: LispString, _ start: Int, _ end: Int) {
        for i in start..<end { writeChar(s[i]) }
    }
    open func finishOutput() {}
    /// FORCE-OUTPUT / FINISH-OUTPUT / CLOSE: like `finishOutput`, but a stream whose writes can
    /// fail (a socket) signals the failure here.
    open func finishOutputSignalling() throws(Unwind) { finishOutput() }

    /// Track the column after writing `s`.
    @inline(__always) public func advanceColumn(_ s: String) {
        if let nl = s.unicodeScalars.lastIndex(of: "\n") {
            storedColumn = s.unicodeScalars.distance(from: nl, to: s.unicodeScalars.endIndex) - 1
        } else {
            storedColumn += s.unicodeScalars.count
        }
    }

    // MARK: input
    /// Next character, or nil at end of file. May block (the host's driver runs while waiting).
    open func readChar() throws(Unwind) -> Unicode.Scalar? { nil }
    open func unreadChar(_ c: Unicode.Scalar) {}
    open func peekChar() throws(Unwind) -> Unicode.Scalar? {
        guard let c = try readChar() else { return nil }
        unreadChar(c)
        return c
    }
    /// Whether a character is available without blocking.
    open func listen() -> Bool { false }
    open func readByte() throws(Unwind) -> UInt8? { nil }
    open func clearInput() {}
    open func close() { isOpen = false }
    /// `file-position`: nil when the stream has no notion of position.
    open func filePosition() -> Int? { nil }
    /// Set the position; false when impossible.
    open func setFilePosition(_ p: Int) -> Bool { false }
    /// `file-length`: nil when unknown.
    open func fileLength() -> Int? { nil }
}

/// `make-string-output-stream` / `with-output-to-string`.
///
/// Characters accumulate in a malloc'd buffer of scalars owned by the stream: appending is a
/// capacity check and a store, with none of a Swift array's uniqueness checks or retains, which
/// matters because string streams are written one short string or character at a time.
public final class StringOutputStream: LispStream {
    /// `o` as a string output stream that is still open (nil otherwise): the exact class check
    /// the fast write paths use instead of a dynamic cast. A closed one goes to the general
    /// path, which signals.
    @inline(__always) public static func open(_ o: LispObject) -> StringOutputStream? {
        guard type(of: o) == StringOutputStream.self else { return nil }
        let so = unsafeDowncast(o, to: StringOutputStream.self)
        return so.isOpen ? so : nil
    }

    private var buf: UnsafeMutablePointer<Unicode.Scalar>
    private var cap: Int
    /// Number of characters written since creation or the last `take`.
    public private(set) var count = 0
    /// When writing into a string with a fill pointer (`with-output-to-string (s str)`).
    public var target: LispString?

    public override init() {
        cap = 64
        buf = StringOutputStream.allocate(cap)
    }
    public init(target: LispString) {
        self.target = target
        cap = 0
        buf = StringOutputStream.allocate(0)
    }
    deinit { free(buf) }

    public override var isOutput: Bool { true }
    public override var typeName: String { "STRING-OUTPUT-STREAM" }
    public override var typePackage: String { "SYSTEM" }
    public override var supertypeNames: [String] { ["STRING-STREAM", "STREAM"] }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<Unicode.Scalar> {
        guard let p = malloc(max(n, 1) * MemoryLayout<Unicode.Scalar>.stride) else { fatalError("string stream: out of memory") }
        return p.bindMemory(to: Unicode.Scalar.self, capacity: max(n, 1))
    }
    /// Room for `n` more characters (geometric growth; `Unicode.Scalar` is trivial, so realloc).
    @inline(__always) private func reserve(_ n: Int) {
        if count + n > cap { grow(count + n) }
    }
    @inline(never) private func grow(_ need: Int) {
        var c = max(cap, 16)
        while c < need { c *= 2 }
        guard let p = realloc(buf, c * MemoryLayout<Unicode.Scalar>.stride) else { fatalError("string stream: out of memory") }
        buf = p.bindMemory(to: Unicode.Scalar.self, capacity: c)
        cap = c
    }

    public override func writeChar(_ c: Unicode.Scalar) {
        if let t = target { t.append(c) } else {
            reserve(1)
            buf[count] = c
            count += 1
        }
        if c == "\n" { storedColumn = 0 } else { storedColumn += 1 }
    }
    public override func writeString(_ s: String) {
        if let t = target { t.append(contentsOf: s) } else {
            for c in s.unicodeScalars { reserve(1); buf[count] = c; count += 1 }
        }
        advanceColumn(s)
    }
    public override func writeLispString(_ s: LispString, _ start: Int, _ end: Int) {
        guard target == nil else { super.writeLispString(s, start, end); return }
        let n = end - start
        if n <= 0 { return }
        reserve(n)
        let dst = buf + count
        var col = storedColumn
        // Read the source through a buffer pointer: indexing `s.bytes` per character would
        // re-fetch (and retain) the array on every iteration.
        if s.isBase {
            s.bytes.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let b = src[start + i]
                    dst[i] = Unicode.Scalar(b)
                    col = b == 10 ? 0 : col + 1
                }
            }
        } else {
            s.scalars.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let c = src[start + i]
                    dst[i] = c
                    col = c == "\n" ? 0 : col + 1
                }
            }
        }
        count += n
        storedColumn = col
    }
    /// Append characters built elsewhere (FORMAT's fast path); only for streams without `target`.
    public func writeScalars(_ s: [Unicode.Scalar]) {
        let n = s.count
        reserve(n)
        s.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { (buf + count).update(from: b, count: n) }
        }
        count += n
        if let nl = s.lastIndex(of: "\n") { storedColumn = n - nl - 1 } else { storedColumn += n }
    }
    /// The characters written so far.
    public var activeScalars: UnsafeBufferPointer<Unicode.Scalar> { UnsafeBufferPointer(start: buf, count: count) }
    public var contents: String { String(String.UnicodeScalarView(activeScalars)) }
    public override func filePosition() -> Int? { target?.count ?? count }
    /// `get-output-stream-string`: return and clear.
    public func take() -> String {
        let s = contents
        count = 0
        storedColumn = 0
        return s
    }
    /// `get-output-stream-string` as a Lisp string, without going through a Swift String.
    public func takeLispString() -> LispString {
        let s = LispString(scalars: Array(activeScalars))
        count = 0
        storedColumn = 0
        return s
    }
}

/// `make-string-input-stream` / `with-input-from-string`.
public final class StringInputStream: LispStream {
    let chars: [Unicode.Scalar]
    public var position: Int
    let end: Int
    public init(_ s: String, start: Int = 0, end: Int? = nil) {
        chars = Array(s.unicodeScalars)
        position = start
        self.end = end ?? chars.count
    }
    public override var isInput: Bool { true }
    public override var typeName: String { "STRING-INPUT-STREAM" }
    public override var typePackage: String { "SYSTEM" }
    public override var supertypeNames: [String] { ["STRING-STREAM", "STREAM"] }
    public override func readChar() -> Unicode.Scalar? {
        guard position < end else { return nil }
        position += 1
        return chars[position - 1]
    }
    public override func unreadChar(_ c: Unicode.Scalar) { if position > 0 { position -= 1 } }
    public override func peekChar() -> Unicode.Scalar? { position < end ? chars[position] : nil }
    public override func listen() -> Bool { position < end }
    public override func filePosition() -> Int? { position }
    public override func setFilePosition(_ p: Int) -> Bool {
        guard p >= 0, p <= end else { return false }
        position = p
        return true
    }
}

/// A buffered stream over a file descriptor (stdin, stdout, stderr, files).
public final class FDStream: LispStream {
    public let fd: Int32
    let input: Bool
    let output: Bool
    var outBuf: [UInt8] = []
    var inBuf: [UInt8] = []
    var inPos = 0
    var pushback: [Unicode.Scalar] = []
    var eof = false
    /// Flush after every newline (interactive terminals).
    public var lineBuffered: Bool
    public let binary: Bool
    public var name: String
    /// Called while waiting for input so the event driver keeps running (set by the host).
    public var waitForInput: ((Int32) -> Void)?

    public init(fd: Int32, input: Bool, output: Bool, name: String, binary: Bool = false) {
        self.fd = fd
        self.input = input
        self.output = output
        self.name = name
        self.binary = binary
        lineBuffered = isatty(fd) != 0
    }

    public override var isInput: Bool { input }
    public override var isOutput: Bool { output }
    public override var typeName: String { "FD-STREAM" }
    public override var typePackage: String { "SYSTEM" }
    public override var supertypeNames: [String] { ["FILE-STREAM", "STREAM"] }
    public override var elementType: Value {
        binary ? list(.symbol(World.shared.cl.internExternal("UNSIGNED-BYTE")), .fixnum(8))
            : Value(World.shared.cl.internExternal("CHARACTER"))
    }
    public override func printUnreadable() -> String { "FD-STREAM for \"\(name)\"" }

    public override func writeChar(_ c: Unicode.Scalar) {
        if c.value < 0x80 {
            outBuf.append(UInt8(c.value))
        } else {
            outBuf.append(contentsOf: Array(String(Character(c)).utf8))
        }
        if c == "\n" {
            storedColumn = 0
            if lineBuffered { finishOutput() }
        } else {
            storedColumn += 1
        }
        if outBuf.count >= 65536 { finishOutput() }
    }

    public override func writeString(_ s: String) {
        outBuf.append(contentsOf: s.utf8)
        advanceColumn(s)
        if (lineBuffered && s.utf8.contains(10)) || outBuf.count >= 65536 { finishOutput() }
    }

    public override func writeByte(_ b: UInt8) {
        outBuf.append(b)
        if outBuf.count >= 65536 { finishOutput() }
    }

    public override func finishOutput() {
        var off = 0
        while off < outBuf.count {
            let n = outBuf.withUnsafeBytes { p in Glibc.write(fd, p.baseAddress! + off, p.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pfd, 1, -1)
                    continue
                }
                break
            }
            off += n
        }
        outBuf.removeAll(keepingCapacity: true)
    }

    /// Refill the input buffer; false at end of file.
    func fill() -> Bool {
        if eof { return false }
        waitForInput?(fd)
        inBuf.removeAll(keepingCapacity: true)
        inPos = 0
        var tmp = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = tmp.withUnsafeMutableBytes { p in Glibc.read(fd, p.baseAddress!, p.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&pfd, 1, -1)
                    continue
                }
                eof = true
                return false
            }
            if n == 0 { eof = true; return false }
            inBuf.append(contentsOf: tmp[0..<n])
            return true
        }
    }

    public override func readByte() -> UInt8? {
        if inPos >= inBuf.count && !fill() { return nil }
        inPos += 1
        return inBuf[inPos - 1]
    }

    public override func readChar() -> Unicode.Scalar? {
        if let c = pushback.popLast() { return c }
        guard let b0 = readByte() else { return nil }
        if b0 < 0x80 { return Unicode.Scalar(b0) }
        // UTF-8 decode; invalid sequences become U+FFFD.
        var need = 0
        var cp: UInt32 = 0
        if b0 & 0xE0 == 0xC0 { need = 1; cp = UInt32(b0 & 0x1F) }
        else if b0 & 0xF0 == 0xE0 { need = 2; cp = UInt32(b0 & 0x0F) }
        else if b0 & 0xF8 == 0xF0 { need = 3; cp = UInt32(b0 & 0x07) }
        else { return "\u{FFFD}" }
        for _ in 0..<need {
            guard let b = readByte(), b & 0xC0 == 0x80 else { return "\u{FFFD}" }
            cp = cp << 6 | UInt32(b & 0x3F)
        }
        return Unicode.Scalar(cp) ?? "\u{FFFD}"
    }

    public override func unreadChar(_ c: Unicode.Scalar) { pushback.append(c) }

    public override func listen() -> Bool {
        if !pushback.isEmpty || inPos < inBuf.count { return true }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }

    public override func clearInput() {
        pushback.removeAll()
        inBuf.removeAll()
        inPos = 0
    }

    public override func close() {
        finishOutput()
        if fd > 2 { Glibc.close(fd) }
        isOpen = false
    }
}

// MARK: - composite streams

/// `make-broadcast-stream`: output goes to every component.
public final class BroadcastStream: LispStream {
    public let streams: [LispStream]
    public init(_ streams: [LispStream]) { self.streams = streams }
    public override var isOutput: Bool { true }
    public override var typeName: String { "BROADCAST-STREAM" }
    public override var supertypeNames: [String] { ["STREAM"] }
    public override var column: Int {
        get { streams.last?.column ?? storedColumn }
        set { storedColumn = newValue }
    }
    public override func writeChar(_ c: Unicode.Scalar) { for s in streams { s.writeChar(c) } }
    public override func writeString(_ s: String) { for st in streams { st.writeString(s) } }
    public override func writeByte(_ b: UInt8) throws(Unwind) { for s in streams { try s.writeByte(b) } }
    public override func finishOutput() { for s in streams { s.finishOutput() } }
    public override func filePosition() -> Int? { streams.last?.filePosition() ?? 0 }
    public override func fileLength() -> Int? { streams.last?.fileLength() ?? 0 }
}

/// `make-synonym-stream`: every operation goes to the current value of a special variable.
public final class SynonymStream: LispStream {
    public let symbol: Symbol
    public init(_ symbol: Symbol) { self.symbol = symbol }
    var target: LispStream? {
        if case .object(let o)? = symbol.value, let s = o as? LispStream { return s }
        return nil
    }
    public override var isInput: Bool { target?.isInput ?? false }
    public override var isOutput: Bool { target?.isOutput ?? false }
    public override var elementType: Value { target?.elementType ?? super.elementType }
    public override var typeName: String { "SYNONYM-STREAM" }
    public override var supertypeNames: [String] { ["STREAM"] }
    public override func printUnreadable() -> String { "SYNONYM-STREAM :SYMBOL \(symbol.name)" }
    public override var column: Int {
        get { target?.column ?? 0 }
        set { target?.column = newValue }
    }
    public override func writeChar(_ c: Unicode.Scalar) { target?.writeChar(c) }
    public override func writeString(_ s: String) { target?.writeString(s) }
    public override func writeByte(_ b: UInt8) throws(Unwind) { try target?.writeByte(b) }
    public override func finishOutput() { target?.finishOutput() }
    public override func readChar() throws(Unwind) -> Unicode.Scalar? { try target?.readChar() }
    public override func unreadChar(_ c: Unicode.Scalar) { target?.unreadChar(c) }
    public override func peekChar() throws(Unwind) -> Unicode.Scalar? { try target?.peekChar() }
    public override func listen() -> Bool { target?.listen() ?? false }
    public override func readByte() throws(Unwind) -> UInt8? { try target?.readByte() }
    public override func clearInput() { target?.clearInput() }
    public override func filePosition() -> Int? { target?.filePosition() }
    public override func setFilePosition(_ p: Int) -> Bool { target?.setFilePosition(p) ?? false }
    public override func fileLength() -> Int? { target?.fileLength() }
}

/// `make-echo-stream`: input read from `input` is echoed to `output`.
public final class EchoStream: LispStream {
    public let input: LispStream
    public let output: LispStream
    var unread: [Unicode.Scalar] = []
    public init(input: LispStream, output: LispStream) { self.input = input; self.output = output }
    public override var isInput: Bool { true }
    public override var isOutput: Bool { true }
    public override var typeName: String { "ECHO-STREAM" }
    public override var supertypeNames: [String] { ["STREAM"] }
    public override var column: Int {
        get { output.column }
        set { output.column = newValue }
    }
    public override func writeChar(_ c: Unicode.Scalar) { output.writeChar(c) }
    public override func writeString(_ s: String) { output.writeString(s) }
    public override func writeByte(_ b: UInt8) throws(Unwind) { try output.writeByte(b) }
    public override func finishOutput() { output.finishOutput() }
    public override func readChar() throws(Unwind) -> Unicode.Scalar? {
        if let c = unread.popLast() { return c }
        guard let c = try input.readChar() else { return nil }
        output.writeChar(c)
        return c
    }
    public override func unreadChar(_ c: Unicode.Scalar) { unread.append(c) }
    public override func peekChar() throws(Unwind) -> Unicode.Scalar? {
        if let c = unread.last { return c }
        return try input.peekChar()
    }
    public override func listen() -> Bool { !unread.isEmpty || input.listen() }
    public override func readByte() throws(Unwind) -> UInt8? {
        guard let b = try input.readByte() else { return nil }
        try output.writeByte(b)
        return b
    }
}

/// `make-concatenated-stream`: reads from each component in turn.
public final class ConcatenatedStream: LispStream {
    public var streams: [LispStream]
    public init(_ streams: [LispStream]) { self.streams = streams }
    public override var isInput: Bool { true }
    public override var typeName: String { "CONCATENATED-STREAM" }
    public override var supertypeNames: [String] { ["STREAM"] }
    public override func readChar() throws(Unwind) -> Unicode.Scalar? {
        while let s = streams.first {
            if let c = try s.readChar() { return c }
            streams.removeFirst()
        }
        return nil
    }
    public override func unreadChar(_ c: Unicode.Scalar) { streams.first?.unreadChar(c) }
    public override func peekChar() throws(Unwind) -> Unicode.Scalar? {
        while let s = streams.first {
            if let c = try s.peekChar() { return c }
            streams.removeFirst()
        }
        return nil
    }
    public override func listen() -> Bool {
        while let s = streams.first {
            if s.listen() { return true }
            if s is StringInputStream { streams.removeFirst(); continue }
            return false
        }
        return false
    }
    public override func readByte() throws(Unwind) -> UInt8? {
        while let s = streams.first {
            if let b = try s.readByte() { return b }
            streams.removeFirst()
        }
        return nil
    }
}

// MARK: - file streams

/// Character encodings for file streams and the EXTERNAL-FORMAT package.
public enum CharEncoding {
    case utf8, latin1, ascii

    /// Encode, substituting `?` for unencodable characters when `replacement` is given, else nil.
    public func encode(_ s: some Sequence<Unicode.Scalar>, replacement: UInt8? = UInt8(ascii: "?")) -> [UInt8]? {
        var out: [UInt8] = []
        for c in s {
            switch self {
            case .utf8:
                let v = c.value
                if v < 0x80 { out.append(UInt8(v)) }
                else if v < 0x800 { out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F))) }
                else if v < 0x10000 {
                    out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                    out.append(UInt8(0x80 | (v & 0x3F)))
                } else {
                    out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                    out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
                }
            case .latin1, .ascii:
                let limit: UInt32 = self == .ascii ? 128 : 256
                if c.value < limit { out.append(UInt8(c.value)) }
                else if let r = replacement { out.append(r) } else { return nil }
            }
        }
        return out
    }

    /// Decode bytes; invalid UTF-8 becomes U+FFFD (or nil without `lenient`).
    public func decode(_ b: ArraySlice<UInt8>, lenient: Bool = true) -> [Unicode.Scalar]? {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(b.count)
        switch self {
        case .latin1:
            for x in b { out.append(Unicode.Scalar(x)) }
        case .ascii:
            for x in b {
                if x < 128 { out.append(Unicode.Scalar(x)) } else if lenient { out.append("\u{FFFD}") } else { return nil }
            }
        case .utf8:
            var i = b.startIndex
            while i < b.endIndex {
                let b0 = b[i]
                if b0 < 0x80 { out.append(Unicode.Scalar(b0)); i += 1; continue }
                var need = 0
                var cp: UInt32 = 0
                if b0 & 0xE0 == 0xC0 { need = 1; cp = UInt32(b0 & 0x1F) }
                else if b0 & 0xF0 == 0xE0 { need = 2; cp = UInt32(b0 & 0x0F) }
                else if b0 & 0xF8 == 0xF0 { need = 3; cp = UInt32(b0 & 0x07) }
                else { if !lenient { return nil }; out.append("\u{FFFD}"); i += 1; continue }
                var ok = i + need < b.endIndex
                if ok {
                    for k in 1...need {
                        let x = b[i + k]
                        if x & 0xC0 != 0x80 { ok = false; break }
                        cp = cp << 6 | UInt32(x & 0x3F)
                    }
                }
                let minCp: UInt32 = need == 1 ? 0x80 : (need == 2 ? 0x800 : 0x10000)
                if ok, cp >= minCp, let sc = Unicode.Scalar(cp) { out.append(sc); i += need + 1 }
                else { if !lenient { return nil }; out.append("\u{FFFD}"); i += 1 }
            }
        }
        return out
    }
}

/// A stream on an open file (`open`, `with-open-file`): buffered, positionable, character
/// (UTF-8 / Latin-1 / ASCII) or binary ((unsigned-byte 8)).
public final class FileStream: LispStream {
    public let fd: Int32
    public let path: String
    let input: Bool
    let output: Bool
    public let binary: Bool
    public let encoding: CharEncoding
    var outBuf: [UInt8] = []
    var inBuf: [UInt8] = []
    var inPos = 0
    var pushback: [(Unicode.Scalar, Int)] = []   // char and its byte length
    /// Byte position of the start of inBuf in the file (valid when inBuf is non-empty).
    var inBase = 0
    /// OPEN created the file (CLOSE :ABORT T deletes it).
    public var createdNew = false

    public init(fd: Int32, path: String, input: Bool, output: Bool, binary: Bool, encoding: CharEncoding) {
        self.fd = fd
        self.path = path
        self.input = input
        self.output = output
        self.binary = binary
        self.encoding = encoding
    }

    public override var isInput: Bool { input }
    public override var isOutput: Bool { output }
    public override var typeName: String { "FD-STREAM" }
    public override var typePackage: String { "SYSTEM" }
    public override var supertypeNames: [String] { ["FILE-STREAM", "STREAM"] }
    public override var elementType: Value {
        binary ? list(.symbol(World.shared.cl.internExternal("UNSIGNED-BYTE")), .fixnum(8))
            : Value(World.shared.cl.internExternal("CHARACTER"))
    }
    public override func printUnreadable() -> String { "FD-STREAM for \"file \(path)\"" }

    /// Discard read-ahead so the OS position equals the logical position.
    func syncForWrite() {
        if !inBuf.isEmpty || !pushback.isEmpty {
            let pos = logicalInputPosition()
            inBuf.removeAll(); inPos = 0; pushback.removeAll()
            lseek(fd, off_t(pos), SEEK_SET)
        }
    }
    func logicalInputPosition() -> Int {
        let pb = pushback.reduce(0) { $0 + $1.1 }
        if inBuf.isEmpty { return Int(lseek(fd, 0, SEEK_CUR)) - pb }
        return inBase + inPos - pb
    }

    public override func writeChar(_ c: Unicode.Scalar) {
        syncForWrite()
        if c.value < 0x80 { outBuf.append(UInt8(c.value)) }
        else { outBuf.append(contentsOf: encoding.encode(CollectionOfOne(c))!) }
        if c == "\n" { storedColumn = 0 } else { storedColumn += 1 }
        if outBuf.count >= 65536 { finishOutput() }
    }
    public override func writeString(_ s: String) {
        syncForWrite()
        if encoding == .utf8 { outBuf.append(contentsOf: s.utf8) }
        else { outBuf.append(contentsOf: encoding.encode(s.unicodeScalars)!) }
        advanceColumn(s)
        if outBuf.count >= 65536 { finishOutput() }
    }
    public override func writeByte(_ b: UInt8) throws(Unwind) {
        syncForWrite()
        outBuf.append(b)
        if outBuf.count >= 65536 { finishOutput() }
    }
    public override func finishOutput() {
        var off = 0
        while off < outBuf.count {
            let n = outBuf.withUnsafeBytes { p in Glibc.write(fd, p.baseAddress! + off, p.count - off) }
            if n < 0 { if errno == EINTR { continue }; break }
            off += n
        }
        outBuf.removeAll(keepingCapacity: true)
    }

    func fill() -> Bool {
        if !outBuf.isEmpty { finishOutput() }
        inBase = Int(lseek(fd, 0, SEEK_CUR))
        inBuf.removeAll(keepingCapacity: true)
        inPos = 0
        var tmp = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = tmp.withUnsafeMutableBytes { p in Glibc.read(fd, p.baseAddress!, p.count) }
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { return false }
            inBuf.append(contentsOf: tmp[0..<n])
            return true
        }
    }
    public override func readByte() -> UInt8? {
        if inPos >= inBuf.count && !fill() { return nil }
        inPos += 1
        return inBuf[inPos - 1]
    }
    public override func readChar() -> Unicode.Scalar? {
        if let (c, _) = pushback.popLast() { return c }
        return readCharRaw()?.0
    }
    func readCharRaw() -> (Unicode.Scalar, Int)? {
        guard let b0 = readByte() else { return nil }
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        switch encoding {
        case .latin1: return (Unicode.Scalar(b0), 1)
        case .ascii: return ("\u{FFFD}", 1)
        case .utf8:
            var need = 0
            var cp: UInt32 = 0
            if b0 & 0xE0 == 0xC0 { need = 1; cp = UInt32(b0 & 0x1F) }
            else if b0 & 0xF0 == 0xE0 { need = 2; cp = UInt32(b0 & 0x0F) }
            else if b0 & 0xF8 == 0xF0 { need = 3; cp = UInt32(b0 & 0x07) }
            else { return ("\u{FFFD}", 1) }
            for k in 0..<need {
                guard let b = readByte() else { return ("\u{FFFD}", k + 1) }
                if b & 0xC0 != 0x80 { inPos -= 1; return ("\u{FFFD}", k + 1) }
                cp = cp << 6 | UInt32(b & 0x3F)
            }
            return (Unicode.Scalar(cp) ?? "\u{FFFD}", need + 1)
        }
    }
    public override func unreadChar(_ c: Unicode.Scalar) {
        let len = c.value < 0x80 || encoding != .utf8 ? 1 : String(Character(c)).utf8.count
        pushback.append((c, len))
    }
    public override func peekChar() -> Unicode.Scalar? {
        if let (c, _) = pushback.last { return c }
        guard let (c, n) = readCharRaw() else { return nil }
        pushback.append((c, n))
        return c
    }
    public override func listen() -> Bool {
        if !pushback.isEmpty || inPos < inBuf.count { return true }
        return fill()
    }
    public override func clearInput() {}

    public override func filePosition() -> Int? {
        if !outBuf.isEmpty { return Int(lseek(fd, 0, SEEK_CUR)) + outBuf.count }
        return logicalInputPosition()
    }
    public override func setFilePosition(_ p: Int) -> Bool {
        finishOutput()
        inBuf.removeAll(); inPos = 0; pushback.removeAll()
        return lseek(fd, off_t(p), SEEK_SET) >= 0
    }
    public override func fileLength() -> Int? {
        finishOutput()
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Int(st.st_size)
    }
    public override func close() {
        guard isOpen else { return }
        finishOutput()
        if fd >= 0 { Glibc.close(fd) }
        isOpen = false
    }
}
