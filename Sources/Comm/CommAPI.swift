/// Map from the LispWorks COMM asynchronous I/O API to this module, for the bridge (LispComm)
/// and the README's compatibility notes. `Comm` knows nothing about Lisp: callbacks are Swift
/// closures, buffers are `MutableByteStorage`, statuses are `IOStatus`, failures `SystemError`,
/// API misuse `CommUsageError` (thrown synchronously by the call that starts an operation).
///
/// wait-state-collection                         -> `EventCollection`
///   make-wait-state-collection                  -> `EventCollection(name:)`
///   wait-for-wait-state-collection              -> `wait(timeoutSeconds:)`
///   call-wait-state-collection                  -> `dispatch()`
///   loop-processing-wait-state-collection       -> `runLoop()`
///   wait-state-collection-stop-loop             -> `stopLoop()` (any thread)
///   close-wait-state-collection                 -> `close()`
///   apply-in-wait-state-collection-process      -> `post(_:)` (any thread)
///   outer driver (REPL / script runner)         -> `pollFD`, `hasImmediateWork`,
///                                                  `millisecondsUntilNextEvent()`, `dispatch()`
///   timers for the bridge (mp timers etc.)      -> `schedule(after:_:)`, `cancel(_:)`
///   "anything alive?"                           -> `stateCount`, `acceptorCount`
///
/// async-io-state                                -> `AsyncIOState`
///   create-async-io-state                       -> `EventCollection.makeState(fd:kind:ipv6:options:)`
///   create-async-io-state-and-connected-tcp-socket
///                                               -> `connectTCP(to:options:connect:callback:)`
///                                                  (bridge resolves hostspec/service first)
///   create-async-io-state-and-(connected-)udp-socket
///                                               -> `makeUDPState(ipv6:local:connectTo:options:)`
///   accept-tcp-connections-creating-async-io-states
///                                               -> `listen(_:onConnection:)` -> `AcceptingHandle`
///   close-accepting-handle                      -> `AcceptingHandle.close(callback:)`
///   accepting-handle-socket / -collection / -local-port / -name / -user-info
///                                               -> `fd` (-1 = nil), `collection`, `localPort`, `name`, `userInfo`
///   read-status / write-status                  -> `readStatus`, `writeStatus`
///   read-timeout / write-timeout / max-read / user-info / name / old-length
///                                               -> properties of the same names
///   read-buffer                                 -> `readBuffer(_:start:end:callback:errorCallback:)`
///   read-with-checking                          -> `readWithChecking(callback:errorCallback:)`
///   finish / discard                            -> `finish(discard:)`, `discard(_:)`
///   receive-message                             -> `receiveMessage(_:start:end:callback:errorCallback:)`
///   wait-for-input                              -> `waitForInput(callback:)`
///   write-buffer                                -> `writeBuffer(_:start:end:callback:errorCallback:)`
///   send-message / send-message-to-address      -> `sendMessage(_:...)`, `sendMessage(to:_:...)`
///   abort                                       -> `abort(_:callback:)`
///   abort-and-close                             -> `abortAndClose(keepAlive:closeCallback:)`
///   shutdown                                    -> `shutdown(_:abort:callback:)`
///   close-async-io-state                        -> `close(keepAlive:)`
///   buffered-data-length / get-buffered-data    -> `bufferedDataLength`, `getBufferedData(into:start:end:)`
///   address / peer-address                      -> `localAddress`, `peerAddress` (`SocketAddress`)
///
/// Addresses and names: `IPAddress` (IPv4 as the LispWorks integer, IPv6 as `IPv6Address`),
/// `SocketAddress`, `Resolver.resolve`, `Resolver.port(forService:)`, `Resolver.serviceEntry`,
/// `Resolver.hostEntry`, `Posix.localAddress(_:)` / `peerAddress(_:)` (get-socket-address).
///
/// Decisions where the LispWorks documentation is open (for the compatibility notes):
/// - Persisting keywords (`:timeout`, `:user-info`, `:max-read`) are stored by the bridge into
///   the state's properties before it starts the operation.
/// - Timeouts are inactivity timeouts: any progress restarts the clock.
/// - `:timeout` is cleared when the next operation in that direction starts; `:eof` and stream
///   errors are sticky: a later operation completes at once with the same status (after first
///   consuming buffered data). Datagram errors are per message.
/// - EOF and errors go to the error-callback when one was given, else to the callback (timeouts
///   always to the callback). read-buffer reports the bytes stored so far.
/// - read-with-checking: data that arrives together with EOF/error is presented first with
///   status nil; the terminal status then gets one last invocation (with `end` = buffered
///   length, possibly 0) and the operation ends even if the callback does not call finish.
///   After a `discard`, remaining bytes are presented again at once with old-length 0 (they may
///   hold more complete messages); after "neither", old-length = the previous `end`.
///   Default max-read: 65536. `finish` with a pending EOF makes it the (sticky) read status.
/// - read-buffer / wait-for-input consume / see data left by read-with-checking first.
/// - abort-callback gets the aborted operation's arguments (`AbortedOperation`), nil when none
///   was active, `.io` for direction :io. abort-and-close's close-callback runs even on an already
///   closed state; close-wait-state-collection drops pending close-callbacks.
/// - connect failure: `SystemError` (errno + strerror text; ETIMEDOUT for connect-timeout);
///   the state stays registered until closed; addresses are tried in order.
/// - Acceptor: `ipv6 :any` with no address listens on IPv4 0.0.0.0; `:both` = [::] with
///   V6ONLY off; nodelay default true; SO_REUSEADDR always; bind retried every 50 ms while
///   EADDRINUSE for up to init-timeout (default 60 s), blocking the caller, then the error is
///   thrown. queue-output default false.
/// - Closing is logical at once (no further callbacks); the descriptor is released when the
///   state's running callback returns. Closing drops callbacks, then user-info and the bridge
///   object (after a pending close-callback), breaking reference cycles.
/// - Callbacks never run from the call that starts an operation; completions produced by a
///   callback may run later in the same `dispatch()` (at most 4 extra passes). The completions
///   an I/O event produces run right after that event, before the next descriptor of the
///   same epoll batch is served.
public enum CommAPI {}
