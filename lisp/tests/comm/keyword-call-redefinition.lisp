;;;; keyword-call-redefinition.lisp -- calls of COMM operations written with constant keywords
;;;; are matched at compile time (PreparsedKeywordCalls.swift). They must evaluate arguments in
;;;; order, report the same errors as the plist parser, and follow a redefinition at once, which
;;;; then sees the keywords exactly as written.

(defvar *coll* (comm:make-wait-state-collection))
(defvar *st* (comm:create-async-io-state-and-udp-socket *coll* :name "k1"))
(defvar *buf* (make-array 8 :element-type '(unsigned-byte 8)))

(defmacro report (form)
  `(print (handler-case ,form (error (e) (list :error (princ-to-string e))))))

(defun gbd (s b) (comm:async-io-state-get-buffered-data s b :start 1 :end 3))
(report (gbd *st* *buf*))
;; Errors from the keyword values, as the parser gives them.
(defun gbd-start-after-end (s b) (comm:async-io-state-get-buffered-data s b :end 3 :start 4))
(report (gbd-start-after-end *st* *buf*))
(defun gbd-start-too-big (s b) (comm:async-io-state-get-buffered-data s b :start 9))
(report (gbd-start-too-big *st* *buf*))
(defun gbd-start-symbol (s b) (comm:async-io-state-get-buffered-data s b :start 'x))
(report (gbd-start-symbol *st* *buf*))
;; Shapes left to the ordinary call: an unknown keyword, an odd plist, :allow-other-keys, a
;; keyword in a variable.
(defun gbd-unknown (s b) (comm:async-io-state-get-buffered-data s b :bogus 3))
(report (gbd-unknown *st* *buf*))
(defun gbd-odd (s b) (comm:async-io-state-get-buffered-data s b :start))
(report (gbd-odd *st* *buf*))
(defun gbd-allow (s b) (comm:async-io-state-get-buffered-data s b :bogus 3 :allow-other-keys t))
(report (gbd-allow *st* *buf*))
(defun gbd-variable (s b k) (comm:async-io-state-get-buffered-data s b k 9))
(report (gbd-variable *st* *buf* :start))
(report (gbd-variable *st* *buf* :end))
;; A repeated keyword: the first value counts, every value is evaluated, left to right.
(defvar *log* nil)
(defun logged (tag value) (push tag *log*) value)
(defun gbd-repeated (s b)
  (comm:async-io-state-get-buffered-data (logged :state s) (logged :buffer b)
                                         :start (logged :start-1 1) :end (logged :end 2)
                                         :start (logged :start-2 9)))
(report (gbd-repeated *st* *buf*))
(print (reverse *log*))
;; A write with a NIL callback and constant keywords (UDP: queued, no error).
(defun write-some (s b) (comm:async-io-state-write-buffer s b nil :end 2 :error-callback nil))
(report (write-some *st* *buf*))

;; Redefined: callers compiled earlier call the new definition with the keywords as written.
(defvar *original* (fdefinition 'comm:async-io-state-get-buffered-data))
(setf (fdefinition 'comm:async-io-state-get-buffered-data)
      (lambda (&rest args) (list :redefined (length args) (nthcdr 2 args))))
(setq *log* nil)
(report (gbd *st* *buf*))
(report (gbd-repeated *st* *buf*))
(print (reverse *log*))
(report (gbd-unknown *st* *buf*))
;; Restored: the direct path again.
(setf (fdefinition 'comm:async-io-state-get-buffered-data) *original*)
(report (gbd *st* *buf*))
(report (gbd-start-too-big *st* *buf*))

(comm:close-async-io-state *st*)
(comm:close-wait-state-collection *coll*)
(terpri)
