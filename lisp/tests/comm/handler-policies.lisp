;;; A callback that signals an error under each :handler policy: the callback is abandoned,
;;; the loop survives, other connections are unaffected.
(defun report (c)
  (if (typep c 'simple-condition)
      (apply #'format nil (simple-condition-format-control c) (simple-condition-format-arguments c))
      (format nil "~s" (type-of c))))

(defvar *results* nil)

(defun run-policy (label &rest keys)
  (let* ((coll (apply #'comm:create-and-run-wait-state-collection label keys))
         (events nil)
         (done nil)
         (acceptor
           (comm:accept-tcp-connections-creating-async-io-states
            coll 0
            (lambda (h state)
              (declare (ignore h))
              (comm:async-io-state-read-with-checking
               state
               (lambda (st buf end)
                 (cond ((comm:async-io-state-read-status st)
                        (comm:async-io-state-finish st)
                        (comm:close-async-io-state st))
                       ((eql (char buf 0) #\!)
                        (push :bad-callback-ran events)
                        (error "bad byte from ~a" (comm:async-io-state-name st)))
                       (t
                        (comm:async-io-state-discard st end)
                        (comm:async-io-state-write-buffer st "ok" (lambda (s b n) (declare (ignore s b n)))))))
               :timeout 5))
            :name "conn")))
    (flet ((client (text tag)
             (comm:create-async-io-state-and-connected-tcp-socket
              coll "127.0.0.1" (comm:accepting-handle-local-port acceptor)
              (lambda (st failure)
                (declare (ignore failure))
                (comm:async-io-state-write-buffer st text
                  (lambda (s b n)
                    (declare (ignore b n))
                    (comm:async-io-state-read-buffer s (make-string 2)
                      (lambda (s2 buf n2)
                        (push (list tag n2 (comm:async-io-state-read-status s2) (if (= n2 2) buf "")) events)
                        (comm:close-async-io-state s2)
                        (push tag done))
                      ;; the bad client's server callback fails, so its read times out
                      :timeout (if (eq tag :bad) 1 20))))))))
      (client "!boom" :bad)
      (mp:process-wait-with-timeout "bad client" 5 (lambda () (member :bad done)))
      (client "fine" :good)
      (mp:process-wait-with-timeout "good client" 30 (lambda () (member :good done))))
    (comm:close-accepting-handle acceptor)
    (comm:wait-state-collection-stop-loop coll)
    (format t "~a: ~s~%" label (reverse events))))

(run-policy "abort" :handler :abort)
(run-policy "print" :handler t)
(run-policy "function" :handler (lambda (object condition)
                                   (format t "handler function: ~a / ~a~%"
                                           (comm:async-io-state-name object) (report condition))))
(run-policy "function with backtrace" :with-backtrace t
            :handler (lambda (object condition backtrace)
                       (format t "handler function: ~a / ~a / backtrace is a string ~s~%"
                               (comm:async-io-state-name object) (report condition) (stringp backtrace))))
(format t "bad handler: ~a~%"
        (handler-case (comm:create-and-run-wait-state-collection "x" :handler 42)
          (error (c) (report c))))
(format t "bad with-backtrace: ~a~%"
        (handler-case (comm:create-and-run-wait-state-collection "x" :with-backtrace :verbose)
          (error (c) (report c))))
