import Glibc

/// Base class of Lisp streams. Character I/O is in Unicode scalars; binary streams override the
/// byte methods. Subclasses: string streams, file-descriptor streams, broadcast/two-way streams,
/// and (in LispComm) socket streams.
open class LispStream: LispObject {
    open var isInput: Bool { false }
    open var isOutput: Bool { false }
    public var isOpen = true
    /// Current output column, for `fresh-line` and `~&`.
    public var column = 0
    /// Element type as a type specifier (CHARACTER or (UNSIGNED-BYTE 8)).
    open var elementType: Value { Value(World.shared.cl.internExternal("CHARACTER")) }

    open override var typeName: String { "STREAM" }

    // MARK: output
    open func writeChar(_ c: Unicode.Scalar) { writeString(String(Character(c))) }
    open func writeString(_ s: String) {
        for c in s.unicodeScalars { writeChar(c) }
    }
    open func writeByte(_ b: UInt8) throws(Unwind) {}
    open func finishOutput() {}

    /// Track the column after writing `s`.
    @inline(__always) public func advanceColumn(_ s: String) {
        if let nl = s.unicodeScalars.lastIndex(of: "\n") {
            column = s.unicodeScalars.distance(from: nl, to: s.unicodeScalars.endIndex) - 1
        } else {
            column += s.unicodeScalars.count
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
}

/// `make-string-output-stream` / `with-output-to-string`.
public final class StringOutputStream: LispStream {
    public var buffer = String.UnicodeScalarView()
    /// When writing into a string with a fill pointer (`with-output-to-string (s str)`).
    public var target: LispString?
    public override init() {}
    public init(target: LispString) { self.target = target }
    public override var isOutput: Bool { true }
    public override var typeName: String { "STRING-OUTPUT-STREAM" }
    public override var supertypeNames: [String] { ["STRING-STREAM", "STREAM"] }

    public override func writeChar(_ c: Unicode.Scalar) {
        if let t = target { t.append(c) } else { buffer.append(c) }
        if c == "\n" { column = 0 } else { column += 1 }
    }
    public override func writeString(_ s: String) {
        if let t = target { t.append(contentsOf: s) } else { buffer.append(contentsOf: s.unicodeScalars) }
        advanceColumn(s)
    }
    public var contents: String { String(buffer) }
    /// `get-output-stream-string`: return and clear.
    public func take() -> String {
        let s = String(buffer)
        buffer = String.UnicodeScalarView()
        column = 0
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
    public override var supertypeNames: [String] { ["STRING-STREAM", "STREAM"] }
    public override func readChar() -> Unicode.Scalar? {
        guard position < end else { return nil }
        position += 1
        return chars[position - 1]
    }
    public override func unreadChar(_ c: Unicode.Scalar) { if position > 0 { position -= 1 } }
    public override func peekChar() -> Unicode.Scalar? { position < end ? chars[position] : nil }
    public override func listen() -> Bool { position < end }
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
            column = 0
            if lineBuffered { finishOutput() }
        } else {
            column += 1
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
