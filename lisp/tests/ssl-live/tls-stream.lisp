;;; Socket streams with SSL against a TLS line-echo acceptor in the same script (run by
;;; Tests/LispCommTests/SSLTests).   commlisp tls-stream.lisp CERT KEY CA-FILE
(defun arg (n) (nth n sys:*line-arguments-list*))
(defvar *coll* (comm:create-and-run-wait-state-collection "tls stream test" :handler t))
(defun out (fmt &rest args) (apply #'format t fmt args) (terpri) (finish-output))

(defun echo-lines (state buffer end)
  (let ((nl (position #\Newline buffer :start (comm:async-io-state-old-length state) :end end)))
    (cond (nl (let ((line (subseq buffer 0 (1+ nl))))
                (comm:async-io-state-discard state (1+ nl))
                (comm:async-io-state-write-buffer state (string-upcase line) (lambda (&rest r) (declare (ignore r))))))
          ((comm:async-io-state-read-status state)
           (comm:async-io-state-finish state)
           (comm:async-io-state-abort-and-close state)))))

(defvar *server*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h st) (declare (ignore h))
              (comm:async-io-state-read-with-checking st #'echo-lines :element-type 'base-char))
   :address "127.0.0.1" :queue-output t :handshake-timeout 5
   :ssl-ctx (comm:create-ssl-server-context :cert-file (arg 2) :key-file (arg 3))))
(defvar *port* (comm:accepting-handle-local-port *server*))

;; 1. open-tcp-stream :ssl-ctx with a verifying client context
(let ((s (comm:open-tcp-stream "127.0.0.1" *port* :errorp t
                               :ssl-ctx (comm:create-ssl-client-context :openssl-trusted-file (arg 4))
                               :tlsext-host-name "localhost" :handshake-timeout 5)))
  (out "open-tcp-stream ssl: ~s" (type-of (comm:socket-stream-ssl s)))
  (write-line "hello over tls" s)
  (force-output s)
  (out "reply ~s" (read-line s))
  (close s))

;; 2. plain stream, then attach-ssl (client side), exchange, detach-ssl
(let ((s (comm:open-tcp-stream "127.0.0.1" *port* :errorp t)))
  (out "plain: ssl ~s" (comm:socket-stream-ssl s))
  (out "attach-ssl -> ~s" (type-of (comm:attach-ssl s :ssl-ctx t :ssl-side :client :handshake-timeout 5)))
  (write-line "late upgrade" s)
  (force-output s)
  (out "reply ~s" (read-line s))
  (close s))

;; 3. verification failure on a stream: ssl-verification-failure is signalled
(handler-case (comm:open-tcp-stream "127.0.0.1" *port* :errorp t
                                    :ssl-ctx (comm:create-ssl-client-context) :handshake-timeout 5)
  (comm:ssl-condition (c) (out "untrusted server: ~s code ~s" (type-of c) (first (comm:ssl-condition-ssl-code c)))))

;; 3b. a verify callback that accepts the untrusted chain, seeing each certificate
(let* ((seen nil)
       (ctx (comm:create-ssl-client-context
             :verify-callback (lambda (ok store)
                                (push (list ok (comm:x509-name-field-string
                                                (comm:x509-get-subject-name (comm:x509-store-ctx-get-current-cert store)) "CN"))
                                      seen)
                                t)))
       (s (comm:open-tcp-stream "127.0.0.1" *port* :errorp t :ssl-ctx ctx :handshake-timeout 5)))
  (write-line "verified by lisp" s)
  (force-output s)
  (out "reply ~s, callback saw ~s" (read-line s) (remove-duplicates (reverse seen) :test #'equal))
  (close s))

;; 3c. :both, then ssl-set-connect-state and socket-stream-handshake
(let* ((s (comm:open-tcp-stream "127.0.0.1" *port* :errorp t))
       (ssl (comm:attach-ssl s :ssl-ctx t :ssl-side :both)))
  (comm:ssl-set-connect-state ssl)
  (out "handshake -> ~s" (comm:socket-stream-handshake s 5))
  (write-line "both" s)
  (force-output s)
  (out "reply ~s" (read-line s))
  (comm:detach-ssl s :retry-count nil)
  (out "detached: ~s" (comm:socket-stream-ssl s))
  (close s))

;; 3d. a plain acceptor upgrading by hand: attach-ssl :both (no certificate in the context),
;; ssl-connection-read-certificates, ssl-set-accept-state, async-io-state-handshake
(defvar *manual*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (h st)
     (declare (ignore h))
     (comm:async-io-state-attach-ssl st
       (lambda (st err)
         (comm:ssl-connection-read-certificates st (arg 3) :cert-file (arg 2))
         (comm:ssl-set-accept-state (comm:async-io-state-ssl st))
         (comm:async-io-state-handshake st
           (lambda (st err2)
             (out "manual server: attach ~s handshake ~s side ~s" err err2 (comm:async-io-state-ssl-side st))
             (comm:async-io-state-read-with-checking st #'echo-lines :element-type 'base-char))
           5))
       :ssl-ctx t :ssl-side :both))
   :address "127.0.0.1" :queue-output t))
(let ((s (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *manual*) :errorp t
                               :ssl-ctx t :handshake-timeout 5)))
  (write-line "by hand" s)
  (force-output s)
  (out "reply ~s" (read-line s))
  (close s))

;; 4. a stream to a silent plain server: socket-stream-handshake times out -> nil
(defvar *silent* (comm:accept-tcp-connections-creating-async-io-states
                  *coll* 0 (lambda (h st) (declare (ignore h st))) :address "127.0.0.1"))
(let ((s (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *silent*) :errorp t)))
  (out "attach :both -> ~s" (type-of (comm:attach-ssl s :ssl-ctx t :ssl-side :both)))
  (handler-case (comm:attach-ssl s :ssl-ctx t :ssl-side :client :handshake-timeout 0.2)
    (error (c) (out "second attach: ~s" (type-of c))))
  (close s))
(let ((s (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *silent*) :errorp t)))
  (handler-case (comm:attach-ssl s :ssl-ctx t :ssl-side :client :handshake-timeout 0.2)
    (comm:ssl-condition (c) (out "silent server: ~s" (type-of c))))
  (close s))
(comm:close-wait-state-collection *coll*)
