;;; tls-echo-server.lisp -- a TLS echo server on the COMM asynchronous I/O API.
;;;
;;;   commlisp lisp/examples/tls-echo-server.lisp PORT CERT KEY [HANDSHAKE-TIMEOUT [PASSWORD]]
;;;
;;; PORT 0 = any free port (announced as "... listening on port N"). CERT and KEY are PEM
;;; files (KEY encrypted with PASSWORD when given). The acceptor makes one server context for
;;; all connections; each connection's handshake completes before the connection function runs,
;;; after which reads and writes are transparently TLS: the code is the plain echo server's
;;; (end of file and errors, in either direction, go to the error-callback, which closes the
;;; connection; the normal path checks no statuses).
;;; Failed handshakes (plain TCP, garbage, a client that stalls past HANDSHAKE-TIMEOUT
;;; seconds, default 10) go to the ssl-error-callback, which logs one line; the socket is
;;; closed by the system and the loop goes on serving everyone else.

(defun arg (n &optional default)
  (or (nth n sys:*line-arguments-list*) default))

(defvar *port* (parse-integer (arg 2 "8443")))
(defvar *cert* (arg 3 "cert.pem"))
(defvar *key* (arg 4 "key.pem"))
(defvar *handshake-timeout* (let ((*read-eval* nil)) (read-from-string (arg 5 "10"))))
(defvar *password* (arg 6))

(defvar *collection* (comm:create-and-run-wait-state-collection "tls echo server" :handler t))

(defvar *context*
  (comm:create-ssl-server-context :cert-file *cert* :key-file *key* :password *password*))

(defun echo-failed (state buffer count)
  ;; :eof, :timeout or an error, in either direction
  (declare (ignore buffer count))
  (comm:async-io-state-abort-and-close state))

(defun echo-written (state buffer count)
  (declare (ignore buffer count))
  (start-reading state))

(defun echo-read (state buffer end)
  (declare (ignore buffer end))
  (comm:async-io-state-finish state)
  (let ((out (comm:async-io-state-user-info state)))
    (comm:async-io-state-write-buffer state out #'echo-written
                                      :end (comm:async-io-state-get-buffered-data state out)
                                      :error-callback #'echo-failed)))

(defun start-reading (state)
  (comm:async-io-state-read-with-checking state #'echo-read
                                          :element-type '(unsigned-byte 8)
                                          :error-callback #'echo-failed))

(defun ssl-failed (handle state failure-args)
  (declare (ignore handle state))
  (let ((why (comm:async-io-ssl-failure-indicator-from-failure-args failure-args)))
    (format t "handshake failed: ~a [~a]~%"
            (apply #'format nil failure-args)
            (if (typep why 'condition) (type-of why) why))
    (finish-output)))

(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *collection* *port*
   (lambda (handle state)
     (declare (ignore handle))
     (setf (comm:async-io-state-user-info state)
           (make-array 65536 :element-type '(unsigned-byte 8)))
     (start-reading state))
   :handle-name "tls echo"
   :ssl-ctx *context*
   :handshake-timeout *handshake-timeout*
   :ssl-error-callback #'ssl-failed))

(format t "tls echo server listening on port ~d~%" (comm:accepting-handle-local-port *acceptor*))
(finish-output)
