;;; TLS details of issue 5 (run by Tests/LispCommTests/SSLTests).   commlisp tls-gaps.lisp CERT KEY
;;;  1. async-io-state-attach-ssl after a STARTTLS line: the client's ClientHello arrived in the
;;;     same read as the line, so it is in the state's buffer and must be fed to OpenSSL.
;;;  2. listen on a TLS socket stream: socket readability is not data (TLS 1.3 session tickets
;;;     make the socket readable without any application data); decrypted data is.
;;;  3. attach-ssl on a socket stream that already buffered plain bytes of the handshake.
;;;  4. :create-state nil with :ssl-ctx is refused when the acceptor is made.
(defun arg (n) (nth n sys:*line-arguments-list*))
(defvar *coll* (comm:create-and-run-wait-state-collection "tls gaps" :handler t))
(defun out (fmt &rest args) (apply #'format t fmt args) (terpri) (finish-output))
(defvar *server-ctx* (comm:create-ssl-server-context :cert-file (arg 2) :key-file (arg 3)))

(defun ignore-all (&rest r) (declare (ignore r)))

(defun echo-lines (state buffer end)
  (let ((nl (position #\Newline buffer :start (comm:async-io-state-old-length state) :end end)))
    (cond (nl (let ((line (subseq buffer 0 (1+ nl))))
                (comm:async-io-state-discard state (1+ nl))
                (comm:async-io-state-write-buffer state (string-upcase line) #'ignore-all)))
          ((comm:async-io-state-read-status state)
           (comm:async-io-state-finish state)
           (comm:async-io-state-abort-and-close state)))))

;; A plain line protocol whose "STARTTLS" line switches the connection to TLS.
(defun starttls-read (state buffer end)
  (let ((nl (position #\Newline buffer :end end)))
    (when nl
      (let ((line (subseq buffer 0 nl)))  ; before finish: the lent buffer is the state's own
        (comm:async-io-state-finish state (1+ nl))
        (out "server: ~s, handshake bytes already buffered: ~s" line
             (plusp (comm:async-io-state-buffered-data-length state))))
      (comm:async-io-state-attach-ssl
       state (lambda (st failure)
               (out "server: attach-ssl -> ~s" failure)
               (unless failure
                 (comm:async-io-state-read-with-checking st #'echo-lines :element-type 'base-char)))
       :ssl-ctx *server-ctx* :handshake-timeout 5))))

(defvar *port*
  (comm:accepting-handle-local-port
   (comm:accept-tcp-connections-creating-async-io-states
    *coll* 0 (lambda (h st) (declare (ignore h))
               (comm:async-io-state-read-with-checking st #'starttls-read :element-type 'base-char))
    :address "127.0.0.1" :queue-output t)))

;; 1 + 2: the client sends the line and starts its handshake at once (no reply awaited).
(let ((s (comm:open-tcp-stream "127.0.0.1" *port* :errorp t)))
  (write-line "STARTTLS" s)
  (force-output s)
  (out "client: attach-ssl -> ~s" (type-of (comm:attach-ssl s :ssl-ctx t :ssl-side :client :handshake-timeout 5)))
  (sleep 0.3)                           ; the server's session tickets arrive meanwhile
  (out "client: listen with only session tickets received: ~s" (listen s))
  (write-line "over tls" s)
  (force-output s)
  (out "client: listen once the reply came: ~s"
       (loop repeat 500 thereis (listen s) do (sleep 0.01)))
  (out "client: reply ~s, listen after it: ~s" (read-line s) (listen s))
  (write-string (format nil "two~%lines~%") s)
  (force-output s)
  (out "client: ~s" (read-line s))
  (out "client: listen with the second line buffered: ~s" (listen s))
  (out "client: ~s" (read-line s))
  (close s))

;; 3. A stream server upgrading after a STARTTLS line: it sleeps first (serving the client
;; meanwhile), so its buffering read-line takes the ClientHello behind the line into the
;; stream's buffer, and attach-ssl must hand those bytes to OpenSSL. The client is an
;; async-io-state (event driven, so it progresses while the server blocks in its callback).
(defvar *stream-port* nil)
(comm:start-up-server
 :service 0 :create-stream t
 :announce (lambda (socket condition)
             (declare (ignore condition))
             (setf *stream-port* (nth-value 1 (comm:get-socket-address socket))))
 :function (lambda (s)
             (sleep 0.3)
             (out "stream server: ~s" (read-line s))
             (out "stream server: attach-ssl -> ~s"
                  (type-of (comm:attach-ssl s :ssl-ctx *server-ctx* :ssl-side :server :handshake-timeout 5)))
             (write-line (string-upcase (read-line s)) s)
             (force-output s)
             (close s)))

(defvar *reply* nil)
(defun client-reply (state buffer end)
  (let ((nl (position #\Newline buffer :end end)))
    (when nl
      (setf *reply* (subseq buffer 0 nl))
      (comm:async-io-state-finish state)
      (comm:async-io-state-abort-and-close state))))

(comm:create-async-io-state-and-connected-tcp-socket
 *coll* "127.0.0.1" *stream-port*
 (lambda (state failure)
   (when failure (out "client: connect failed ~s" failure))
   (comm:async-io-state-write-buffer
    state (format nil "STARTTLS~%")
    (lambda (state buffer n)
      (declare (ignore buffer n))
      (comm:async-io-state-attach-ssl
       state (lambda (state failure)
               (out "client state: attach-ssl -> ~s" failure)
               (comm:async-io-state-write-buffer state (format nil "stream upgrade~%") #'ignore-all)
               (comm:async-io-state-read-with-checking state #'client-reply :element-type 'base-char))
       :ssl-ctx t :ssl-side :client :handshake-timeout 5))))
 :queue-output t)
(mp:process-wait-with-timeout "reply" 10 (lambda () *reply*))
(out "client state: reply ~s" *reply*)

;; 4. A socket handle cannot carry SSL.
(handler-case
    (comm:accept-tcp-connections-creating-async-io-states *coll* 0 #'ignore-all :create-state nil :ssl-ctx t)
  (error (c) (out "create-state nil + ssl-ctx: ~s: ~a" (type-of c) c)))

(quit)
