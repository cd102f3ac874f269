;;; echo-server.lisp -- a TCP echo server on the COMM asynchronous I/O API.
;;;
;;;   commlisp lisp/examples/echo-server.lisp [PORT]     (default 7777; 0 = any free port)
;;;
;;; Every connection gets one reusable (unsigned-byte 8) buffer (its user-info), made on its first
;;; message and grown to the largest burst, so idle connections cost no buffer and no Lisp object
;;; is allocated per message. Reading uses read-with-checking only to learn how many
;;; bytes arrived (read-buffer completes only when its whole range is full, so it cannot serve
;;; messages of unknown length): the callback ends the read with async-io-state-finish, moves
;;; the bytes into the connection's buffer with async-io-state-get-buffered-data, and echoes
;;; them with async-io-state-write-buffer, whose callback starts the next read. End of file and
;;; errors (either direction) go to the error-callback, which closes the connection.

(defvar *port*
  (let ((arg (third sys:*line-arguments-list*)))
    (if arg (parse-integer arg) 7777)))

(defvar *collection* (comm:create-and-run-wait-state-collection "echo server" :handler t))

(defun echo-failed (state buffer count)
  ;; :eof or an error, in either direction
  (declare (ignore buffer count))
  (comm:async-io-state-abort-and-close state))

(defun echo-written (state buffer count)
  (declare (ignore buffer count))
  (start-reading state))

(defun echo-read (state buffer end)
  (declare (ignore buffer end))
  (comm:async-io-state-finish state)
  ;; The per-connection output buffer is made on the first message (idle connections cost
  ;; no buffer) and grown when a larger burst arrives; afterwards it is reused.
  (let ((out (comm:async-io-state-user-info state))
        (n (comm:async-io-state-buffered-data-length state)))
    (when (or (null out) (< (length out) n))
      (setf out (make-array (max n 4096) :element-type '(unsigned-byte 8))
            (comm:async-io-state-user-info state) out))
    (comm:async-io-state-write-buffer state out #'echo-written
                                      :end (comm:async-io-state-get-buffered-data state out)
                                      :error-callback #'echo-failed)))

(defun start-reading (state)
  (comm:async-io-state-read-with-checking state #'echo-read
                                          :element-type '(unsigned-byte 8)
                                          :error-callback #'echo-failed))

(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *collection* *port*
   (lambda (handle state)
     (declare (ignore handle))
     (start-reading state))
   :handle-name "echo"))

(format t "echo server listening on port ~d~%" (comm:accepting-handle-local-port *acceptor*))
(finish-output)
