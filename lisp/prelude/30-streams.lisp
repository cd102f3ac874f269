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
