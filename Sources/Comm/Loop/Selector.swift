import CShims
import Glibc

/// Something that receives readiness events from a `Selector`.
protocol SelectorHandler: AnyObject {
    /// `events` is the raw epoll mask (EPOLLIN/OUT/ERR/HUP/RDHUP).
    func selectorEvent(_ events: UInt32)
}

/// Readiness interest of a registration, mapped onto epoll bits.
public struct Interest: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let read = Interest(rawValue: CSHIM_EPOLLIN)
    public static let write = Interest(rawValue: CSHIM_EPOLLOUT)
}

/// A level-triggered epoll set. Every registration gets a fresh 32-bit id, packed with the fd
/// into `epoll_event.data.u64` (`id << 32 | fd`); an event whose id no longer matches the fd's
/// current registration (fd closed and reused within one batch) is dropped. Handlers are kept
/// in an array indexed by fd: O(1) lookup and no hashing on the hot path.
final class Selector {
    let epfd: Int32
    private var entries: [(id: UInt32, handler: SelectorHandler?)] = []
    private var nextID: UInt32 = 16
    private let capacity = 256
    private let events: UnsafeMutablePointer<cshim_event>
    /// Events fetched by `poll` and not yet delivered.
    private(set) var pendingCount = 0

    init() throws(SystemError) {
        epfd = Int32(try syscallBlocking("epoll_create1") { Int(epoll_create1(CSHIM_EPOLL_CLOEXEC)) })
        events = .allocate(capacity: capacity)
    }

    deinit {
        events.deallocate()
        Posix.close(epfd)
    }

    /// Adds `fd`; returns the registration id to pass to `modify`.
    func register(fd: Int32, interest: UInt32, handler: SelectorHandler) throws(SystemError) -> UInt32 {
        let id = nextID
        nextID = nextID == UInt32.max ? 16 : nextID + 1
        let data = UInt64(id) << 32 | UInt64(UInt32(bitPattern: fd))
        try syscallBlocking("epoll_ctl(ADD)") { Int(cshim_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, interest, data)) }
        let i = Int(fd)
        if i >= entries.count {
            entries.append(contentsOf: repeatElement((id: UInt32(0), handler: SelectorHandler?.none), count: i - entries.count + 1 + 64))
        }
        entries[i] = (id, handler)
        return id
    }

    func modify(fd: Int32, id: UInt32, interest: UInt32) throws(SystemError) {
        let data = UInt64(id) << 32 | UInt64(UInt32(bitPattern: fd))
        try syscallBlocking("epoll_ctl(MOD)") { Int(cshim_epoll_ctl(epfd, EPOLL_CTL_MOD, fd, interest, data)) }
    }

    /// Removes `fd` (before it is closed). Unknown fds are ignored: deregistering is idempotent.
    func deregister(fd: Int32) {
        _ = cshim_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0)
        let i = Int(fd)
        if i >= 0 && i < entries.count { entries[i] = (0, nil) }
    }

    /// Drops the handler of `fd` without epoll_ctl: for a descriptor about to be closed that has
    /// no duplicates, since closing the last reference removes it from the epoll set anyway
    /// (saves one system call per connection). Events already fetched for it are dropped by the
    /// registration-id check.
    func forget(fd: Int32) {
        let i = Int(fd)
        if i >= 0 && i < entries.count { entries[i] = (0, nil) }
    }

    /// Adds a descriptor that is not a handler of ours' (the wakeup eventfd) with a fixed id.
    func registerRaw(fd: Int32, interest: UInt32, id: UInt32) throws(SystemError) {
        let data = UInt64(id) << 32 | UInt64(UInt32(bitPattern: fd))
        try syscallBlocking("epoll_ctl(ADD)") { Int(cshim_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, interest, data)) }
    }

    /// epoll_wait into the internal buffer; returns the number of events (0 on timeout).
    @discardableResult
    func poll(timeoutMS: Int32) throws(SystemError) -> Int {
        let n = try syscallBlocking("epoll_wait") { Int(cshim_epoll_wait(epfd, events, Int32(capacity), timeoutMS)) }
        pendingCount = n
        return n
    }

    /// Delivers the fetched events. `raw` receives events for raw registrations (id < 16).
    func deliverPending(raw: (UInt32, UInt32) -> Void) {
        let n = pendingCount
        pendingCount = 0
        for k in 0..<n {
            let ev = events[k]
            let id = UInt32(truncatingIfNeeded: ev.data >> 32)
            let fd = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: ev.data)))
            if id < 16 { raw(id, ev.events); continue }
            guard fd < entries.count else { continue }
            let e = entries[fd]
            // Stale-event guard: the fd was closed (and maybe reused) after this batch was read.
            guard e.id == id, let h = e.handler else { continue }
            h.selectorEvent(ev.events)
        }
    }


    /// The registration id currently recorded for `fd` (0 if none); used by tests.
    func registrationID(fd: Int32) -> UInt32 {
        Int(fd) < entries.count ? entries[Int(fd)].id : 0
    }

    /// Test hook: deliver a synthetic event as if epoll had returned it.
    func injectForTesting(fd: Int32, id: UInt32, events mask: UInt32) {
        events[pendingCount] = cshim_event(events: mask, data: UInt64(id) << 32 | UInt64(UInt32(bitPattern: fd)))
        pendingCount += 1
    }
}
