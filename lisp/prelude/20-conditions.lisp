;;;; 20-conditions.lisp — handler and restart macros (CLHS 9).
(in-package "SYSTEM")

(defmacro handler-bind (bindings &body body)
  `(sys::%handler-bind (list ,@(mapcar (lambda (b) `(cons ',(car b) ,(cadr b))) bindings))
                       (lambda () ,@body)))

(defmacro handler-case (form &rest clauses)
  (let* ((no-error (find :no-error clauses :key #'car))
         (clauses (remove no-error clauses))
         (block (gensym "HANDLER-CASE"))
         (cvar (gensym "C"))
         (tags (mapcar (lambda (c) (declare (ignore c)) (gensym "TAG")) clauses)))
    (let ((main
            `(block ,block
               (let ((,cvar nil))
                 (declare (ignorable ,cvar))
                 (tagbody
                   (return-from ,block
                     (handler-bind ,(mapcar (lambda (c tag)
                                              `(,(car c) (lambda (temp) (setq ,cvar temp) (go ,tag))))
                                            clauses tags)
                       ,(if no-error
                            `(multiple-value-call (lambda ,(cadr no-error) ,@(cddr no-error)) ,form)
                            form)))
                   ,@(mapcan (lambda (c tag)
                               (let ((var (car (cadr c))) (body (cddr c)))
                                 (list tag
                                       `(return-from ,block
                                          ,(if var
                                               `(let ((,var ,cvar)) ,@body)
                                               `(locally ,@body))))))
                             clauses tags))))))
      main)))

(defmacro ignore-errors (&body forms)
  `(handler-case (progn ,@forms)
     (error (condition) (values nil condition))))

(defmacro restart-bind (bindings &body body)
  `(sys::%restart-bind
    (list ,@(mapcar (lambda (b)
                      (destructuring-bind (name function &key interactive-function report-function test-function) b
                        `(sys::%make-restart ',name ,function ,report-function ,interactive-function ,test-function)))
                    bindings))
    (lambda () ,@body)))

(defmacro restart-case (form &rest clauses)
  (let* ((block (gensym "RESTART-CASE"))
         (args (gensym "ARGS"))
         (tags (mapcar (lambda (c) (declare (ignore c)) (gensym "TAG")) clauses)))
    (flet ((parse (clause)
             ;; (name lambda-list [:report r] [:interactive i] [:test t] . body)
             (let ((name (car clause)) (ll (cadr clause)) (rest (cddr clause))
                   (report nil) (interactive nil) (test nil))
               (loop
                 ;; An option keyword must be followed by its value (a lone :report is the body).
                 (cond ((null (cdr rest)) (return))
                       ((eq (car rest) :report) (setq report (cadr rest) rest (cddr rest)))
                       ((eq (car rest) :interactive) (setq interactive (cadr rest) rest (cddr rest)))
                       ((eq (car rest) :test) (setq test (cadr rest) rest (cddr rest)))
                       (t (return))))
               (list name ll report interactive test rest))))
      (let ((parsed (mapcar #'parse clauses)))
        `(block ,block
           (let ((,args nil))
             (tagbody
               (return-from ,block
                 (sys::%restart-bind
                  (list ,@(mapcar (lambda (p tag)
                                    (destructuring-bind (name ll report interactive test body) p
                                      (declare (ignore ll body))
                                      `(sys::%make-restart
                                        ',name
                                        (lambda (&rest temp) (setq ,args temp) (go ,tag))
                                        ,(if (stringp report) report (if report `(function ,report) nil))
                                        ,(if interactive `(function ,interactive) nil)
                                        ,(if test `(function ,test) nil))))
                                  parsed tags))
                  (lambda () ,form)))
               ,@(mapcan (lambda (p tag)
                           (destructuring-bind (name ll report interactive test body) p
                             (declare (ignore name report interactive test))
                             (list tag `(return-from ,block (apply (lambda ,ll ,@body) ,args)))))
                         parsed tags))))))))

;; WITH-SLOTS / WITH-ACCESSORS: each name is a symbol macro for the slot (SLOT-VALUE, which
;; works on structures and conditions) or the accessor call, so SETF and SETQ of it write through.
(defmacro with-slots (slot-entries instance-form &body body)
  (let ((instance (gensym "INSTANCE")))
    `(let ((,instance ,instance-form))
       (symbol-macrolet ,(mapcar (lambda (entry)
                                   (if (consp entry)
                                       `(,(car entry) (slot-value ,instance ',(cadr entry)))
                                       `(,entry (slot-value ,instance ',entry))))
                                 slot-entries)
         ,@body))))

(defmacro with-accessors (slot-entries instance-form &body body)
  (let ((instance (gensym "INSTANCE")))
    `(let ((,instance ,instance-form))
       (symbol-macrolet ,(mapcar (lambda (entry) `(,(car entry) (,(cadr entry) ,instance))) slot-entries)
         ,@body))))

(defmacro with-simple-restart ((name format-control &rest format-arguments) &body forms)
  `(restart-case (progn ,@forms)
     (,name ()
       :report (lambda (stream) (format stream ,format-control ,@format-arguments))
       (values nil t))))

(defmacro define-condition (name parents slots &rest options)
  (let ((report (cadr (assoc :report options)))
        (default-initargs (cdr (assoc :default-initargs options)))
        (accessors nil))
    (dolist (s slots)
      (let ((sname (if (consp s) (car s) s)) (opts (if (consp s) (cdr s) nil)))
        (do ((o opts (cddr o))) ((null o))
          (case (car o)
            ((:reader) (push `(defun ,(cadr o) (c) (sys::%condition-slot c ',sname)) accessors))
            ((:accessor)
             (push `(defun ,(cadr o) (c) (sys::%condition-slot c ',sname)) accessors)
             (push `(defun (setf ,(cadr o)) (v c) (sys::%set-condition-slot c ',sname v)) accessors))
            ((:writer)
             (push `(defun ,(cadr o) (v c) (sys::%set-condition-slot c ',sname v)) accessors))))))
    `(progn
       (sys::%define-condition
        ',name ',parents
        (list ,@(mapcar (lambda (s)
                          (let* ((sname (if (consp s) (car s) s))
                                 (opts (if (consp s) (cdr s) nil))
                                 (initargs nil) (initform nil) (has-initform nil))
                            (do ((o opts (cddr o))) ((null o))
                              (case (car o)
                                (:initarg (push (cadr o) initargs))
                                (:initform (setq initform (cadr o) has-initform t))))
                            `(list ',sname ',initargs ,(if has-initform `(lambda () ,initform) nil))))
                        slots))
        ,(cond ((stringp report) report)
               ((null report) nil)
               ((symbolp report) `(function ,report))
               (t `(function ,report)))
        (list ,@(let ((out nil))
                  (do ((d default-initargs (cddr d))) ((null d))
                    (push `',(car d) out)
                    (push (cadr d) out))
                  (nreverse out))))
       ,@(nreverse accessors)
       ',name)))

(defmacro check-type (place type &optional type-string)
  (let ((v (gensym)))
    `(let ((,v ,place))
       (unless (typep ,v ',type)
         (setf ,place (sys::%check-type-error ',place ,v ',type ,type-string)))
       nil)))

;; ASSERT, CCASE and CTYPECASE are the correctable forms: ASSERT offers a CONTINUE restart that
;; retries the test (first offering, on *query-io*, to replace the value of each place, as SBCL
;; does), the other two a
;; STORE-VALUE restart whose value is stored into the key place before the dispatch is retried.
(defun sys::%read-new-value (&optional place)
  (if place
      (format *query-io* "~&Type a form to be evaluated for ~S: " place)
      (format *query-io* "~&Type a form to be evaluated: "))
  (finish-output *query-io*)
  (list (eval (read *query-io*))))

;; Asks on *query-io* whether to replace the value of PLACE (end of input: no).
(defun sys::%assert-new-value (place value)
  (format *query-io* "~&The old value of ~S is ~S.~%Do you want to supply a new value?  (y or n) "
          place value)
  (finish-output *query-io*)
  (let ((answer (string-trim " " (read-line *query-io* nil ""))))
    (if (or (string-equal answer "y") (string-equal answer "yes"))
        (car (sys::%read-new-value place))
        value)))

(defmacro assert (test &optional places datum &rest args)
  (let ((top (gensym "ASSERT")))
    `(tagbody
        ,top
        (unless ,test
          (restart-case
              ,(if datum
                   `(error ,datum ,@args)
                   `(error 'simple-error :format-control "The assertion ~S failed."
                                         :format-arguments (list ',test)))
            (continue ()
              :report (lambda (stream)
                        ,(if places
                             `(format stream "Retry assertion with new value~P for ~{~S~^, ~}."
                                      ,(length places) ',places)
                             `(format stream "Retry assertion.")))
              ,@(mapcar (lambda (p) `(setf ,p (sys::%assert-new-value ',p ,p))) places)))
          (go ,top)))))

;; The key place's subforms are evaluated once (GET-SETF-EXPANSION), however often the
;; dispatch is retried. DISPATCH is CASE or TYPECASE; FAILURE makes the form that signals the
;; type-error for a key.
(defun sys::%correctable-case (dispatch keyplace clauses env failure)
  (multiple-value-bind (temps vals stores store-form access-form) (get-setf-expansion keyplace env)
    (let ((top (gensym "RETRY")) (done (gensym "DONE")) (key (gensym "KEY")) (v (gensym "V")))
      `(let* ,(mapcar #'list temps vals)
         (block ,done
           (tagbody
              ,top
              (let ((,key ,access-form))
                (return-from ,done
                  (,dispatch ,key
                    ,@clauses
                    (otherwise
                     (restart-case ,(funcall failure key)
                       (store-value (,v)
                         :report (lambda (stream) (format stream "Supply a new value for ~S." ',keyplace))
                         :interactive sys::%read-new-value
                         (let ((,(car stores) ,v)) ,store-form)
                         (go ,top)))))))))))))

(defmacro ccase (keyplace &rest clauses &environment env)
  (let ((keys (mapcan (lambda (c) (if (listp (car c)) (copy-list (car c)) (list (car c)))) clauses)))
    (sys::%correctable-case 'case keyplace clauses env
                            (lambda (key) `(sys::%case-failure ,key ',keys 'ccase)))))

(defmacro ctypecase (keyplace &rest clauses &environment env)
  (sys::%correctable-case 'typecase keyplace clauses env
                          (lambda (key) `(sys::%typecase-failure ,key '(or ,@(mapcar #'car clauses))))))

(defmacro with-condition-restarts (condition-form restarts-form &body body)
  `(progn ,condition-form ,restarts-form (locally ,@body)))
