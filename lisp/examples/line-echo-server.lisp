;;; line-echo-server.lisp -- echoes every line it receives (spec 15.1, the LispWorks manual's
;;; pattern: read-with-checking + discard + queued writes).
;;;
;;;   commlisp lisp/examples/line-echo-server.lisp [PORT]   (default 7778; 0 = any free port)

(defvar *port*
  (let ((arg (third sys:*line-arguments-list*)))
    (if arg (parse-integer arg) 7778)))

(defvar *coll* (comm:create-and-run-wait-state-collection "line echo" :handler t))

(defun echo-line-reader (state buffer end)
  (cond ((comm:async-io-state-read-status state)          ; :eof, :timeout or an error
         (comm:async-io-state-finish state)
         (comm:async-io-state-abort-and-close state))
        (t
         ;; Only the first complete line is handled here: after a discard the buffer must not
         ;; be touched, and the rest is presented again at once (old-length 0).
         (let ((nl (position #\Newline buffer :start (comm:async-io-state-old-length state) :end end)))
           (when nl
             (let ((line (subseq buffer 0 (1+ nl))))      ; copy out of the lent buffer
               (comm:async-io-state-discard state (1+ nl))
               (comm:async-io-state-write-buffer
                state line
                (lambda (st buf n)
                  (declare (ignore buf n))
                  (when (comm:async-io-state-write-status st)
                    (comm:async-io-state-abort-and-close st))))))))))

(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* *port*
   (lambda (handle state)
     (declare (ignore handle))
     (comm:async-io-state-read-with-checking state 'echo-line-reader
                                             :element-type 'base-char
                                             :timeout 60))
   :queue-output t            ; several pending writes per connection
   :handle-name "line echo"))

(format t "line echo server listening on port ~d~%" (comm:accepting-handle-local-port *acceptor*))
(finish-output)
