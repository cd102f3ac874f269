;;; MP: virtual processes run by the driver, mailboxes, locks, waits with timeouts.
(defvar *mb* (mp:make-mailbox :name "jobs"))
(defvar *lock* (mp:make-lock :name "counter"))
(defvar *count* 0)

(defvar *worker*
  (mp:process-run-function "worker" '()
    (lambda (n)
      (format t "worker starts, current process name ~s~%" (mp:process-name mp:*current-process*))
      (dotimes (i n)
        (multiple-value-bind (job ok) (mp:mailbox-read *mb* "waiting for a job" 5)
          (format t "worker got ~s ~s~%" job ok)
          (mp:with-lock (*lock*) (incf *count* job))))
      (format t "worker done~%"))
    3))

(format t "process name: ~s~%" (mp:process-name *worker*))
(format t "current process at top level: ~s~%" (mp:get-current-process))
(format t "listed: ~s~%" (not (null (member *worker* (mp:list-all-processes)))))
(dolist (j '(10 20 30)) (mp:mailbox-send *mb* j))
(format t "wait: ~s~%" (mp:process-wait "count" (lambda () (= *count* 60))))
(format t "count ~d, worker alive ~s~%" *count* (mp:process-alive-p *worker*))
(format t "timeout read: ~s~%" (multiple-value-list (mp:mailbox-read *mb* "nothing" 0.1)))
(format t "wait with timeout (false): ~s~%" (mp:process-wait-with-timeout "never" 0.1 (lambda () nil)))
(format t "wait with timeout (true): ~s~%" (mp:process-wait-with-timeout "now" 1 (lambda () t)))

;; funcall-async runs later, from the driver
(defvar *async-result* nil)
(mp:funcall-async (lambda (x) (setf *async-result* (* x 2))) 21)
(format t "before: ~s~%" *async-result*)
(mp:process-wait-with-timeout "async" 5 (lambda () *async-result*))
(format t "after: ~s~%" *async-result*)

;; terminate a process that has not started yet, and one blocked in a wait
(defvar *p1* (mp:process-run-function "never runs" nil (lambda () (format t "should not print~%"))))
(mp:process-terminate *p1*)
(defvar *p2* (mp:process-run-function "blocked" nil
               (lambda () (mp:process-wait "forever" (lambda () nil)) (format t "not reached~%"))))
(mp:process-run-function "terminator" nil (lambda () (mp:process-terminate *p2*)))
(mp:process-wait-with-timeout "p2" 5 (lambda () (not (mp:process-alive-p *p2*))))
(format t "p1 alive ~s, p2 alive ~s~%" (mp:process-alive-p *p1*) (mp:process-alive-p *p2*))

;; sleep serves a running collection meanwhile
(defvar *coll* (comm:create-and-run-wait-state-collection "sleepy"))
(defvar *ran* nil)
(comm:apply-in-wait-state-collection-process *coll* (lambda (x) (setf *ran* x)) :ran-during-sleep)
(sleep 0.1)
(format t "applied: ~s, alive ~s~%" *ran* (comm:wait-state-collection-alive-p *coll*))
(mp:process-terminate (car (last (mp:list-all-processes))))
(format t "alive after process-terminate: ~s~%" (comm:wait-state-collection-alive-p *coll*))
(format t "bad keyword: ~a~%" (handler-case (mp:make-mailbox :colour 1)
                                (error (c) (apply #'format nil (simple-condition-format-control c)
                                                  (simple-condition-format-arguments c)))))
