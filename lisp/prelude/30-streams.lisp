;;;; Streams and files: with-open-file, formatter.

(defmacro formatter (control)
  (let ((stream (gensym "STREAM")) (args (gensym "ARGS")))
    `(lambda (,stream &rest ,args) (sys::%format-tail ,stream ,control ,args))))

(defmacro with-open-file ((var filespec &rest options) &body body)
  (let ((abort (gensym "ABORT")))
    `(let ((,var (open ,filespec ,@options)) (,abort t))
       (unwind-protect
            (multiple-value-prog1 (progn ,@body) (setq ,abort nil))
         (when ,var (close ,var :abort ,abort))))))

(defmacro time (form)
  (let ((tok (gensym "TIME")))
    `(let ((,tok (sys::%time-start)))
       (multiple-value-prog1 ,form (sys::%time-report ,tok)))))

(defmacro print-unreadable-object ((object stream &key type identity) &body body)
  `(sys::%print-unreadable ,object ,stream ,type ,identity
                           ,(if body `(lambda () ,@body) nil)))

(defmacro with-standard-io-syntax (&body body)
  `(let ((*package* (find-package "COMMON-LISP-USER"))
         (*print-array* t) (*print-base* 10) (*print-case* :upcase)
         (*print-circle* nil) (*print-escape* t) (*print-gensym* t)
         (*print-length* nil) (*print-level* nil) (*print-lines* nil)
         (*print-miser-width* nil) (*print-pretty* nil) (*print-radix* nil)
         (*print-readably* t) (*print-right-margin* nil)
         (*read-base* 10) (*read-default-float-format* 'single-float)
         (*read-eval* t) (*read-suppress* nil))
     ,@body))

(defun y-or-n-p (&optional control &rest args)
  (sys::%query "y" "n" control args))

(defun yes-or-no-p (&optional control &rest args)
  (sys::%query "yes" "no" control args))
