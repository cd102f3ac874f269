;;; Writes started inside callbacks go out with the end of the callback batch; every operation
;;; that could see a pending write behaves as if the write had been attempted at once:
;;; a close right after the write still sends it, a second write without queue-output is
;;; accepted once the first went out, get-buffered-data works, and a callback that blocks
;;; (waiting on another collection) after writing does not hold its write back.
(defvar *server-coll* (comm:create-and-run-wait-state-collection "servers" :handler t))
(defvar *client-coll* (comm:create-and-run-wait-state-collection "clients" :handler t))
(defvar *log* nil)
(defun note (fmt &rest args) (push (apply #'format nil fmt args) *log*))

;; The server collects what each connection sends until EOF, then records it.
(defvar *received* nil)
(defun collect-read (state buffer end)
  (declare (ignore buffer end))
  (cond ((comm:async-io-state-read-status state)
         (let* ((n (comm:async-io-state-buffered-data-length state))
                (out (make-string n)))
           (comm:async-io-state-finish state)
           (comm:async-io-state-get-buffered-data state out)
           (push (list (comm:async-io-state-user-info state) out) *received*)
           (comm:async-io-state-abort-and-close state)))))
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *server-coll* 0
   (lambda (handle state)
     (declare (ignore handle))
     (comm:async-io-state-read-with-checking state #'collect-read :element-type 'base-char :timeout 5))
   :address "127.0.0.1"))
(defvar *port* (comm:accepting-handle-local-port *acceptor*))

(defun connect (name on-connect)
  (comm:create-async-io-state-and-connected-tcp-socket
   *client-coll* "127.0.0.1" *port*
   (lambda (state failure)
     (if failure (note "~a: connect failed ~s" name failure) (funcall on-connect state)))
   :connect-timeout 5 :name name))

;; 1. write-buffer then close-async-io-state in the same callback.
(connect "close-after-write"
  (lambda (state)
    (comm:async-io-state-write-buffer state "sent before close" nil)
    (note "close-after-write: close returns ~s" (comm:close-async-io-state state))))

;; 2. Two write-buffers in one callback without queue-output, and get-buffered-data between.
(connect "two-writes"
  (lambda (state)
    (comm:async-io-state-write-buffer state "first+" nil)
    (note "two-writes: get-buffered-data ~s" (comm:async-io-state-get-buffered-data state (make-string 4)))
    (comm:async-io-state-write-buffer state "second" nil)
    (comm:async-io-state-shutdown state :output)
    (note "two-writes: shut down")))

;; 3. A callback that writes and then blocks until the server has the data (another collection).
(connect "blocking-after-write"
  (lambda (state)
    (comm:async-io-state-write-buffer state "while blocked" nil)
    (comm:async-io-state-shutdown state :output)
    (note "blocking-after-write: server got it while the callback waited: ~s"
          (mp:process-wait-with-timeout "server data" 5
            (lambda () (find "while blocked" *received* :key #'second :test #'string=))))))

(mp:process-wait-with-timeout "all received" 10 (lambda () (>= (length *received*) 3)))
(dolist (l (sort (copy-list *log*) #'string<)) (format t "~a~%" l))
(dolist (r (sort (mapcar #'second *received*) #'string<)) (format t "server received ~s~%" r))
(comm:close-accepting-handle *acceptor*)
(comm:wait-state-collection-stop-loop *server-coll*)
(comm:wait-state-collection-stop-loop *client-coll*)
