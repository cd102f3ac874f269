;;;; 00-base.lisp — the control macros every later file uses (CLHS 5 and 9).
(in-package "SYSTEM")

(defmacro when (test &body body) `(if ,test (progn ,@body) nil))
(defmacro unless (test &body body) `(if ,test nil (progn ,@body)))

(defmacro cond (&rest clauses)
  (if (null clauses)
      nil
      (let ((clause (car clauses)))
        (unless (consp clause)
          (error 'sys::simple-program-error :format-control "bad COND clause ~S" :format-arguments (list clause)))
        (if (null (cdr clause))
            (let ((g (gensym)))
              `(let ((,g ,(car clause))) (if ,g ,g (cond ,@(cdr clauses)))))
            `(if ,(car clause) (progn ,@(cdr clause)) (cond ,@(cdr clauses)))))))

(defmacro and (&rest forms)
  (cond ((null forms) t)
        ((null (cdr forms)) (car forms))
        (t `(if ,(car forms) (and ,@(cdr forms)) nil))))

(defmacro or (&rest forms)
  (cond ((null forms) nil)
        ((null (cdr forms)) (car forms))
        (t (let ((g (gensym)))
             `(let ((,g ,(car forms))) (if ,g ,g (or ,@(cdr forms))))))))

(defmacro prog1 (first &body rest)
  (let ((g (gensym))) `(let ((,g ,first)) ,@rest ,g)))
(defmacro prog2 (first second &body rest)
  (let ((g (gensym))) `(progn ,first (let ((,g ,second)) ,@rest ,g))))
(defmacro return (&optional value) `(return-from nil ,value))

(defmacro multiple-value-bind (vars form &body body)
  (let ((rest (gensym)))
    `(multiple-value-call (lambda (&optional ,@vars &rest ,rest) (declare (ignore ,rest)) ,@body) ,form)))
(defmacro multiple-value-list (form) `(multiple-value-call #'list ,form))
(defmacro nth-value (n form) `(nth ,n (multiple-value-list ,form)))
(defmacro multiple-value-setq (vars form)
  (let ((temps (mapcar (lambda (v) (declare (ignore v)) (gensym)) vars)))
    `(multiple-value-bind ,temps ,form
       ,@(mapcar (lambda (v tm) `(setq ,v ,tm)) vars temps)
       ,(car temps))))

(defmacro do (varlist endlist &body body) (sys::%do-expansion 'let 'psetq varlist endlist body))
(defmacro do* (varlist endlist &body body) (sys::%do-expansion 'let* 'setq varlist endlist body))

(defmacro psetq (&rest pairs)
  (let ((bindings nil) (sets nil))
    (do ((p pairs (cddr p))) ((null p))
      (let ((g (gensym)))
        (setq bindings (cons (list g (cadr p)) bindings))
        (setq sets (cons `(setq ,(car p) ,g) sets))))
    `(let ,(nreverse bindings) ,@(nreverse sets) nil)))

;; The iteration itself is the internal special form %dotimes-loop (compiled to a native
;; loop: Compiler/CountedLoops.swift); its general path is the usual tagbody.
(defmacro dotimes ((var count &optional result) &body body)
  (let ((n (gensym)))
    (multiple-value-bind (decls forms) (%split-declarations body)
      `(block nil
         (let ((,n ,count) (,var 0))
           (declare (ignorable ,var))
           ,@decls
           (%dotimes-loop ,var ,n ,@(%tagbody-body forms))
           ,result)))))

;; The iteration is the internal special form %dolist-loop (see dotimes).
(defmacro dolist ((var list &optional result) &body body)
  (let ((p (gensym)))
    (multiple-value-bind (decls forms) (%split-declarations body)
      `(block nil
         (let ((,p ,list) (,var nil))
           (declare (ignorable ,var))
           ,@decls
           (%dolist-loop ,var ,p ,@(%tagbody-body forms))
           (let ((,var nil)) (declare (ignorable ,var)) ,result))))))

(defmacro loop (&rest body)
  (if (every #'consp body)
      (let ((top (gensym)))
        `(block nil (tagbody ,top ,@body (go ,top))))
      (sys::%loop-expand body)))

(defmacro case (key &rest clauses) (sys::%case-expansion key clauses nil))
(defmacro ecase (key &rest clauses) (sys::%case-expansion key clauses 'ecase))
(defmacro typecase (key &rest clauses) (sys::%typecase-expansion key clauses nil))
(defmacro etypecase (key &rest clauses) (sys::%typecase-expansion key clauses 'etypecase))

(defmacro prog (vars &body body)
  `(block nil (let ,vars (tagbody ,@body))))
(defmacro prog* (vars &body body)
  `(block nil (let* ,vars (tagbody ,@body))))

(defmacro declaim (&rest specs) `(progn ,@(mapcar (lambda (s) `(proclaim ',s)) specs)))

(defmacro define-symbol-macro (name expansion)
  `(progn (sys::%define-symbol-macro ',name ',expansion) ',name))

(defmacro with-output-to-string ((var &optional string &key element-type) &body body)
  (declare (ignore element-type))
  (if string
      `(let ((,var (sys::%make-fill-pointer-output-stream ,string))) ,@body)
      `(let ((,var (make-string-output-stream)))
         (unwind-protect (progn ,@body) nil)
         (get-output-stream-string ,var))))

(defmacro with-input-from-string ((var string &key index (start 0) end) &body body)
  (if index
      `(let ((,var (make-string-input-stream ,string ,start ,end)))
         (multiple-value-prog1 (progn ,@body)
           (setf ,index (sys::%string-input-position ,var))))
      `(let ((,var (make-string-input-stream ,string ,start ,end))) ,@body)))

(defmacro with-open-stream ((var stream) &body body)
  `(let ((,var ,stream))
     (unwind-protect (progn ,@body) (close ,var))))

(defmacro do-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (sys::%package-symbols ,package :accessible) ,result) ,@body))
(defmacro do-external-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (sys::%package-symbols ,package :external) ,result) ,@body))
(defmacro do-all-symbols ((var &optional result) &body body)
  (let ((p (gensym)))
    `(dolist (,p (list-all-packages) ,result)
       (dolist (,var (sys::%package-symbols ,p :present)) ,@body))))
