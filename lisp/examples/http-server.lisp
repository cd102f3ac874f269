;;; http-server.lisp -- a tiny HTTP/1.0 server: reads the request head with read-with-checking,
;;; answers with a fixed page, and closes the connection once the reply is written.
;;;
;;;   commlisp lisp/examples/http-server.lisp [PORT [CERT KEY]]   (default 8080; 0 = any free port)
;;;   curl http://127.0.0.1:8080/          (with CERT and KEY: curl --cacert CA https://localhost:8080/)

(defvar *port*
  (let ((arg (third sys:*line-arguments-list*)))
    (if arg (parse-integer arg) 8080)))

(defvar *coll* (comm:create-and-run-wait-state-collection "http" :handler t))
(defvar *requests* 0)

(defun head-end (buffer start end)
  "Index just after the first blank line (CRLF CRLF or LF LF) in BUFFER, or NIL."
  (do ((i (if (> start 3) (- start 3) 0) (1+ i)))
      ((>= i end) nil)
    (when (and (eql (char buffer i) #\Newline)
               (or (and (< (1+ i) end) (eql (char buffer (1+ i)) #\Newline))
                   (and (< (+ i 2) end) (eql (char buffer (1+ i)) #\Return)
                        (eql (char buffer (+ i 2)) #\Newline))))
      (return (if (eql (char buffer (1+ i)) #\Newline) (+ i 2) (+ i 3))))))

(defun request-line (buffer end)
  (let ((nl (or (position #\Return buffer :end end) (position #\Newline buffer :end end) end)))
    (subseq buffer 0 nl)))

(defun http-reader (state buffer end)
  (cond ((comm:async-io-state-read-status state)
         (comm:async-io-state-finish state)
         (comm:async-io-state-abort-and-close state))
        ((head-end buffer (comm:async-io-state-old-length state) end)
         (let* ((line (request-line buffer end))
                (body (format nil "Hello from CommLisp~%You asked for: ~a~%Request number ~d~%"
                              line (incf *requests*)))
                (reply (format nil "HTTP/1.0 200 OK~aContent-Type: text/plain~aContent-Length: ~d~a~a~a"
                               (crlf) (crlf) (length body) (crlf) (crlf) body)))
           (comm:async-io-state-finish state)
           (comm:async-io-state-write-buffer state reply
             (lambda (st buf n)
               (declare (ignore buf n))
               (comm:async-io-state-abort-and-close st)))))))

(defun crlf () (format nil "~a~a" (code-char 13) (code-char 10)))

(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* *port*
   (lambda (handle state)
     (declare (ignore handle))
     (comm:async-io-state-read-with-checking state 'http-reader :timeout 10))
   :handle-name "http"
   ;; With CERT and KEY arguments the same server speaks HTTPS: the handshake completes before
   ;; the connection function runs, so the reader above sees plain text either way.
   :ssl-ctx (let ((cert (fourth sys:*line-arguments-list*))
                  (key (fifth sys:*line-arguments-list*)))
              (and cert key (comm:create-ssl-server-context :cert-file cert :key-file key)))
   :handshake-timeout 10))

(format t "http server listening on port ~d~%" (comm:accepting-handle-local-port *acceptor*))
(finish-output)
