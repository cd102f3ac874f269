;;; The per-message operations (write-buffer, read-with-checking, get-buffered-data) have a
;;; fast path for calls written with constant keywords and the usual argument types; every
;;; other shape goes through the general builtin. Each call below runs twice, once written
;;; out (compiled: fast path or its fallback) and once through APPLY (always the general
;;; builtin), and both must do the same thing: the same bytes sent, the same callback
;;; arguments, the same errors.
(defvar *coll* (comm:create-and-run-wait-state-collection "shapes" :handler t))
(defvar *server* nil)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (handle state) (declare (ignore handle)) (setf *server* state))
   :address "127.0.0.1"))
(defvar *client* (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*)
                                       :element-type '(unsigned-byte 8) :read-timeout 5))
(mp:process-wait-with-timeout "accepted" 5 (lambda () *server*))

(defvar *done* nil)
(defun done (state buffer n)
  (declare (ignore state))
  (setf *done* (list (type-of buffer) n)))
(defun wait-done ()
  (mp:process-wait-with-timeout "callback" 5 (lambda () *done*))
  (prog1 *done* (setf *done* nil)))

(defun outcome (thunk)
  (handler-case (funcall thunk)
    (error (e) (list :error (princ-to-string e)))))

(defmacro both (form &key before after)
  "Runs FORM written out, then the same call through APPLY; BEFORE runs before each (it puts
the state back where the first run found it) and AFTER's value is printed with FORM's."
  (destructuring-bind (op &rest args) form
    `(progn
       (format t "~s~%" ',form)
       ,before
       (format t "  written: ~s~%" (list (outcome (lambda () ,form)) ,after))
       ,before
       (format t "  apply:   ~s~%" (list (outcome (lambda () (apply #',op (list ,@args)))) ,after)))))

;;; write-buffer: the client reads what the callback reports as written.
(defvar *out* (make-array 8 :element-type '(unsigned-byte 8) :initial-contents '(1 2 3 4 5 6 7 8)))
(defun sent ()
  (let ((d (wait-done)))
    (if d
        (let ((got (make-array (second d) :element-type '(unsigned-byte 8))))
          (read-sequence got *client*)
          (list d (coerce got 'list)))
        :no-callback)))
(defun no-callback () (if *done* (prog1 (list :unexpected *done*) (setf *done* nil)) :none))

(both (comm:async-io-state-write-buffer *server* *out* #'done) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* #'done :start 2 :end 5) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* #'done :end 3 :error-callback nil) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* #'done :end nil :start 6) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* 'done :end 1) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* #'done :end 2 :error-callback 'done) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* #'done :end 2 :user-info :written) :after (sent))
(format t "user-info ~s~%" (comm:async-io-state-user-info *server*))
(both (comm:async-io-state-write-buffer *server* "text" #'done :end 2) :after (sent))
(both (comm:async-io-state-write-buffer *server* *out* #'done :start 5 :end 2) :after (no-callback))
(both (comm:async-io-state-write-buffer *server* *out* #'done :end 9) :after (no-callback))
(both (comm:async-io-state-write-buffer *server* *out* #'done :end -1) :after (no-callback))
(both (comm:async-io-state-write-buffer *server* *out* #'done :error-callback 42) :after (no-callback))
(both (comm:async-io-state-write-buffer :not-a-state *out* #'done) :after (no-callback))
(both (comm:async-io-state-write-buffer *server* 42 #'done) :after (no-callback))

;;; read-with-checking: the client sends, the callback reports the buffer type and contents.
(defvar *seen* nil)
(defun checking (state buffer end)
  (setf *seen* (list (type-of buffer) end (coerce (subseq buffer 0 end) 'list)))
  (comm:async-io-state-finish state end))
(defun drain ()
  "Drops whatever the server has buffered (no read in progress)."
  (comm:async-io-state-get-buffered-data *server* (make-array 100 :element-type '(unsigned-byte 8))))
(defun received (&optional (bytes '(65 66 67)))
  (write-sequence (coerce bytes '(vector (unsigned-byte 8))) *client*)
  (force-output *client*)
  (mp:process-wait-with-timeout "read" 5 (lambda () *seen*))
  (prog1 *seen* (setf *seen* nil)))
(defun rest-of-input ()
  "What a further read gets without sending anything (the bytes a :max-read left unread)."
  (comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8))
  (mp:process-wait-with-timeout "rest" 5 (lambda () *seen*))
  (prog1 *seen* (setf *seen* nil)))
(defun still-reading ()
  "After an error: whether a read is still pending (there should be none)."
  (handler-case (progn (drain) :not-reading)
    (error () :reading)))

(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8))
      :before (drain) :after (received))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8)
                                              :error-callback #'checking)
      :before (drain) :after (received))
(both (comm:async-io-state-read-with-checking *server* #'checking) :before (drain) :after (received '(120 121)))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type 'base-char)
      :before (drain) :after (received '(120 121)))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8))
      :before (drain) :after (received '(200 1 255)))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(signed-byte 8))
      :before (drain) :after (received '(200 1 255)))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(signed-byte 8))
      :before (drain) :after (received '(128 127 0)))
(both (comm:async-io-state-read-with-checking *server* 'checking :element-type '(unsigned-byte 8))
      :before (drain) :after (received))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8) :max-read 1)
      :before (drain) :after (list (received '(1 2)) (rest-of-input)))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type 'double-float)
      :before (drain) :after (still-reading))
(both (comm:async-io-state-read-with-checking *server* #'checking :error-callback "no")
      :before (drain) :after (still-reading))
(both (comm:async-io-state-read-with-checking :not-a-state #'checking) :before (drain) :after (still-reading))
;; A read in progress: a second start is an error either way, and the first read goes on.
(drain)
(comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8))
(both (comm:async-io-state-read-with-checking *server* #'checking :element-type '(unsigned-byte 8)) :after :none)
(format t "the pending read still delivers: ~s~%" (received '(9)))

;;; get-buffered-data: bytes 1..4 left buffered after a finished read.
(defun stock (n)
  "Leaves N bytes (1..N) buffered in the server state."
  (drain)
  (let ((done nil))
    (comm:async-io-state-read-with-checking
     *server* (lambda (state buffer end)
                (declare (ignore buffer))
                (when (>= end n) (comm:async-io-state-finish state) (setf done t)))
     :element-type '(unsigned-byte 8))
    (write-sequence (coerce (loop for i from 1 to n collect i) '(vector (unsigned-byte 8))) *client*)
    (force-output *client*)
    (mp:process-wait-with-timeout "stocked" 5 (lambda () done))))
(defvar *in* (make-array 6 :element-type '(unsigned-byte 8) :initial-element 0))
(defvar *text* (make-string 6 :initial-element #\.))
(defun taken ()
  "What the buffers hold and how much stays buffered; then both buffers are reset."
  (prog1 (list (coerce *in* 'list) (copy-seq *text*) (comm:async-io-state-buffered-data-length *server*))
    (fill *in* 0)
    (fill *text* #\.)))

(both (comm:async-io-state-get-buffered-data *server* *in*) :before (stock 4) :after (taken))
(both (comm:async-io-state-get-buffered-data *server* *in* :start 1 :end 3) :before (stock 4) :after (taken))
(both (comm:async-io-state-get-buffered-data *server* *in* :end nil :start 5) :before (stock 4) :after (taken))
(both (comm:async-io-state-get-buffered-data *server* *text* :end 2) :before (stock 4) :after (taken))
(both (comm:async-io-state-get-buffered-data *server* *in* :start 4 :end 3) :before (stock 4) :after (taken))
(both (comm:async-io-state-get-buffered-data *server* *in* :end 7) :before (stock 4) :after (taken))
(both (comm:async-io-state-get-buffered-data *server* '(1 2) :end 1) :before (stock 4) :after (taken))

;;; An abort-callback sees the buffer as a callback would: a (signed-byte 8) read-with-checking
;;; buffer after a discard, and a partial read-buffer into a (signed-byte 8) vector at :start 1.
(defvar *aborted* nil)
(defun record-abort (state buffer n)
  (declare (ignore state))
  (setf *aborted* (list n (coerce (subseq buffer 0 (min (length buffer) 6)) 'list))))
(defun abort-after-discard (element-type)
  (drain)
  (setf *aborted* nil)
  (comm:async-io-state-read-with-checking
   *server* (lambda (state buffer end)
              (declare (ignore buffer))
              (when (>= end 5)
                (comm:async-io-state-discard state 2)
                (comm:async-io-state-abort state #'record-abort)))
   :element-type element-type)
  (write-sequence (coerce '(1 2 3 4 200) '(vector (unsigned-byte 8))) *client*)
  (force-output *client*)
  (mp:process-wait-with-timeout "aborted" 5 (lambda () *aborted*))
  (prog1 *aborted* (drain)))
(format t "abort after discard, (unsigned-byte 8): ~s~%" (abort-after-discard '(unsigned-byte 8)))
(format t "abort after discard, (signed-byte 8): ~s~%" (abort-after-discard '(signed-byte 8)))
(let ((v (make-array 6 :element-type '(signed-byte 8) :initial-element 9)))
  (setf *aborted* nil)
  (comm:async-io-state-read-buffer *server* v (lambda (&rest args) (declare (ignore args))) :start 1)
  (write-sequence (coerce '(1 255) '(vector (unsigned-byte 8))) *client*)
  (force-output *client*)
  (sleep 0.2)
  (comm:async-io-state-abort *server* #'record-abort)
  (mp:process-wait-with-timeout "aborted" 5 (lambda () *aborted*))
  (format t "abort of a partial read-buffer into a (signed-byte 8) vector at :start 1: ~s~%" *aborted*))

(close *client*)
(comm:close-accepting-handle *acceptor*)
(comm:wait-state-collection-stop-loop *coll*)
