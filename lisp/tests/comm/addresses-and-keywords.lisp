;;; Address helpers and argument checking: every documented keyword is accepted, an unknown
;;; keyword or a wrong type is an error naming the function and the argument.
(defun report (c)
  (if (typep c 'simple-condition)
      (apply #'format nil (simple-condition-format-control c) (simple-condition-format-arguments c))
      (format nil "~s" (type-of c))))
(defmacro try (form) `(handler-case (progn ,form :no-error) (error (c) (report c))))

(format t "~s~%" (comm:ip-address-string #x7F000001))
(format t "~s~%" (comm:string-ip-address "10.1.2.3"))
(format t "~s~%" (comm:ip-address-string (comm:string-ip-address "2001:500:2f::f")))
(format t "~s~%" (comm:string-ip-address "not an address"))
(format t "~s~%" (comm:ip-address-string (comm:parse-ipv6-address "  ::ffff:1.2.3.4  ")))
(format t "~s~%" (comm:parse-ipv6-address "  ::1  " :trim-whitespace nil))
(format t "~s~%" (comm:parse-ipv6-address "xx::1::2"))
(format t "~s~%" (comm:ip-address-string (comm:parse-ipv6-address "[fe80::1]" :start 1 :end 8)))
(format t "~s~%" (multiple-value-list (comm:get-service-entry "http" "tcp")))
(format t "~s~%" (multiple-value-list (comm:get-service-entry 80 "tcp" :fields '(:name :port :protocol))))
(format t "~s~%" (comm:get-host-entry "127.0.0.1" :fields '(:address)))

(defvar *coll* (comm:make-wait-state-collection))
(defvar *acc* (comm:accept-tcp-connections-creating-async-io-states
               *coll* "0" 'identity
               :init-function (lambda (socket) (format t "init-function: socket bound to a port ~s~%"
                                                      (integerp (nth-value 1 (comm:get-socket-address socket)))))
               :init-timeout 1 :backlog 10 :address "127.0.0.1" :nodelay t :keepalive nil :ipv6 nil
               :reuseport nil :create-state t :name "n" :queue-output nil :handle-name "h" :user-info 42))
(format t "handle: ~s ~s~%" (comm:accepting-handle-name *acc*) (comm:accepting-handle-user-info *acc*))
;; An error in init-function reaches the caller (it runs before the call returns); no acceptor
;; is left listening.
(defvar *init-socket* nil)
(format t "init-function error: ~a~%"
        (try (comm:accept-tcp-connections-creating-async-io-states
              *coll* 0 'identity :address "127.0.0.1"
              :init-function (lambda (socket) (setf *init-socket* socket) (error "init failed on purpose")))))
(format t "its socket closed: ~s~%" (null (comm:get-socket-address *init-socket*)))
(format t "~a~%" (try (comm:accept-tcp-connections-creating-async-io-states *coll* 0 'identity :colour :red)))
(format t "~a~%" (try (comm:accept-tcp-connections-creating-async-io-states *coll* 0 'identity :backlog -1)))
(format t "~a~%" (try (comm:accept-tcp-connections-creating-async-io-states *coll* 0 'identity :ipv6 :maybe)))
(format t "~a~%" (try (comm:accept-tcp-connections-creating-async-io-states *coll* 0 'identity :ssl-ctx t)))
(format t "~a~%" (try (comm:accept-tcp-connections-creating-async-io-states *coll* "no-such-service-xyz" 'identity)))
(format t "~a~%" (try (comm:accept-tcp-connections-creating-async-io-states 'not-a-collection 0 'identity)))
(format t "~a~%" (try (comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" 1 'identity :connect-timeout -5)))
(format t "~a~%" (try (comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" 1 'identity :read-timeout "x")))
(format t "~a~%" (try (comm:async-io-state-read-buffer 'nope "x" 'identity)))
(defvar *st* (comm:create-async-io-state-and-udp-socket *coll*))
(format t "~a~%" (try (comm:async-io-state-read-buffer *st* 42 'identity)))
(format t "~a~%" (try (comm:async-io-state-read-buffer *st* "abc" 'identity :end 10)))
(format t "~a~%" (try (comm:async-io-state-read-with-checking *st* 'identity :element-type 'double-float)))
(format t "~a~%" (try (comm:async-io-state-read-with-checking *st* 'identity :max-read 0)))
(format t "~a~%" (try (comm:async-io-state-abort *st* nil :sideways)))
(format t "~a~%" (try (comm:async-io-state-shutdown *st* :io :abort t :callback nil :extra 1)))
(format t "~a~%" (try (setf (comm:async-io-state-read-timeout *st*) -1)))
(format t "~a~%" (try (comm:close-async-io-state *st* :keep-alive-p nil :please t)))
(format t "close: ~s~%" (comm:close-async-io-state *st* :keep-alive-p nil))
(format t "closed twice: ~s~%" (comm:close-async-io-state *st*))
(comm:close-wait-state-collection *coll*)
;; IPv6 address objects for the same address are EQUALP (and find each other in EQUALP tables).
(let ((a (comm:string-ip-address "::1")) (b (comm:parse-ipv6-address "0:0::1"))
      (h (make-hash-table :test 'equalp)))
  (setf (gethash a h) :loopback)
  (format t "ipv6 equalp: ~s ~s ~s ~s~%" (equalp a b) (eq a b) (gethash b h)
          (equalp a (comm:string-ip-address "::2"))))
