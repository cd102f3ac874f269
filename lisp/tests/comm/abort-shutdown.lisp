;;; async-io-state-abort (each direction), abort-and-close, shutdown with :abort and :callback,
;;; wait-for-input, buffered data after close.
(defvar *coll* (comm:create-and-run-wait-state-collection "abort" :handler t))
(defvar *events* nil)
(defun ev (&rest xs) (push xs *events*))
(defun wait-for (n) (mp:process-wait-with-timeout "events" 10 (lambda () (>= (length *events*) n))))
(defun show (label)
  (dolist (e (reverse *events*)) (format t "~a: ~s~%" label e))
  (setf *events* nil))
(defvar *server-states* nil)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h st) (declare (ignore h)) (push st *server-states*)) :address "127.0.0.1"))
(defun connect (callback)
  (comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" (comm:accepting-handle-local-port *acceptor*) callback))
(defun server-state () (mp:process-wait-with-timeout "server" 5 (lambda () *server-states*)) (pop *server-states*))

;; abort a pending read-buffer: the abort-callback gets the read's arguments
(connect (lambda (st f) (declare (ignore f))
           (comm:async-io-state-read-buffer st (make-string 4 :initial-element #\Space) (lambda (&rest args) (ev :read-callback-ran args)))
           (comm:async-io-state-abort st (lambda (s buf n) (ev :aborted-read (comm:async-io-state-name s) buf n
                                                               (comm:async-io-state-read-status s))))
           (comm:async-io-state-abort st (lambda (&rest args) (ev :abort-nothing-active (length args) (cdr args))) :input)
           (comm:async-io-state-abort st (lambda (&rest args) (ev :abort-io (length args))) :io)))
(wait-for 3)
(show "abort")

;; wait-for-input: called once data is there, without consuming it; then read it
(defvar *srv* nil)
(setf *server-states* nil)
(connect (lambda (st f) (declare (ignore f))
           (comm:async-io-state-write-buffer st "data!" (lambda (s b n) (declare (ignore b n)) (ev :client-wrote) (comm:close-async-io-state s)))))
(setf *srv* (server-state))
(comm:async-io-state-wait-for-input *srv* (lambda (s)
                                            (ev :input-ready (comm:async-io-state-read-status s))
                                            (comm:async-io-state-read-with-checking s
                                              (lambda (s2 buf end)
                                                (ev :checking end (comm:async-io-state-read-status s2) (subseq buf 0 end))
                                                (comm:async-io-state-finish s2 2)
                                                (ev :buffered-after-finish (comm:async-io-state-buffered-data-length s2))
                                                (let ((out (make-string 10 :initial-element #\-)))
                                                  (ev :closed-with (comm:close-async-io-state s2))
                                                  (ev :get-buffered-data (comm:async-io-state-get-buffered-data s2 out :start 1) out)))))
                                    :timeout 5 :user-info :waiting)
(wait-for 6)
(show "wait-for-input")
(format t "user-info stored: ~s~%" (comm:async-io-state-user-info *srv*))

;; shutdown: synchronous result, with a pending read :abort t defers it and returns nil
(connect (lambda (st f) (declare (ignore f))
           (ev :sync-shutdown (comm:async-io-state-shutdown st :output :callback (lambda (s r) (ev :shutdown-callback (eq s st) r))))
           (comm:async-io-state-read-buffer st (make-string 1) (lambda (&rest a) (ev :not-called a)))
           (ev :busy-shutdown (handler-case (comm:async-io-state-shutdown st :input) (error () :error)))
           (ev :abort-shutdown (comm:async-io-state-shutdown st :io :abort t
                                 :callback (lambda (s r) (ev :deferred-callback r) (comm:async-io-state-abort-and-close s
                                                           :close-callback (lambda (s2) (ev :close-callback (comm:async-io-state-name s2)))))))))
(wait-for 6)
(show "shutdown")
(comm:close-accepting-handle *acceptor*)
(comm:close-accepting-handle *acceptor* (lambda (c) (ev :second-close-callback (eq c *coll*))))
(wait-for 1)
(show "acceptor")
(comm:wait-state-collection-stop-loop *coll*)
