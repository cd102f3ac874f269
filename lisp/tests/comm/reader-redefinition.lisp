;;;; reader-redefinition.lisp -- calls of COMM's state readers take a fast path, which must give
;;;; the same values and errors as the functions, and must follow a redefinition at once.

(defvar *coll* (comm:make-wait-state-collection))
(defvar *st* (comm:create-async-io-state-and-udp-socket *coll* :name "r1" :user-info '(a b)))

(defun info (s) (comm:async-io-state-user-info s))
(defun buffered (s) (comm:async-io-state-buffered-data-length s))
(defun name-of (s) (comm:async-io-state-name s))

(print (list (info *st*) (buffered *st*) (name-of *st*)))
(setf (comm:async-io-state-user-info *st*) 42)
(print (info *st*))
(print (multiple-value-list (info *st*)))

;; A non-state argument: the function's own error.
(print (handler-case (info 5) (error (e) (list :error (type-of e)))))
(print (handler-case (buffered "x") (error (e) (list :error (type-of e)))))

;; Redefined: callers compiled earlier see the new definition.
(defvar *original* (fdefinition 'comm:async-io-state-user-info))
(setf (fdefinition 'comm:async-io-state-user-info) (lambda (s) (list :wrapped (funcall *original* s))))
(print (info *st*))
(print (handler-case (info 5) (error (e) (list :error (type-of e)))))
;; Restored: the fast path again.
(setf (fdefinition 'comm:async-io-state-user-info) *original*)
(print (info *st*))

(comm:close-async-io-state *st*)
(comm:close-wait-state-collection *coll*)
(terpri)
