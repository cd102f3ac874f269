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

;;; Pretty-printer interface, without layout: output is what a very wide right margin gives.
(defun pprint-newline (kind &optional stream) (declare (ignore kind stream)) nil)
(defun pprint-indent (relative-to n &optional stream) (declare (ignore relative-to n stream)) nil)
(defun pprint-tab (kind colnum colinc &optional stream)
  (declare (ignore kind colnum colinc stream))
  nil)

(defun sys::%pprint-list (stream list colon-p)
  (let ((stream (cond ((null stream) *standard-output*) ((eq stream t) *terminal-io*) (t stream))))
    (if (listp list)
        (progn
          (when colon-p (write-char #\( stream))
          (do ((l list (cdr l)) (first t nil))
              ((atom l) (when l (write-string " . " stream) (write l :stream stream)))
            (unless first (write-char #\Space stream))
            (write (car l) :stream stream))
          (when colon-p (write-char #\) stream)))
        (write list :stream stream))
    nil))
(defun pprint-fill (stream list &optional (colon-p t) at-sign-p)
  (declare (ignore at-sign-p))
  (sys::%pprint-list stream list colon-p))
(defun pprint-linear (stream list &optional (colon-p t) at-sign-p)
  (declare (ignore at-sign-p))
  (sys::%pprint-list stream list colon-p))
(defun pprint-tabular (stream list &optional (colon-p t) at-sign-p tabsize)
  (declare (ignore at-sign-p tabsize))
  (sys::%pprint-list stream list colon-p))

(defmacro pprint-logical-block ((stream-symbol object &key (prefix "") per-line-prefix (suffix ""))
                                &body body)
  (let* ((ss (cond ((null stream-symbol) '*standard-output*)
                   ((eq stream-symbol t) '*terminal-io*)
                   (t stream-symbol)))
         (lst (gensym "LIST")) (blk (gensym "BLOCK")))
    `(let ((,lst ,object))
       (if (not (listp ,lst))
           (write ,lst :stream ,ss)
           (progn
             (write-string (or ,per-line-prefix ,prefix) ,ss)
             (block ,blk
               (macrolet ((pprint-pop () (list 'pop ',lst))
                          (pprint-exit-if-list-exhausted ()
                            (list 'when (list 'null ',lst) (list 'return-from ',blk nil))))
                 ,@body))
             (write-string ,suffix ,ss)))
       nil)))
