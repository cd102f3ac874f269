;;; reset-ssl-abstract-context (run by Tests/LispCommTests/SSLTests).
;;;   commlisp tls-reset.lisp LIVE-CERT LIVE-KEY NEW-CERT NEW-KEY
;;; An acceptor made with an abstract context keeps running while the certificate files behind
;;; the context are replaced and the context is reset: later connections see the new
;;; certificate, a connection made before keeps working.
(defun arg (n) (nth n sys:*line-arguments-list*))
(defvar *coll* (comm:create-and-run-wait-state-collection "tls reset" :handler t))
(defun out (fmt &rest args) (apply #'format t fmt args) (terpri) (finish-output))

(defun copy-file (from to)
  (with-open-file (in from)
    (with-open-file (o to :direction :output :if-exists :supersede)
      (loop for line = (read-line in nil) while line do (write-line line o)))))

(defvar *ctx* (comm:create-ssl-server-context :cert-file (arg 2) :key-file (arg 3) :name "live"))

(defun echo-lines (state buffer end)
  (let ((nl (position #\Newline buffer :start (comm:async-io-state-old-length state) :end end)))
    (cond (nl (let ((line (subseq buffer 0 (1+ nl))))
                (comm:async-io-state-discard state (1+ nl))
                (comm:async-io-state-write-buffer state (string-upcase line) (lambda (&rest r) (declare (ignore r))))))
          ((comm:async-io-state-read-status state)
           (comm:async-io-state-finish state)
           (comm:async-io-state-abort-and-close state)))))

(defvar *port*
  (comm:accepting-handle-local-port
   (comm:accept-tcp-connections-creating-async-io-states
    *coll* 0 (lambda (h st) (declare (ignore h))
               (comm:async-io-state-read-with-checking st #'echo-lines :element-type 'base-char))
    :address "127.0.0.1" :queue-output t :ssl-ctx *ctx*)))

(defun connect ()
  (comm:open-tcp-stream "127.0.0.1" *port* :errorp t :ssl-ctx t :handshake-timeout 5))

(defun server-cn (s)
  (comm:x509-name-field-string
   (comm:x509-get-subject-name (comm:ssl-get-peer-certificate (comm:socket-stream-ssl s))) "CN"))

(defun talk (s text)
  (write-line text s)
  (force-output s)
  (read-line s))

(let ((old (connect)))
  (out "before reset: ~s ~s" (server-cn old) (talk old "one"))
  (copy-file (arg 4) (arg 2))
  (copy-file (arg 5) (arg 3))
  (out "reset -> ~s" (comm:reset-ssl-abstract-context *ctx*))
  (let ((new (connect)))
    (out "after reset: ~s ~s" (server-cn new) (talk new "two"))
    (close new))
  (out "connection made before: ~s ~s" (server-cn old) (talk old "three"))
  (close old))

(handler-case (comm:reset-ssl-abstract-context 42)
  (type-error (c) (out "bad argument: ~s" (type-of c))))
(quit)
