;;; Keyword arguments of the per-message operations (matched by symbol identity on the hot
;;; path): :allow-other-keys anywhere in the plist, unknown keywords around known ones, the
;;; first of repeated keywords winning, and the errors for bad plists.
(defvar *coll* (comm:create-and-run-wait-state-collection "keywords" :handler t))
(defvar *got* nil)
(defvar *wrote* nil)
(defvar *acceptor*
  (comm:accept-tcp-connections-creating-async-io-states
   *coll* 0
   (lambda (h st)
     (declare (ignore h))
     ;; :allow-other-keys first, an unknown key, then :end: only 3 bytes are read.
     (comm:async-io-state-read-buffer
      st (make-string 10)
      (lambda (s buf n) (setf *got* (subseq buf 0 n)) (comm:async-io-state-abort-and-close s))
      :allow-other-keys t :colour :red :end 3))
   :address "127.0.0.1"))

(defvar *client*
  (comm:create-async-io-state-and-connected-tcp-socket
   *coll* "127.0.0.1" (comm:accepting-handle-local-port *acceptor*)
   (lambda (st failure)
     (declare (ignore failure))
     ;; Repeated :end: the first (4) counts; the unknown key is allowed by the later
     ;; :allow-other-keys.
     (comm:async-io-state-write-buffer st "abcdefgh" (lambda (s b n) (declare (ignore s b)) (setf *wrote* n))
                                       :end 4 :size 9 :end 8 :allow-other-keys t))))

(mp:process-wait-with-timeout "reply" 5 (lambda () (and *got* *wrote*)))
(format t "wrote ~s, read ~s~%" *wrote* *got*)

(dolist (form '((comm:async-io-state-write-buffer *client* "x" nil :colour :red)
                (comm:async-io-state-write-buffer *client* "x" nil :end)
                (comm:async-io-state-write-buffer *client* "x" nil "end" 1)
                (comm:async-io-state-read-with-checking *client* nil :max-read 0)))
  (handler-case (progn (eval form) (format t "no error~%"))
    (error (c) (format t "~s: ~a~%" (type-of c) c))))
(comm:close-async-io-state *client*)
(comm:close-accepting-handle *acceptor*)
;; documented SSL context hooks CommLisp does not implement are refused, not ignored
(print (handler-case (comm:create-ssl-server-context :client-hello-callback (lambda (ssl) ssl))
         (error (e) (princ-to-string e))))
(print (handler-case (comm:create-ssl-client-context :cert-request-callback 'my-callback)
         (error (e) (princ-to-string e))))
(print (type-of (comm:create-ssl-client-context :cert-request-callback nil)))
(terpri)
;; SSL keywords are type-checked even when :ssl-ctx is NIL (no SSL).
(dolist (kw '((:ssl-side :foo) (:handshake-timeout "x") (:ssl-error-callback 42)
              (:ctx-configure-callback 42) (:tlsext-host-name 42)))
  (format t "acceptor ~s: ~a~%" kw
          (handler-case (progn (comm:close-accepting-handle
                                (apply #'comm:accept-tcp-connections-creating-async-io-states
                                       *coll* 0 'identity :address "127.0.0.1" kw))
                               :no-error)
            (error (e) (type-of e)))))
(format t "connector :tlsext-host-name 42: ~a~%"
        (handler-case (progn (comm:create-async-io-state-and-connected-tcp-socket
                              *coll* "127.0.0.1" 1 'identity :tlsext-host-name 42)
                             :no-error)
          (error (e) (type-of e))))
(format t "acceptor with valid SSL keywords and no SSL: ~a~%"
        (handler-case (progn (comm:close-accepting-handle
                              (comm:accept-tcp-connections-creating-async-io-states
                               *coll* 0 'identity :address "127.0.0.1" :ssl-ctx nil :ssl-side :server
                               :handshake-timeout 5 :tlsext-host-name "x"))
                             :no-error)
          (error (e) (type-of e))))
