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

(defmacro assert (test &optional places datum &rest args)
  (declare (ignore places))
  `(unless ,test
     ,(if datum
          `(error ,datum ,@args)
          `(error 'simple-error :format-control "The assertion ~S failed." :format-arguments (list ',test)))))

(defmacro with-condition-restarts (condition-form restarts-form &body body)
  `(progn ,condition-form ,restarts-form (locally ,@body)))
