;;; UDP: an unconnected responder on an ephemeral port (receive-message :needs-address,
;;; send-message-to-address), a connected peer (send-message / receive-message), and the
;;; fire-and-forget idiom with 'comm:close-async-io-state as the callback.
(defvar *coll* (comm:create-and-run-wait-state-collection "udp" :handler t))
(defvar *events* nil)
(defun ev (&rest xs) (push xs *events*))

(defvar *server* (comm:create-async-io-state-and-udp-socket *coll* :local-port 0 :local-address "127.0.0.1" :name "udp srv" :ipv6 nil))
(defvar *port* (nth-value 1 (comm:async-io-state-address *server*)))
(format t "server address: ~a, port is an integer ~s~%"
        (comm:ip-address-string (comm:async-io-state-address *server*)) (integerp *port*))

(defun arm ()
  (comm:async-io-state-receive-message *server* (make-array 100 :element-type '(unsigned-byte 8))
    (lambda (st buf n from-ip from-port)
      (ev :server-got n (comm:ip-address-string from-ip) (integerp from-port))
      (let ((reply (make-array (1+ n) :element-type '(unsigned-byte 8) :initial-element 33)))
        (comm:async-io-state-send-message-to-address st from-ip from-port reply
          (lambda (s) (ev :server-replied (eq s st)))))
      (if (< (length *events*) 5) (arm) (comm:close-async-io-state st)))
    :needs-address t))
(arm)

(defvar *peer* (comm:create-async-io-state-and-connected-udp-socket *coll* "127.0.0.1" *port* :name "peer"))
(comm:async-io-state-send-message *peer* (make-array 3 :element-type '(unsigned-byte 8) :initial-element 1)
  (lambda (s) (ev :peer-sent (comm:async-io-state-name s))))
(comm:async-io-state-receive-message *peer* (make-array 10 :element-type '(unsigned-byte 8))
  (lambda (s buf n) (ev :peer-got n (aref buf 0)) (comm:close-async-io-state s)) :timeout 5)
(mp:process-wait-with-timeout "peer" 5 (lambda () (>= (length *events*) 4)))
(comm:async-io-state-send-message-to-address (comm:create-async-io-state-and-udp-socket *coll*)
  "127.0.0.1" *port* (make-array 5 :element-type '(unsigned-byte 8)) 'comm:close-async-io-state)
(mp:process-wait-with-timeout "fire and forget" 5 (lambda () (>= (length *events*) 5)))
(dolist (e (reverse *events*)) (format t "~s~%" e))
(format t "unknown keyword is a program-error: ~s~%"
        (handler-case (progn (comm:async-io-state-send-message-to-address *server* "127.0.0.1" 9 "x" nil :bogus 1) :no-error)
          (error (c) (typep c (quote program-error)))))
(comm:wait-state-collection-stop-loop *coll*)
