// Proc.swift -- child processes for the benchmark driver: posix_spawn with pipes, timeouts,
// own process groups, and a registry so that no child (server, load generator, interpreter)
// outlives the driver, even on SIGINT/SIGTERM or an early error exit.
import Glibc

// MARK: - time

func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func nowS() -> Double { Double(nowNs()) / 1e9 }

func sleepS(_ s: Double) {
    guard s > 0 else { return }
    var req = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var rem = timespec()
    while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
}

// MARK: - child registry (read from a signal handler, hence a fixed C buffer)

let childSlotCount = 64
nonisolated(unsafe) let childSlots: UnsafeMutablePointer<pid_t> = {
    let p = UnsafeMutablePointer<pid_t>.allocate(capacity: childSlotCount)
    p.initialize(repeating: 0, count: childSlotCount)
    return p
}()

func registerChild(_ pid: pid_t) {
    for i in 0..<childSlotCount where childSlots[i] == 0 { childSlots[i] = pid; return }
}

func unregisterChild(_ pid: pid_t) {
    for i in 0..<childSlotCount where childSlots[i] == pid { childSlots[i] = 0 }
}

/// Kills every registered child and its process group (each child leads its own group).
func killAllChildren() {
    for i in 0..<childSlotCount {
        let p = childSlots[i]
        if p > 0 {
            kill(-p, SIGKILL)
            kill(p, SIGKILL)
            childSlots[i] = 0
        }
    }
}

/// The run's temp dir, kept in a C buffer so the signal handler can clean it without allocating.
nonisolated(unsafe) let tmpDirBuffer: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
    p.initialize(repeating: 0, count: 512)
    return p
}()
/// Every file the driver writes into its temp dir has one of these names.
let tmpFileNames: [String] = ["cert.pem", "key.pem", "c.log", "lisp.log", "c-idle.log", "lisp-idle.log"]
nonisolated(unsafe) let tmpFileNamesC: [UnsafeMutablePointer<CChar>] = tmpFileNames.map { strdup($0)! }

func setTmpDirForCleanup(_ path: String) {
    _ = path.withCString { strncpy(tmpDirBuffer, $0, 511) }
}

/// Async-signal-safe enough: stack buffers, unlink and rmdir only.
func cleanTmpDirFromHandler() {
    if tmpDirBuffer[0] == 0 { return }
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 600) { buf in
        for name in tmpFileNamesC {
            strcpy(buf.baseAddress!, tmpDirBuffer)
            strcat(buf.baseAddress!, "/")
            strcat(buf.baseAddress!, name)
            unlink(buf.baseAddress!)
        }
    }
    rmdir(tmpDirBuffer)
}

func installChildGuards() {
    _ = tmpFileNamesC.count
    _ = childSlots[0]
    signal(SIGPIPE, SIG_IGN)
    for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
        signal(s) { sig in
            killAllChildren()
            cleanTmpDirFromHandler()
            _exit(128 + sig)
        }
    }
    atexit { killAllChildren() }
}

// MARK: - spawning

enum Redirect {
    case inherit
    case devNull
    case pipe
    case file(String)
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

/// A started child process. Its stdout/stderr pipe ends (when requested) belong to the parent.
final class Child {
    let pid: pid_t
    var stdoutFd: Int32
    var stderrFd: Int32
    var exitStatus: Int32? = nil   // exit code, or 128+signal
    let argv: [String]

    init(pid: pid_t, stdoutFd: Int32, stderrFd: Int32, argv: [String]) {
        self.pid = pid; self.stdoutFd = stdoutFd; self.stderrFd = stderrFd; self.argv = argv
    }

    /// Non-blocking: true while the process has not been reaped.
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var st: Int32 = 0
        let r = waitpid(pid, &st, WNOHANG)
        if r == pid { record(st); return false }
        return r == 0
    }

    func record(_ st: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; decode by hand.
        let sig = st & 0x7f
        exitStatus = sig == 0 ? (st >> 8) & 0xff : 128 + sig
        unregisterChild(pid)
    }

    /// Blocking wait.
    func wait() -> Int32 {
        if let s = exitStatus { return s }
        var st: Int32 = 0
        while true {
            let r = waitpid(pid, &st, 0)
            if r == pid { record(st); break }
            if r < 0 && errno != EINTR { exitStatus = -1; unregisterChild(pid); break }
        }
        closePipes()
        return exitStatus!
    }

    /// SIGTERM, grace period, then SIGKILL; always reaps.
    func stop(graceS: Double = 1.0) {
        if !isRunning { closePipes(); return }
        kill(-pid, SIGTERM); kill(pid, SIGTERM)
        let until = nowS() + graceS
        while nowS() < until {
            if !isRunning { closePipes(); return }
            sleepS(0.01)
        }
        kill(-pid, SIGKILL); kill(pid, SIGKILL)
        _ = wait()
    }

    func closePipes() {
        if stdoutFd >= 0 { close(stdoutFd); stdoutFd = -1 }
        if stderrFd >= 0 { close(stderrFd); stderrFd = -1 }
    }
}

/// Starts argv[0] (searched in PATH) in its own process group, stdin from /dev/null.
func spawn(_ argv: [String], stdout: Redirect = .devNull, stderr: Redirect = .devNull,
           cwd: String? = nil) throws -> Child {
    precondition(!argv.isEmpty)
    var fa = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fa)
    defer { posix_spawn_file_actions_destroy(&fa) }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }

    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
    var parentFds: [Int32] = [-1, -1]
    var childEnds: [Int32] = []
    func setup(_ r: Redirect, _ target: Int32, _ slot: Int) throws {
        switch r {
        case .inherit: break
        case .devNull: posix_spawn_file_actions_addopen(&fa, target, "/dev/null", O_WRONLY, 0)
        case .file(let path):
            posix_spawn_file_actions_addopen(&fa, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case .pipe:
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe failed") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&fa, fds[1], target)
            parentFds[slot] = fds[0]
            childEnds.append(fds[1])
        }
    }
    try setup(stdout, 1, 0)
    try setup(stderr, 2, 1)

    // Own process group (so the whole tree can be killed); default dispositions for the
    // signals the driver ignores or catches (ignored signals would survive exec).
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attr, &mask)
    posix_spawnattr_setpgroup(&attr, 0)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
    cargs.append(nil)
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    // posix_spawn_file_actions_addchdir_np is not visible to Swift: change directory around the
    // spawn instead (the driver is single-threaded).
    var savedCwd: String? = nil
    if let cwd { savedCwd = currentDirectory(); _ = chdir(cwd) }
    let rc = posix_spawnp(&pid, argv[0], &fa, &attr, &cargs, environ)
    if let savedCwd { _ = chdir(savedCwd) }
    for fd in childEnds { close(fd) }
    if rc != 0 {
        for fd in parentFds where fd >= 0 { close(fd) }
        throw SpawnError(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))")
    }
    registerChild(pid)
    return Child(pid: pid, stdoutFd: parentFds[0], stderrFd: parentFds[1], argv: argv)
}

func currentDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "/" }
    return cBufferString(buf)
}

struct RunResult {
    var status: Int32        // exit code, 128+signal, or -1 when it could not start
    var stdout: String
    var stderr: String
    var wallS: Double
    var timedOut: Bool
    var ok: Bool { status == 0 && !timedOut }
}

/// Runs a command to completion, capturing stdout and stderr, with a wall-clock limit.
/// `events` are actions run at given seconds after the start (e.g. sampling a server's CPU).
func runCapture(_ argv: [String], timeoutS: Double, cwd: String? = nil,
                events: [(Double, () -> Void)] = []) -> RunResult {
    let t0 = nowNs()
    let child: Child
    do {
        child = try spawn(argv, stdout: .pipe, stderr: .pipe, cwd: cwd)
    } catch {
        return RunResult(status: -1, stdout: "", stderr: "\(error)", wallS: 0, timedOut: false)
    }
    var out: [UInt8] = [], err: [UInt8] = []
    var pending = events.sorted { $0.0 < $1.0 }
    let start = Double(t0) / 1e9
    let deadline = start + timeoutS
    var timedOut = false
    var buf = [UInt8](repeating: 0, count: 65536)
    while child.stdoutFd >= 0 || child.stderrFd >= 0 || child.isRunning {
        let now = nowS()
        while let e = pending.first, now >= start + e.0 { pending.removeFirst(); e.1() }
        if now >= deadline { timedOut = true; break }
        var waitS = deadline - now
        if let e = pending.first { waitS = min(waitS, start + e.0 - now) }
        if child.stdoutFd < 0 && child.stderrFd < 0 {
            // pipes closed, process still running: poll its exit
            sleepS(min(waitS, 0.002))
            continue
        }
        var pfds: [pollfd] = []
        if child.stdoutFd >= 0 { pfds.append(pollfd(fd: child.stdoutFd, events: Int16(POLLIN), revents: 0)) }
        if child.stderrFd >= 0 { pfds.append(pollfd(fd: child.stderrFd, events: Int16(POLLIN), revents: 0)) }
        let ms = Int32(max(0, min(waitS * 1000 + 1, 1000)))
        let n = poll(&pfds, nfds_t(pfds.count), ms)
        if n <= 0 { continue }
        for p in pfds where p.revents != 0 {
            let r = read(p.fd, &buf, buf.count)
            if r > 0 {
                if p.fd == child.stdoutFd { out.append(contentsOf: buf[0..<r]) } else { err.append(contentsOf: buf[0..<r]) }
            } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                close(p.fd)
                if p.fd == child.stdoutFd { child.stdoutFd = -1 } else { child.stderrFd = -1 }
            }
        }
    }
    if timedOut {
        kill(-child.pid, SIGKILL); kill(child.pid, SIGKILL)
    }
    let status = child.wait()
    let wall = Double(nowNs() - t0) / 1e9
    return RunResult(status: status, stdout: String(decoding: out, as: UTF8.self),
                     stderr: String(decoding: err, as: UTF8.self), wallS: wall, timedOut: timedOut)
}

/// Start-to-exit wall time of a command whose output is discarded (for start-up timing).
func timeSilent(_ argv: [String], timeoutS: Double) -> (Double, Int32) {
    let r = runCapture(argv, timeoutS: timeoutS)
    return (r.wallS, r.timedOut ? 124 : r.status)
}
