/// Map from the LispWorks COMM SSL API to this module, for the bridge (LispComm). Nothing here
/// knows Lisp; the bridge resolves keywords, builds contexts and turns failures into lists.
///
/// Contexts
///   make-ssl-ctx :ssl-ctx sym :ssl-side s     -> `TLSContext(side:protocol:)`; symbols:
///                                                t / :default / :v23 -> `.negotiated` (TLS 1.2 + 1.3),
///                                                :tls-v1 -> `.tls1`, :tls-v1.1 -> `.tls1_1`,
///                                                :tls-v1.2 -> `.tls1_2`, :tls-v1.3 -> `.tls1_3`
///                                                (min = max); :v2 / :v3 -> error (unsupported)
///   foreign ssl-ctx-pointer                   -> `TLSContext(retaining:side:)` (keep ONE wrapper per
///                                                SSL_CTX*: the wrapper owns the callbacks' slots)
///   ctx-configure-callback                    -> bridge calls it with `context.pointer` after creating
///   set-ssl-ctx-password-callback             -> `setPassword(_:)`, `setPasswordCallback(_:)`
///   ssl-ctx-use-certificate-chain-file        -> `useCertificateChainFile(_:)`
///   ssl-ctx-use-rsaprivatekey-file / -privatekey-file
///                                             -> `usePrivateKeyFile(_:)` (PEM; wrong password:
///                                                `TLSError.kind == .badPassword`)
///   openssl-trusted-file / -directory         -> `loadVerifyLocations(file:directory:)`
///   set-verification-mode / -depth            -> `setVerify(_:callback:)`, `setVerifyDepth(_:)`;
///                                                :never -> [], :always -> [.peer, .failIfNoPeerCert],
///                                                :once -> [.peer, .clientOnce], lists map by name
///   set-ssl-ctx-dh :filename                  -> `setDHParameters(file:)` (nil = automatic)
///   set-ssl-ctx-cert-cb                       -> `setCertCallback(_:)` (`.keep`, `.use(cert, key)`, `.fail`)
///   read-certificate-key-pairs                -> `readCertificateKeyPairs(file:password:)`
///   ssl-connection-read-certificates          -> `TLSTransport.useCertificate(_:key:chain:)`
///   x509-get-subject/issuer-name, x509-name-field-string
///                                             -> `X509Certificate.subject/issuer/subjectField/issuerField`,
///                                                `X509Certificate.field(namePointer, "organizationName")`
///   destroy-ssl-ctx                           -> drop the `TLSContext` (SSL_CTX refcounted)
///
/// States
///   async-io-state-attach-ssl                 -> `attachTLS(_:callback:)` with `TLSAttachOptions`
///                                                (context, side, hostName = tlsext-host-name,
///                                                handshakeTimeout, configure = ssl-configure-callback)
///   async-io-state-handshake                  -> `handshake(timeout:callback:)`
///   async-io-state-detach-ssl                 -> `detachTLS(timeout:callback:)`
///   async-io-state-ctx / -ssl / -ssl-side     -> `tlsContext?.pointer`, `sslPointer`, `tlsSide`
///   ssl-set-accept-state / -connect-state     -> `tlsTransport?.setAcceptState()` / `setConnectState()`
///   peer certificate / verify result          -> `peerCertificate`, `tlsTransport?.verifyResult`
///   create-async-io-state-and-connected-tcp-socket :ssl-ctx ...
///                                             -> `ConnectOptions.tls` (side forced to client); a
///                                                handshake failure arrives in the connect callback
///                                                as `TLSFailure.systemError` (domain `.tls`);
///                                                `TLSFailure.kind(of:)` / `state.lastTLSFailure`
///   accept-tcp-connections-creating-async-io-states :ssl-ctx ... :ssl-error-callback
///                                             -> `Configuration.tls = TLSAcceptOptions(attach, onFailure:)`;
///                                                `onFailure(handle, state, failure)` runs with the
///                                                state still open, then the engine closes it
///
/// Socket streams (blocking): `TLSTransport(context:fd:side:hostName:configure:)`, then
///   socket-stream-handshake                   -> `blockingHandshake(timeout:)` (nil = success)
///   detach-ssl :retry-count :retry-timeout    -> `blockingShutdown(retryCount:retryTimeout:)`
///   reads / writes                            -> `read(into:)` / `write(from:)`; on `.wouldBlock`
///                                                `waitForWants(until:)` and retry
///   SNI seen by a server (cert callback)      -> `TLSTransport.serverName(ssl:)`, `serverName`
///
/// Failures (`TLSFailure`) -> failure-args and async-io-ssl-failure-indicator-from-failure-args
///   `.timeout`      -> ("Handshake timed out"), indicator :timeout, read-status :timeout
///   `.closed`       -> ("SSL connection closed"), indicator :closed, read-status :eof
///   `.verification` -> ("~a" description), ssl-verification-failure; ssl-code
///                      (:verification verifyResult), text in `verifyText`
///   `.protocolError`-> ssl-failure (SSL_ERROR_SSL), codes in `errors`
///   `.syscall`      -> ssl-error (errno)
///   `.other`        -> ssl-error (setup failed: SSL_new ...)
/// I/O after the handshake: OpenSSL errors become `IOStatus.error(SystemError)` with domain
/// `.tls` (op "SSL_read"/"SSL_write", message = reason strings); a socket error keeps its errno;
/// close_notify or a TCP EOF is `:eof`.
///
/// Decisions: every context gets partial writes + moving write buffer, no renegotiation, no
/// compression, unexpected EOF = EOF, DH auto. Closing a TLS state sends close_notify (best
/// effort, one nonblocking SSL_shutdown; not after a fatal error or the peer's close). A
/// write that times out or is aborted in the middle of a TLS record makes later writes fail
/// with EPIPE (OpenSSL would otherwise send the stale record against the next buffer). A
/// read-with-checking's already buffered plain bytes are not fed to OpenSSL on attach (attach
/// with nothing buffered, as LispWorks requires no pending operation). wait-for-input on a TLS
/// state reports socket readability (may be a non-data record).
public enum TLSAPI {}
