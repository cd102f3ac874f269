;;; The default :handler (nil): an error in a callback is reported on *error-output* with the
;;; state's name and a backtrace, that callback is abandoned, and the loop goes on.
(defvar *coll* (comm:create-and-run-wait-state-collection "default"))
(defvar *after* nil)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h st)
              (declare (ignore h))
              (comm:async-io-state-read-buffer st (make-string 2)
                (lambda (s buf n)
                  (declare (ignore n))
                  (comm:close-async-io-state s)
                  (error "oops: ~a" buf))))
   :name "conn" :address "127.0.0.1"))
(defun client (text)
  (comm:create-async-io-state-and-connected-tcp-socket
   *coll* "127.0.0.1" (comm:accepting-handle-local-port *acceptor*)
   (lambda (st f) (declare (ignore f))
     (comm:async-io-state-write-buffer st text (lambda (s b n) (declare (ignore b n)) (comm:close-async-io-state s))))))
(client "ab")
(client "cd")
(comm:apply-in-wait-state-collection-process *coll* (lambda () (car nil) (setf *after* :applied)))
(comm:apply-in-wait-state-collection-process *coll* (lambda () (error "in applied function")))
(mp:process-wait-with-timeout "applied" 5 (lambda () *after*))
(sleep 0.2)
(format t "loop still alive: ~s, applied: ~s~%" (comm:wait-state-collection-alive-p *coll*) *after*)
(comm:close-accepting-handle *acceptor*)
