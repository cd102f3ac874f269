;;; Server and client in one script: acceptor + read-with-checking + queued write-buffer on the
;;; server, connect + write-buffer + read-buffer on the client. Port 0, timeouts everywhere.
(defvar *coll* (comm:create-and-run-wait-state-collection "echo test" :handler t))
(defvar *server-log* nil)
(defvar *client-log* nil)
(defvar *done* nil)
(defun note (fmt &rest args)
  (let ((line (apply #'format nil fmt args)))
    (if (eql (char line 0) #\s) (push line *server-log*) (push line *client-log*))))
(defun octets-to-chars (buf n)
  (let (l) (dotimes (i n) (push (code-char (aref buf i)) l)) (nreverse l)))

(defun server-reader (state buffer end)
  (cond ((comm:async-io-state-read-status state)
         (note "server: read-status ~s" (comm:async-io-state-read-status state))
         (comm:async-io-state-finish state)
         (comm:async-io-state-abort-and-close state
           :close-callback (lambda (st) (note "server: closed ~s" (comm:async-io-state-name st)))))
        (t
         (let ((nl (position #\Newline buffer :start (comm:async-io-state-old-length state) :end end)))
           (when nl
             (let ((line (subseq buffer 0 (1+ nl))))
               (note "server: line ~s" line)
               (comm:async-io-state-discard state (1+ nl))
               (comm:async-io-state-write-buffer state line
                 (lambda (st buf n)
                   (note "server: wrote ~d of ~s, status ~s" n buf (comm:async-io-state-write-status st))))))))))

(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (handle state)
     (note "server: accepted, handle ~s, user-info ~s" (comm:accepting-handle-name handle)
           (comm:async-io-state-user-info state))
     (comm:async-io-state-read-with-checking state 'server-reader :element-type 'base-char :timeout 5))
   :queue-output t :handle-name "echo" :name "conn" :user-info :srv
   :address "127.0.0.1"))

(note "port is a number: ~s" (integerp (comm:accepting-handle-local-port *acceptor*)))
(note "collection: ~s" (eq (comm:accepting-handle-collection *acceptor*) *coll*))

(defvar *reply* (make-array 12 :element-type '(unsigned-byte 8)))

(comm:create-async-io-state-and-connected-tcp-socket
 *coll* "127.0.0.1" (comm:accepting-handle-local-port *acceptor*)
 (lambda (state failure)
   (note "client: connected, failure ~s, name ~s" failure (comm:async-io-state-name state))
   (multiple-value-bind (addr port) (comm:async-io-state-peer-address state)
     (note "client: peer ~a port ok ~s" (comm:ip-address-string addr)
           (eql port (comm:accepting-handle-local-port *acceptor*))))
   (comm:async-io-state-write-buffer state (format nil "hello~%world~%") 
     (lambda (st buf n)
       (declare (ignore buf))
       (note "client: wrote ~d" n)
       (comm:async-io-state-read-buffer st *reply*
         (lambda (st2 buf2 count)
           (note "client: read ~d bytes ~s status ~s" count (octets-to-chars buf2 count)
                 (comm:async-io-state-read-status st2))
           (note "client: close returns ~d" (comm:close-async-io-state st2))
           (comm:close-accepting-handle *acceptor*
             (lambda (c) (note "acceptor closed, collection ok ~s, socket ~s" (eq c *coll*)
                               (comm:accepting-handle-socket *acceptor*))
                     (setf *done* t))))
         :timeout 5))))
 :connect-timeout 5 :name "client")

(print (mp:process-wait-with-timeout "echo test" 10 (lambda () *done*)))
(terpri)
(dolist (l (reverse *client-log*)) (format t "~a~%" l))
;; the server sees EOF once the client closed; wait for its close-callback
(mp:process-wait-with-timeout "server close" 10 (lambda () (>= (length *server-log*) 7)))
(dolist (l (reverse *server-log*)) (format t "~a~%" l))
(comm:wait-state-collection-stop-loop *coll*)
(format t "alive after stop: ~s~%" (comm:wait-state-collection-alive-p *coll*))
