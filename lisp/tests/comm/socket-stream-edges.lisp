;;; Socket streams at their edges: a state made from a stream closes the stream with it; a write
;;; to a peer that is gone signals COMM:SOCKET-ERROR; LISTEN at end of file is false; octets
;;; read into a (SIGNED-BYTE 8) vector are -128..127; argument checks of OPEN-TCP-STREAM; the
;;; SSL implementation selectors.
(defvar *coll* (comm:create-and-run-wait-state-collection "edges" :handler t))
(defvar *got* nil)
(defvar *mode* :collect)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (h state)
     (declare (ignore h))
     (ecase *mode*
       (:collect
        (comm:async-io-state-read-with-checking state
          (lambda (st buf end)
            (if (comm:async-io-state-read-status st)   ; end of file: done
                (comm:async-io-state-finish st)
                (progn (push (map 'string #'code-char (subseq buf 0 end)) *got*)
                       (comm:async-io-state-discard st end))))
          :element-type '(unsigned-byte 8)))
       (:close-at-once (comm:close-async-io-state state))
       (:send-and-close
        (comm:async-io-state-write-buffer state (format nil "line1~%partial")
          (lambda (st b n) (declare (ignore b n)) (comm:close-async-io-state st))))
       (:send-octets
        (comm:async-io-state-write-buffer state (make-array 4 :element-type '(unsigned-byte 8)
                                                             :initial-contents '(200 255 1 128))
          (lambda (st b n) (declare (ignore b n)) (comm:close-async-io-state st))))))
   :address "127.0.0.1"))
(defvar *port* (comm:accepting-handle-local-port *acceptor*))
(defun open-client () (comm:open-tcp-stream "127.0.0.1" *port* :errorp t :read-timeout 5))
(defun wait-until (pred) (mp:process-wait-with-timeout "wait" 5 pred))

;; 1. Closing a state made from a stream closes the stream: no I/O on a reused descriptor.
(defvar *s* (open-client))
(comm:close-async-io-state (comm:create-async-io-state *coll* *s*))
(format t "stream open after closing its state: ~s~%" (open-stream-p *s*))
(defvar *s2* (open-client))
(format t "write to the closed stream: ~s~%"
        (handler-case (progn (write-line "STALE" *s*) (force-output *s*) :no-error)
          (error () :error)))
(write-line "fresh" *s2*)
(force-output *s2*)
(wait-until (lambda () *got*))
(format t "the new connection received: ~s~%" *got*)
(close *s2*)
;; With :keep-alive-p the stream stays usable.
(defvar *s3* (open-client))
(comm:close-async-io-state (comm:create-async-io-state *coll* *s3*) :keep-alive-p t)
(format t "stream open after a keep-alive close: ~s~%" (open-stream-p *s3*))
(close *s3*)

;; 2. Writing to a peer that closed: the failure is signalled, not lost.
(setf *mode* :close-at-once)
(defvar *w* (open-client))
(sleep 0.2)
(format t "write to a closed peer: ~s~%"
        (handler-case
            (let ((chunk (make-string 65536 :initial-element #\x)))
              (dotimes (i 8) (write-string chunk *w*) (force-output *w*) (sleep 0.05))
              :no-error)
          (comm:socket-error () :socket-error)))
(close *w* :abort t)

;; 3. LISTEN is false at end of file.
(setf *mode* :send-and-close)
(defvar *r* (open-client))
(format t "lines: ~s ~s~%" (read-line *r*) (read-line *r* nil :eof))
(format t "listen at end of file: ~s~%" (listen *r*))
(close *r*)

;; 4. (SIGNED-BYTE 8) buffers hold -128..127.
(setf *mode* :send-octets)
(defvar *c* nil)
(defvar *octets* (make-array 4 :element-type '(signed-byte 8)))
(defvar *done* nil)
(comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" *port*
  (lambda (st args)
    (declare (ignore args))
    (comm:async-io-state-read-buffer st *octets*
      (lambda (st b n) (declare (ignore b)) (setf *done* n) (comm:close-async-io-state st)))))
(wait-until (lambda () *done*))
(format t "signed octets: ~s ~s~%" *octets* (every (lambda (x) (typep x '(signed-byte 8))) *octets*))

;; 5. Argument checks of OPEN-TCP-STREAM.
(format t "no host: ~a~%"
        (handler-case (progn (comm:open-tcp-stream nil *port*) :no-error) (error (e) (type-of e))))
(format t "element-type double-float: ~a~%"
        (handler-case (progn (comm:open-tcp-stream "127.0.0.1" *port* :element-type 'double-float) :no-error)
          (error (e) (type-of e))))

;; 6. SSL implementation selection: OpenSSL only.
(format t "default implementation: ~s~%" (comm:ssl-default-implementation))
(format t "available: ~s ~s~%" (comm:ssl-implementation-available-p :openssl)
        (comm:ssl-implementation-available-p :apple))
(format t "set :openssl: ~s~%" (setf (comm:ssl-default-implementation) :openssl))
(format t "set :apple: ~s~%" (handler-case (setf (comm:ssl-default-implementation) :apple) (error () :error)))
(format t "plain connection: ~s~%" (let ((s (open-client))) (prog1 (comm:ssl-connection-implementation s) (close s))))

(comm:close-accepting-handle *acceptor*)
(comm:wait-state-collection-stop-loop *coll*)
