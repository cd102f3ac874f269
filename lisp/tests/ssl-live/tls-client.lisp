;;; The Lisp TLS client against `openssl s_server -rev` (run by Tests/LispCommTests/SSLTests).
;;;   commlisp tls-client.lisp PORT CA-FILE OTHER-CA-FILE
;;; Three connections, one after the other: a verifying client (SNI, peer certificate), a
;;; client trusting the wrong CA (verification failure), and a late upgrade of a plain state
;;; with async-io-state-attach-ssl, then detach.
(defun arg (n) (nth n sys:*line-arguments-list*))
(defvar *port* (parse-integer (arg 2)))
(defvar *coll* (comm:create-and-run-wait-state-collection "tls client" :handler t))
(defun out (fmt &rest args) (apply #'format t fmt args) (terpri) (finish-output))
(defun octets (buf n) (map 'string #'code-char (subseq buf 0 n)))

(defun exchange (state text then)
  (let ((reply (make-array (length text) :element-type '(unsigned-byte 8))))
    (comm:async-io-state-write-buffer state (map '(vector (unsigned-byte 8)) #'char-code text)
      (lambda (st b n) (declare (ignore b n))
        (comm:async-io-state-read-buffer st reply
          (lambda (st2 buf n)
            (out "reply ~s status ~s" (octets buf n) (comm:async-io-state-read-status st2))
            (funcall then st2))
          :timeout 10)))))

(defun step-1 ()
  (let ((ctx (comm:create-ssl-client-context :openssl-trusted-file (arg 3) :tlsext-host-name "localhost")))
    (comm:create-async-io-state-and-connected-tcp-socket
     *coll* "127.0.0.1" *port*
     (lambda (state failure)
       (out "verified client: failure ~s side ~s ctx ~s ssl ~s" failure (comm:async-io-state-ssl-side state)
            (type-of (comm:async-io-state-ctx state)) (type-of (comm:async-io-state-ssl state)))
       (let ((cert (comm:ssl-get-peer-certificate state)))
         (out "peer subject O=~s CN=~s issuer CN=~s"
              (comm:x509-name-field-string (comm:x509-get-subject-name cert) "organizationName")
              (comm:x509-name-field-string (comm:x509-get-subject-name cert) "CN")
              (comm:x509-name-field-string (comm:x509-get-issuer-name cert) "commonName")))
       (exchange state (format nil "hello~%") (lambda (st) (comm:close-async-io-state st) (step-2))))
     :ssl-ctx ctx :handshake-timeout 10)))

(defun step-2 ()
  (let ((ctx (comm:create-ssl-client-context :openssl-trusted-file (arg 4))))
    (comm:create-async-io-state-and-connected-tcp-socket
     *coll* "127.0.0.1" *port*
     (lambda (state failure)
       (let ((why (comm:async-io-ssl-failure-indicator-from-failure-args failure)))
         (out "wrong CA: ~a code ~s verify failed in report ~s" (type-of why)
              (first (comm:ssl-condition-ssl-code why))
              (not (null (search "verif" (apply #'format nil failure))))))
       (comm:close-async-io-state state)
       (step-3))
     :ssl-ctx ctx :handshake-timeout 10 :tlsext-host-name "localhost")))

(defun step-3 ()
  (comm:create-async-io-state-and-connected-tcp-socket
   *coll* "127.0.0.1" *port*
   (lambda (state failure)
     (out "plain connect: failure ~s ssl ~s" failure (comm:async-io-state-ssl state))
     (comm:async-io-state-attach-ssl state
       (lambda (st err)
         (out "attach-ssl: error ~s side ~s" err (comm:async-io-state-ssl-side st))
         (exchange st (format nil "abc~%")
                   (lambda (st)
                     (comm:async-io-state-detach-ssl st
                       (lambda (st)
                         (out "detached: ssl ~s" (comm:async-io-state-ssl st))
                         (comm:close-async-io-state st)
                         (comm:close-wait-state-collection *coll*))))))
       :ssl-side :client :ssl-ctx t :handshake-timeout 10))))

(step-1)
