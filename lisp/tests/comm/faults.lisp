;;; Fault cases: a peer that never sends (timeout), a read started while one is in progress,
;;; a write without queue-output while one is pending, half-close, closing a state and the
;;; acceptor from inside their own callbacks, port already in use, connection refused.
(defun report (c)
  (if (typep c 'simple-condition)
      (apply #'format nil (simple-condition-format-control c) (simple-condition-format-arguments c))
      (format nil "~s" (type-of c))))
(defvar *coll* (comm:create-and-run-wait-state-collection "faults" :handler t))
(defvar *events* nil)
(defun ev (&rest xs) (push xs *events*))
(defun wait-for (n) (mp:process-wait-with-timeout "events" 10 (lambda () (>= (length *events*) n))))
(defun show (label)
  (dolist (e (reverse *events*)) (format t "~a: ~s~%" label e))
  (setf *events* nil))

(defvar *server-state* nil)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h st) (declare (ignore h)) (setf *server-state* st))
   :address "127.0.0.1"))
(defvar *port* (comm:accepting-handle-local-port *acceptor*))
(defun connect (callback &rest keys)
  (apply #'comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" *port* callback keys))

;; 1. the peer never sends: read-buffer times out with the bytes read so far
(connect (lambda (st f)
           (declare (ignore f))
           (comm:async-io-state-read-buffer st (make-string 4)
             (lambda (s buf n) (declare (ignore buf))
               (ev :timeout-read n (comm:async-io-state-read-status s)
                   (comm:async-io-state-read-timeout s))
               (comm:close-async-io-state s))
             :timeout 0.2)))
(wait-for 1)
(show "never sends")

;; 2. a second read while one is in progress is an error, and so is a second write without
;;    queue-output; with queue-output writes queue in order.
(connect (lambda (st f)
           (declare (ignore f))
           (comm:async-io-state-read-buffer st (make-string 1) (lambda (s b n) (declare (ignore s b n))) :timeout 5)
           (ev :second-read (handler-case (progn (comm:async-io-state-read-buffer st (make-string 1) (lambda (s b n) (declare (ignore s b n)))) :no-error)
                              (error (c) (report c))))
           ;; 50 MB cannot go out at once (the server does not read), so this write stays pending
           (comm:async-io-state-write-buffer st (make-array 50000000 :element-type '(unsigned-byte 8)) nil)
           (ev :second-write (handler-case (progn (comm:async-io-state-write-buffer st "b" nil) :no-error)
                               (error (c) (report c))))
           (comm:async-io-state-abort-and-close st :close-callback (lambda (s) (ev :closed (comm:async-io-state-read-status s))))))
(wait-for 3)
(show "in progress")

(defvar *order* nil)
(connect (lambda (st f)
           (declare (ignore f))
           (dolist (w '("one" "two" "three"))
             (comm:async-io-state-write-buffer st w (lambda (s b n) (declare (ignore s)) (push (list b n) *order*))))
           (comm:async-io-state-write-buffer st "last"
             (lambda (s b n) (declare (ignore b n))
               (ev :queued (reverse *order*))
               (comm:close-async-io-state s))))
         :queue-output t)
(wait-for 1)
(show "queue-output")

;; 3. half-close: the client shuts down its output; the server reads :eof, then still writes back
(setf *server-state* nil)
(connect (lambda (st f)
           (declare (ignore f))
           (comm:async-io-state-write-buffer st "bye"
             (lambda (s b n) (declare (ignore b n))
               (ev :shutdown (comm:async-io-state-shutdown s :output))
               (comm:async-io-state-read-buffer s (make-string 5)
                 (lambda (s2 buf n2)
                   (ev :client-read n2 buf (comm:async-io-state-read-status s2))
                   (comm:close-async-io-state s2))
                 :timeout 5)))))
(mp:process-wait-with-timeout "server state" 5 (lambda () (and *server-state* *events*)))
(let ((server *server-state*))
  (comm:async-io-state-read-with-checking server
    (lambda (s buf end)
      (cond ((comm:async-io-state-read-status s)
             (ev :server-status (comm:async-io-state-read-status s) end)
             (comm:async-io-state-finish s)
             (comm:async-io-state-write-buffer s "reply"
               (lambda (s2 b n) (declare (ignore b n)) (comm:close-async-io-state s2))))
            (t (ev :server-data (subseq buf 0 end)) (comm:async-io-state-discard s end))))
    :timeout 5))
(wait-for 4)
(show "half-close")

;; 4. closing a state inside its own callback, and the acceptor inside its connection function
(setf *server-state* nil)
(connect (lambda (st f)
           (declare (ignore f))
           (ev :close-in-callback (comm:close-async-io-state st) (comm:async-io-state-read-status st))
           (ev :write-after-close (handler-case (progn (comm:async-io-state-write-buffer st "x" nil) :no-error)
                                    (error (c) (report c))))))
(wait-for 2)
(show "close inside callback")
(defvar *acc2* nil)
(setf *acc2* (comm:accept-tcp-connections-creating-async-io-states
              *coll* 0 (lambda (h st)
                         (comm:close-accepting-handle h (lambda (c) (ev :acceptor-closed-callback (eq c *coll*))))
                         (comm:close-accepting-handle h)   ; idempotent
                         (ev :accepted-then-closed (comm:accepting-handle-socket h))
                         (comm:close-async-io-state st))
              :address "127.0.0.1"))
(comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" (comm:accepting-handle-local-port *acc2*)
  (lambda (st f) (declare (ignore f)) (comm:close-async-io-state st)))
(wait-for 2)
(show "acceptor closed in callback")

;; 5. port already in use (init-timeout 0: no retry) and connection refused
(format t "port in use: ~a~%"
        (handler-case (progn (comm:accept-tcp-connections-creating-async-io-states *coll* *port* 'identity
                                                                            :address "127.0.0.1" :init-timeout 0)
                             :no-error)
          (error (c) (format nil "~s" (type-of c)))))
(comm:close-accepting-handle *acceptor*)
(connect (lambda (st failure)
           (ev :refused (not (null failure)) (stringp (apply #'format nil failure)))
           (comm:close-async-io-state st))
         :connect-timeout 5)
(wait-for 1)
(show "refused")
(comm:wait-state-collection-stop-loop *coll*)
