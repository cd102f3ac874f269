;;; The blocking side: open-tcp-stream to a line-echo server running in this same script. While
;;; the stream waits for the reply, the driver keeps serving the collection.
(defvar *coll* (comm:create-and-run-wait-state-collection "stream test" :handler t))
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (h state)
     (declare (ignore h))
     (comm:async-io-state-read-with-checking state
       (lambda (st buf end)
         (cond ((comm:async-io-state-read-status st)
                (comm:async-io-state-finish st)
                (comm:close-async-io-state st))
               (t (let ((nl (position #\Newline buf :end end)))
                    (when nl
                      (let ((line (subseq buf 0 (1+ nl))))
                        (comm:async-io-state-discard st (1+ nl))
                        (comm:async-io-state-write-buffer st (format nil "echo: ~a" line) nil)))))))
       :timeout 5))
   :queue-output t :address "127.0.0.1"))

(defvar *s* (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*) :errorp t :read-timeout 5))
(format t "type: ~s, stream: ~s~%" (type-of *s*) (streamp *s*))
(multiple-value-bind (a p) (comm:socket-connection-peer-address *s*)
  (format t "peer: ~a ~s~%" (comm:ip-address-string a) (eql p (comm:accepting-handle-local-port *acceptor*))))
(write-line "first line" *s*)
(force-output *s*)
(format t "got: ~s~%" (read-line *s*))
(write-string "second" *s*)
(write-char #\Newline *s*)
(force-output *s*)
(format t "got: ~s~%" (read-line *s*))
(close *s*)
(format t "refused, errorp nil: ~s~%"
        (progn (comm:close-accepting-handle *acceptor*)
               (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*))))
(format t "refused, errorp t: ~s~%"
        (handler-case (comm:open-tcp-stream "127.0.0.1" (comm:accepting-handle-local-port *acceptor*) :errorp t)
          (comm:socket-error () :socket-error)))
(comm:wait-state-collection-stop-loop *coll*)
