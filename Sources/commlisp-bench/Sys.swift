// Sys.swift -- small Glibc helpers: files, /proc readings, ports, paths, formatting.
import Glibc

func readFile(_ path: String, limit: Int = 64 << 20) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while data.count < limit {
        let r = read(fd, &buf, buf.count)
        if r < 0 { if errno == EINTR { continue }; return nil }
        if r == 0 { break }
        data.append(contentsOf: buf[0..<r])
    }
    return String(decoding: data, as: UTF8.self)
}

func writeFile(_ path: String, _ text: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
}

/// A NUL-terminated C buffer as a String.
func cBufferString(_ buf: [CChar]) -> String {
    String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

func mtime(_ path: String) -> Double? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
}

func dirname(_ path: String) -> String {
    guard let i = path.lastIndex(of: "/") else { return "." }
    return i == path.startIndex ? "/" : String(path[..<i])
}

func cwd() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "." }
    return cBufferString(buf)
}

func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : cwd() + "/" + path }

func selfExecutable() -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    guard n > 0 else { return nil }
    buf[n] = 0
    return cBufferString(buf)
}

func mkdirP(_ path: String) {
    var cur = ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        cur += "/" + part
        mkdir(cur, 0o755)
    }
}

/// Searches PATH for an executable.
func which(_ name: String) -> String? {
    if name.contains("/") { return isExecutable(name) ? name : nil }
    guard let p = getenv("PATH") else { return nil }
    for dir in String(cString: p).split(separator: ":") {
        let c = "\(dir)/\(name)"
        if isExecutable(c) { return c }
    }
    return nil
}

func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

/// Removes a directory tree created by the driver (flat: files plus one level of files).
func removeTree(_ path: String) {
    guard let d = opendir(path) else { unlink(path); return }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(d)
    for n in names {
        let p = path + "/" + n
        if unlink(p) != 0 { removeTree(p) }
    }
    rmdir(path)
}

/// Newest modification time of the files under a directory (recursive).
func newestMtime(under path: String) -> Double? {
    guard let d = opendir(path) else { return mtime(path) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(d)
    var best: Double? = nil
    for n in names {
        if let t = newestMtime(under: path + "/" + n) { best = max(best ?? t, t) }
    }
    return best
}

func countDirEntries(_ path: String) -> Int? {
    guard let d = opendir(path) else { return nil }
    defer { closedir(d) }
    var n = 0
    while readdir(d) != nil { n += 1 }
    return max(0, n - 2)
}

// MARK: - /proc

let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))

/// utime+stime of a process, in seconds.
func procCPUSeconds(_ pid: pid_t) -> Double? {
    guard let s = readFile("/proc/\(pid)/stat"), let close = s.lastIndex(of: ")") else { return nil }
    let f = s[s.index(after: close)...].split(separator: " ")
    guard f.count > 12, let u = Double(f[11]), let k = Double(f[12]) else { return nil }
    return (u + k) / clockTicks
}

/// VmRSS in KiB.
func procRSSKiB(_ pid: pid_t) -> Double? {
    guard let s = readFile("/proc/\(pid)/status") else { return nil }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if parts.count >= 2, let v = Double(parts[1]) { return v }
    }
    return nil
}

/// True when something listens on 127.0.0.1:port / 0.0.0.0:port / [::]:port (from /proc/net/tcp*).
func isListening(port: Int) -> Bool {
    let hex = String(port, radix: 16, uppercase: true)
    let pad = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let s = readFile(file) else { continue }
        for line in s.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            if f.count > 3, f[3] == "0A", f[1].hasSuffix(":" + pad) { return true }
        }
    }
    return false
}

func makeLoopbackAddr(_ port: Int) -> sockaddr_in {
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = in_port_t(UInt16(port).bigEndian)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    return a
}

/// A port that was free a moment ago (bind to port 0 and let the kernel choose).
func freePort() -> Int? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var a = makeLoopbackAddr(0)
    let ok = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard ok == 0 else { return nil }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let r = withUnsafeMutablePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard r == 0 else { return nil }
    return Int(UInt16(bigEndian: a.sin_port))
}

/// Raises the soft RLIMIT_NOFILE towards `want` (bounded by the hard limit); returns the new soft limit.
func raiseNoFile(to want: Int) -> (soft: Int, hard: Int) {
    var rl = rlimit()
    let res = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(res, &rl) == 0 else { return (1024, 1024) }
    let hard = rl.rlim_max >= rlim_t(Int.max) ? Int.max : Int(rl.rlim_max)
    let target = min(hard, want)
    if Int(rl.rlim_cur) < target {
        rl.rlim_cur = rlim_t(target)
        _ = setrlimit(res, &rl)
        _ = getrlimit(res, &rl)
    }
    return (Int(rl.rlim_cur), hard)
}

// MARK: - formatting (no Foundation)

func fmt(_ x: Double?, _ decimals: Int = 1) -> String {
    guard let x, x.isFinite else { return "-" }
    var p = 1.0
    for _ in 0..<decimals { p *= 10 }
    let neg = x < 0
    let v = (abs(x) * p).rounded()
    guard v < 9e18 else { return "\(x)" }
    let iv = Int(v)
    let ip = iv / Int(p), fp = iv % Int(p)
    var s = String(ip)
    if decimals > 0 {
        let f = String(fp)
        s += "." + String(repeating: "0", count: decimals - f.count) + f
    }
    return neg ? "-" + s : s
}

func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= w { return s }
    let sp = String(repeating: " ", count: w - n)
    return right ? sp + s : s + sp
}

/// First and last columns left-aligned, the others (figures) right-aligned.
func printRow(_ cells: [String], _ widths: [Int]) {
    var line = ""
    for (i, c) in cells.enumerated() {
        let w = i < widths.count ? widths[i] : 0
        let left = i == 0 || i == cells.count - 1
        line += (i == 0 ? "" : "  ") + pad(c, w, right: !left)
    }
    say(line)
}

func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return }
        bytes = bytes.dropFirst(n)
    }
}

/// Unbuffered line to stdout (progress must show while a long scenario runs).
func say(_ s: String) { writeAll(1, s + "\n") }

func warn(_ s: String) { writeAll(2, "commlisp-bench: \(s)\n") }
