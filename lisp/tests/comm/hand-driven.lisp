;;; A collection driven by hand (spec 15.6): wait-for + call, apply-in-...-process wakes it,
;;; loop-processing returns on stop-loop, close-wait-state-collection kills states silently.
(defvar *coll* (comm:make-wait-state-collection))
(defvar *done* nil)
(defvar *log* nil)
(format t "alive (never run): ~s~%" (comm:wait-state-collection-alive-p *coll*))
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h st) (declare (ignore h))
              (push :accepted *log*)
              (comm:async-io-state-read-buffer st (make-string 3)
                (lambda (s buf n) (push (list :read buf n) *log*) (comm:close-async-io-state s) (setf *done* t))))
   :address "127.0.0.1"))
(defvar *client* (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*)))
(write-string "abc" *client*)
(force-output *client*)
(do () (*done*)
  (comm:wait-for-wait-state-collection *coll*)
  (comm:call-wait-state-collection *coll*))
(format t "log: ~s~%" (reverse *log*))
;; The manual's wake-up idiom: apply FALSE (LISPWORKS:FALSE, inherited by CL-USER) to make a
;; waiting wait-for-wait-state-collection return.
(comm:apply-in-wait-state-collection-process *coll* 'false)
(comm:wait-for-wait-state-collection *coll*)
(comm:call-wait-state-collection *coll*)
(format t "woken by 'false: ~s ~s ~s~%" (false 1 2) (true) (eq 'false 'lw:false))
(comm:apply-in-wait-state-collection-process *coll* (lambda (x) (push x *log*) (comm:wait-state-collection-stop-loop *coll*)) :applied)
(comm:loop-processing-wait-state-collection *coll*)
(format t "loop returned, last: ~s~%" (car *log*))
(defvar *st* (comm:create-async-io-state *coll* (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*))
                                        :name "wrapped" :read-timeout 7))
(format t "state name ~s, read-timeout ~s, object is a stream ~s~%"
        (comm:async-io-state-name *st*) (comm:async-io-state-read-timeout *st*)
        (streamp (comm:async-io-state-object *st*)))
(setf (comm:async-io-state-name *st*) "renamed" (comm:async-io-state-max-read *st*) 10
      (comm:async-io-state-user-info *st*) '(1 2))
(format t "after setf: ~s ~s ~s~%" (comm:async-io-state-name *st*) (comm:async-io-state-max-read *st*)
        (comm:async-io-state-user-info *st*))
(comm:async-io-state-read-buffer *st* (make-string 1) (lambda (&rest args) (format t "never called ~s~%" args)))
(comm:close-wait-state-collection *coll*)
(comm:call-wait-state-collection *coll*)
(format t "after close: acceptor socket ~s, collection ~s~%" (comm:accepting-handle-socket *acceptor*)
        (comm:accepting-handle-collection *acceptor*))
(close *client*)
