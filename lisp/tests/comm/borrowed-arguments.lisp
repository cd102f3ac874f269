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
(comm:close-wait-state-collection *coll*)
