;;; The fast paths of the per-message operations and state readers borrow the state, buffer
;;; and callback objects from their argument slots instead of copying them. These calls pass
;;; them in every way a program can: a plain lexical variable, a variable captured by a
;;; closure (its slot holds a box), a computed argument, a fresh object nothing else holds,
;;; and the wrong type; repeated, so a reference counted wrongly would free an object still
;;; in use and crash or corrupt the output.
(defvar *coll* (comm:create-and-run-wait-state-collection "borrowed" :handler t))
(defvar *done* nil)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (handle state)
     (declare (ignore handle))
     (let ((captured state))
       (flet ((get-it () captured))
         (setf (comm:async-io-state-user-info captured) (list 1 2))
         (print (list :plain (comm:async-io-state-user-info state)
                      :boxed (comm:async-io-state-user-info captured)
                      :computed (comm:async-io-state-user-info (get-it))
                      :length (comm:async-io-state-buffered-data-length (identity captured))))
         (print (handler-case (comm:async-io-state-user-info 42) (error (e) (type-of e))))
         (print (handler-case (comm:async-io-state-finish (car (list "x"))) (error (e) (type-of e))))
         (let ((b (make-array 4 :element-type '(unsigned-byte 8))))
           (print (handler-case (comm:async-io-state-write-buffer captured b 'no-such-callback :error-callback 7)
                    (error (e) (type-of e))))
           (print (comm:async-io-state-get-buffered-data captured "abc"))
           (print (comm:async-io-state-get-buffered-data (get-it) b :end 2)))
         (setf *done* state))))
   :address "127.0.0.1"))
(defvar *client* (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*)
                                       :element-type '(unsigned-byte 8) :read-timeout 5))
(mp:process-wait-with-timeout "accepted" 5 (lambda () *done*))
(terpri)

;;; A read-with-checking / write-buffer echo of 200 messages with the state, buffer and
;;; callbacks in lexical variables, each buffer made fresh per message (only the argument
;;; slot and the pending write hold it).
(defvar *echoed* 0)
(defun serve (state)
  (let ((st state))
    (comm:async-io-state-read-with-checking
     st
     (lambda (s buffer end)
       (declare (ignore buffer end))
       (let* ((n (comm:async-io-state-buffered-data-length s))
              (out (make-array n :element-type '(unsigned-byte 8))))
         (comm:async-io-state-finish s)
         (comm:async-io-state-write-buffer
          s out (lambda (s2 buf count)
                  (declare (ignore buf))
                  (incf *echoed* count)
                  (serve s2))
          :end (comm:async-io-state-get-buffered-data s out)
          :error-callback (lambda (s2 buf count) (declare (ignore buf count)) (comm:async-io-state-abort-and-close s2)))))
     :element-type '(unsigned-byte 8))))
(serve *done*)
(defvar *bytes* (make-array 64 :element-type '(unsigned-byte 8)))
(defvar *ok* t)
(dotimes (i 200)
  (dotimes (j 64) (setf (aref *bytes* j) (mod (+ i j) 256)))
  (write-sequence *bytes* *client*)
  (force-output *client*)
  (let ((in (make-array 64 :element-type '(unsigned-byte 8))))
    (unless (and (= (read-sequence in *client*) 64) (equalp in *bytes*))
      (setf *ok* nil))))
(mp:process-wait-with-timeout "write callbacks" 5 (lambda () (= *echoed* (* 200 64))))
(format t "echoed ~d bytes, all equal: ~a~%" *echoed* *ok*)
(close *client*)
(comm:close-accepting-handle *acceptor*)

;;; Keyword calls lend variable arguments to the builtin only when no argument form assigns a
;;; variable. Each case runs 1000 times (a reference dropped wrongly would free the state or
;;; the buffer while still in use).
(defvar *udp* (comm:create-async-io-state-and-udp-socket *coll* :name "lent"))
(defmacro report (form)
  `(print (handler-case ,form (error (e) (list :error (princ-to-string e))))))
(defun repeat (f) (let (r) (dotimes (i 1000 r) (setq r (funcall f)))))
;; Lent: plain variables, a fresh buffer nothing else holds.
(defun gbd (s b) (comm:async-io-state-get-buffered-data s b :start 1 :end 3))
(report (repeat (lambda () (gbd *udp* (make-array 8 :element-type '(unsigned-byte 8))))))
;; A later argument assigns the first argument's variable: the call still gets the value read
;; first. The first arguments here are fresh strings that only the variable holds (so the
;; builtin's error message shows whether the string was kept alive).
(defun gbd-setq (s b) (comm:async-io-state-get-buffered-data s (progn (setq s 42) b) :end 2))
(report (repeat (lambda () (gbd-setq (copy-seq "first value") (make-array 8 :element-type '(unsigned-byte 8))))))
;; The assignment made by a closure created in a later argument.
(defun gbd-closure (s b)
  (comm:async-io-state-get-buffered-data s (progn (funcall (lambda () (setq s nil))) b) :end 2))
(report (repeat (lambda () (gbd-closure (copy-seq "first value") (make-array 8 :element-type '(unsigned-byte 8))))))
;; ... and by push onto the variable.
(defun gbd-push (s b) (comm:async-io-state-get-buffered-data s (progn (push 1 s) b) :end 2))
(report (repeat (lambda () (gbd-push (copy-seq "first value") (make-array 8 :element-type '(unsigned-byte 8))))))
;; A later argument signals: the lent state goes back untouched.
(defun gbd-error (s b) (comm:async-io-state-get-buffered-data s b :start (error "boom")))
(report (repeat (lambda () (handler-case (gbd-error *udp* (make-array 8 :element-type '(unsigned-byte 8)))
                             (error (e) (princ-to-string e))))))
;; The wrong type: the builtin's own error, with the lent arguments.
(defun gbd-string-state (s b) (comm:async-io-state-get-buffered-data s b :end 2))
(report (repeat (lambda () (gbd-string-state (copy-seq "not a state") (make-array 8 :element-type '(unsigned-byte 8))))))
;; Redefined as a function that assigns its parameters: it gets counted values.
(defvar *original* (fdefinition 'comm:async-io-state-get-buffered-data))
(setf (fdefinition 'comm:async-io-state-get-buffered-data)
      (lambda (s b &rest keys) (let ((kind (type-of s))) (setq s nil b nil) (list kind s b keys))))
(report (repeat (lambda () (gbd (copy-seq "fresh") (make-array 8 :element-type '(unsigned-byte 8))))))
;; Undefined: the handlers of the undefined-function error run Lisp code where the lent
;; arguments were parked (they are handed back first).
(fmakunbound 'comm:async-io-state-get-buffered-data)
(defun undefined-once ()
  (let ((s (copy-seq "a string only s holds")))
    (handler-case (gbd s (make-array 8 :element-type '(unsigned-byte 8)))
      (undefined-function () (list :undefined (length s) s)))))
(report (repeat #'undefined-once))
(defun undefined-bind ()
  (let ((s (copy-seq "another string only s holds")))
    (block out
      (handler-bind ((undefined-function (lambda (c) (declare (ignore c)) (return-from out (list :undefined s)))))
        (gbd s (make-array 8 :element-type '(unsigned-byte 8)))))))
(report (repeat #'undefined-bind))
(setf (fdefinition 'comm:async-io-state-get-buffered-data) *original*)
(report (gbd *udp* (make-array 8 :element-type '(unsigned-byte 8))))
;; The internal list loop assigns its variables in place: counted like setq.
(defun dolist-loop (s b)
  (let ((p (list 1)))
    (comm:async-io-state-get-buffered-data s (progn (sys::%dolist-loop s p) b) :end 2)))
(report (repeat (lambda () (dolist-loop (copy-seq "first value") (make-array 8 :element-type '(unsigned-byte 8))))))
(comm:close-async-io-state *udp*)
(comm:close-wait-state-collection *coll*)
(terpri)
