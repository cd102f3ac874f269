;;;; 50-trace.lisp — TRACE and UNTRACE (CLHS 25.1): a traced function's cell holds a wrapper that
;;;; reports each call and its values on *trace-output*, in SBCL's layout:
;;;;   0: (FACT 2)           the call, indented two columns more per nesting level
;;;;     1: (FACT 1)
;;;;     1: FACT returned 1
;;;;   0: FACT returned 2
;;;; Calls read a global function's cell at every call, so every later call (recursive ones
;;;; included) goes through the wrapper. Functions of COMMON-LISP are open-coded and are not
;;;; traced. Redefining a traced function replaces the wrapper: the new definition is not
;;;; traced, and UNTRACE then leaves it alone.
(in-package "SYSTEM")

(defvar *traced-functions* nil
  "(name original wrapper) for each traced function, most recently traced first.")
(defvar *trace-depth* 0)

(defun %traced-entry (name)
  (assoc name *traced-functions* :test #'equal))

(defun %trace-wrapper (name original)
  (lambda (&rest args)
    (let* ((depth *trace-depth*)
           (out *trace-output*)
           (indent (make-string (* 2 (1+ depth)) :initial-element #\Space)))
      (format out "~A~D: ~S~%" indent depth (cons name args))
      (let ((values (let ((*trace-depth* (1+ depth)))
                      (multiple-value-list (apply original args)))))
        (format out "~A~D: ~S returned~{ ~S~}~%" indent depth name values)
        (values-list values)))))

(defun %untrace-1 (name)
  (let ((entry (%traced-entry name)))
    (when entry
      (setq *traced-functions* (remove entry *traced-functions*))
      ;; Only a cell still holding the wrapper is restored (a redefinition stays).
      (when (and (fboundp name) (eq (fdefinition name) (third entry)))
        (setf (fdefinition name) (second entry)))
      t)))

(defun %trace-1 (name)
  (let ((symbol (if (consp name) (second name) name)))
    (cond ((not (or (symbolp name)
                    (and (consp name) (eq (first name) 'setf) (symbolp symbol) (null (cddr name)))))
           (error "~S is not a function name." name))
          ((eq (symbol-package symbol) (find-package "COMMON-LISP"))
           (warn "~S is a standard function; its calls are open-coded and are not traced." name)
           nil)
          ((and (symbolp name) (macro-function name))
           (warn "~S is a macro, not tracing it." name)
           nil)
          ((not (fboundp name))
           (warn "~S is undefined, not tracing it." name)
           nil)
          (t
           (%untrace-1 name)  ; tracing again starts over from the current definition
           (let* ((original (fdefinition name))
                  (wrapper (%trace-wrapper name original)))
             (push (list name original wrapper) *traced-functions*)
             (setf (fdefinition name) wrapper)
             name)))))

(defun %still-traced-p (entry)
  (let ((name (first entry)))
    (and (fboundp name) (eq (fdefinition name) (third entry)))))

(defun %trace (names)
  (if (null names)
      ;; a traced function redefined since is no longer traced: forget it
      (progn (setq *traced-functions* (remove-if-not #'%still-traced-p *traced-functions*))
             (reverse (mapcar #'first *traced-functions*)))
      (let ((done nil))
        (dolist (name names (nreverse done))
          (when (%trace-1 name) (push name done))))))

(defun %untrace (names)
  (if (null names)
      (progn (dolist (entry *traced-functions*) (%untrace-1 (first entry))) t)
      (let ((any nil))
        (dolist (name names any)
          (when (%untrace-1 name) (setq any t))))))

(defmacro trace (&rest names)
  `(%trace ',names))

(defmacro untrace (&rest names)
  `(%untrace ',names))
