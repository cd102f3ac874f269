;;; SSL without certificates: condition classes, contexts, argument checking, failure-args
;;; and indicators; TLS clients against a plain server (garbage reply, silent server ->
;;; handshake timeout); a TLS acceptor without a certificate (ssl-error-callback).
(defmacro try (form)
  `(handler-case (progn ,form :no-error)
     (error (c) (list :error (type-of c)))))

(format t "~s~%" (mapcar (lambda (c) (list c (subtypep c 'comm:ssl-condition) (subtypep c 'comm:socket-error) (subtypep c 'error)))
                         '(comm:ssl-closed comm:ssl-error comm:ssl-failure comm:ssl-x509-lookup
                           comm:ssl-handshake-timeout comm:ssl-verification-failure)))

;;; contexts
(defvar *ctx* (comm:make-ssl-ctx))
(format t "make-ssl-ctx: ~s ~s~%" (type-of *ctx*) (eq *ctx* (comm:make-ssl-ctx :ssl-ctx *ctx*)))
(format t "protocols: ~s~%" (mapcar (lambda (p) (type-of (comm:make-ssl-ctx :ssl-ctx p :ssl-side :client)))
                                    '(t :default :v23 :tls-v1 :tls-v1.1 :tls-v1.2 :tls-v1.3)))
(format t ":v2 ~s, :bogus ~s, side ~s~%" (try (comm:make-ssl-ctx :ssl-ctx :v2)) (try (comm:make-ssl-ctx :ssl-ctx :bogus))
        (try (comm:make-ssl-ctx :ssl-side :sideways)))
(format t "password callback without args: ~s~%" (try (comm:set-ssl-ctx-password-callback *ctx*)))
(format t "password: ~s~%" (try (comm:set-ssl-ctx-password-callback *ctx* :password "x")))
(format t "missing files: ~s ~s~%" (comm:ssl-ctx-use-certificate-chain-file *ctx* "/nonexistent/cert.pem")
        (comm:ssl-ctx-use-rsaprivatekey-file *ctx* "/nonexistent/key.pem" comm:ssl_filetype_pem))
(format t "verification: ~s ~s ~s~%" (comm:set-verification-mode *ctx* :server :never)
        (comm:set-verification-depth *ctx* 3) (try (comm:set-verification-mode *ctx* :server :sometimes)))
(format t "dh auto: ~s~%" (comm:set-ssl-ctx-dh *ctx*))
(comm:destroy-ssl-ctx *ctx*)
(format t "after destroy: ~s~%" (try (comm:set-verification-depth *ctx* 1)))
(handler-case (comm:create-ssl-server-context :cert-file "/nonexistent/cert.pem")
  (comm:ssl-condition (c)
    (format t "server context, missing cert: ~s code ~s report mentions file ~s~%" (type-of c)
            (integerp (comm:ssl-condition-ssl-code c))
            (not (null (search "/nonexistent/cert.pem" (princ-to-string c)))))))
(let ((client (comm:create-ssl-client-context :name "cl")))
  (format t "client context: ~s ~s~%" (type-of client) (comm:ssl-abstract-context-name client)))
(format t "implementation :apple ~s~%" (try (comm:create-ssl-client-context :implementation :apple)))

;;; failure-args
(format t "indicators: ~s ~s ~s ~s~%"
        (comm:async-io-ssl-failure-indicator-from-failure-args '("Handshake timed out"))
        (comm:async-io-ssl-failure-indicator-from-failure-args '("SSL connection closed"))
        (comm:async-io-ssl-failure-indicator-from-failure-args '("Failed to connect to ~A port ~D: ~A" "h" 1 "x"))
        (comm:async-io-ssl-failure-indicator-from-failure-args nil))

;;; live: a plain server that either answers garbage or stays silent
(defvar *coll* (comm:create-and-run-wait-state-collection "ssl basic" :handler t))
(defvar *log* nil)
(defvar *pending* 4)
(defun note (fmt &rest args) (push (apply #'format nil fmt args) *log*))
(defun done-one ()
  (when (zerop (decf *pending*))
    (dolist (l (sort *log* #'string<)) (write-line l))
    (comm:close-wait-state-collection *coll*)))

(defvar *plain*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (h state)
     (declare (ignore h))
     (comm:async-io-state-read-with-checking
      state
      (lambda (st buf end)
        (declare (ignore buf end))
        (comm:async-io-state-finish st)
        (if (eq (comm:async-io-state-user-info st) :silent)
            nil
            (comm:async-io-state-write-buffer st (format nil "HTTP/1.0 400 Bad Request~c~c~c~c" #\Return #\Newline #\Return #\Newline)
                                              (lambda (st b n) (declare (ignore b n)) (comm:async-io-state-abort-and-close st)))))
      :element-type '(unsigned-byte 8)))
   :address "127.0.0.1"))

(defvar *silent*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h state) (declare (ignore h)) (setf (comm:async-io-state-user-info state) :silent)
              (comm:async-io-state-read-with-checking state (lambda (st b e) (declare (ignore b e)) (comm:async-io-state-finish st))
                                                      :element-type '(unsigned-byte 8)))
   :address "127.0.0.1"))

(defun describe-failure (who failure)
  (let ((why (comm:async-io-ssl-failure-indicator-from-failure-args failure)))
    (note "~a: ~a / ~s / formats ~s" who
          (if (typep why 'condition) (type-of why) why)
          (if (typep why 'comm:ssl-condition) (integerp (comm:ssl-condition-ssl-code why)) :no-code)
          (stringp (apply #'format nil failure)))))

(comm:create-async-io-state-and-connected-tcp-socket
 *coll* "127.0.0.1" (comm:accepting-handle-local-port *plain*)
 (lambda (state failure)
   (if failure (describe-failure "garbage reply" failure) (note "garbage reply: connected?!"))
   (note "garbage reply: ssl after failure ~s" (comm:async-io-state-ssl state))
   (comm:close-async-io-state state)
   (done-one))
 :ssl-ctx t :handshake-timeout 5)

(comm:create-async-io-state-and-connected-tcp-socket
 *coll* "127.0.0.1" (comm:accepting-handle-local-port *silent*)
 (lambda (state failure)
   (if failure (describe-failure "silent server" failure) (note "silent server: connected?!"))
   (comm:close-async-io-state state)
   (done-one))
 :ssl-ctx :tls-v1.2 :handshake-timeout 0.3 :tlsext-host-name t)

;;; a TLS acceptor without a certificate: every handshake fails on both ends
(defvar *configured* nil)
(defvar *nocert*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0 (lambda (h state) (declare (ignore h state)) (note "no-cert server: connection function?!"))
   :address "127.0.0.1" :ssl-ctx t :handshake-timeout 5
   :ctx-configure-callback (lambda (ctx) (push (type-of ctx) *configured*))
   :ssl-configure-callback (lambda (ssl) (note "no-cert server: ssl-configure-callback got ~s" (type-of ssl)))
   :ssl-error-callback (lambda (handle state failure)
                         (note "no-cert server: ssl-error-callback handle ~s state ~s ssl ~s"
                               (typep handle 'comm:accepting-handle) (typep state 'comm:async-io-state)
                               (comm:async-io-state-ssl state))
                         (describe-failure "no-cert server" failure)
                         (done-one))))
(format t "ctx-configure-callback ran once with ~s~%" *configured*)

(comm:create-async-io-state-and-connected-tcp-socket
 *coll* "127.0.0.1" (comm:accepting-handle-local-port *nocert*)
 (lambda (state failure)
   (if failure (describe-failure "no-cert client" failure) (note "no-cert client: connected?!"))
   (comm:close-async-io-state state)
   (done-one))
 :ssl-ctx t :handshake-timeout 5)
