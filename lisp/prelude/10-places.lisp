;;;; 10-places.lisp — modify macros over generalized places (CLHS 5.1).
(in-package "SYSTEM")

(defmacro incf (place &optional (delta 1))
  (if (symbolp place)
      `(setq ,place (+ ,place ,delta))
      (multiple-value-bind (temps vals stores store access) (get-setf-expansion place)
        `(let* (,@(mapcar #'list temps vals) (,(car stores) (+ ,access ,delta))) ,store))))

(defmacro decf (place &optional (delta 1))
  (if (symbolp place)
      `(setq ,place (- ,place ,delta))
      (multiple-value-bind (temps vals stores store access) (get-setf-expansion place)
        `(let* (,@(mapcar #'list temps vals) (,(car stores) (- ,access ,delta))) ,store))))

(defmacro push (item place)
  (if (symbolp place)
      `(setq ,place (cons ,item ,place))
      (let ((g (gensym)))
        (multiple-value-bind (temps vals stores store access) (get-setf-expansion place)
          `(let* ((,g ,item) ,@(mapcar #'list temps vals) (,(car stores) (cons ,g ,access))) ,store)))))

(defmacro pushnew (item place &rest keys)
  (let ((g (gensym)))
    (multiple-value-bind (temps vals stores store access) (get-setf-expansion place)
      `(let* ((,g ,item) ,@(mapcar #'list temps vals)
              (,(car stores) (adjoin ,g ,access ,@keys)))
         ,store))))

(defmacro pop (place)
  (let ((g (gensym)))
    (multiple-value-bind (temps vals stores store access) (get-setf-expansion place)
      `(let* (,@(mapcar #'list temps vals) (,g ,access) (,(car stores) (cdr ,g)))
         ,store
         (car ,g)))))

(defmacro remf (place indicator)
  (let ((g (gensym)) (found (gensym)))
    (multiple-value-bind (temps vals stores store access) (get-setf-expansion place)
      `(let* (,@(mapcar #'list temps vals))
         (multiple-value-bind (,(car stores) ,found) (sys::%remf ,access ,indicator)
           ,store
           ,found)))))

(defmacro psetf (&rest pairs)
  (let ((lets nil) (sets nil))
    (do ((p pairs (cddr p))) ((null p))
      (let ((g (gensym)))
        (push (list g (cadr p)) lets)
        (push `(setf ,(car p) ,g) sets)))
    `(let ,(nreverse lets) ,@(nreverse sets) nil)))

(defmacro shiftf (&rest args)
  ;; Evaluate every place's subforms, the old value, and all new values first; then store.
  (let* ((places (butlast args))
         (newval (car (last args)))
         (exps (mapcar (lambda (p) (multiple-value-list (get-setf-expansion p))) places))
         (g (gensym)))
    `(let* (,@(mapcan (lambda (e) (mapcar #'list (first e) (second e))) exps)
            (,g ,(fifth (first exps)))
            ,@(let ((binds nil))
                (do ((e exps (cdr e))) ((null e))
                  (push (list (car (third (car e))) (if (cdr e) (fifth (cadr e)) newval)) binds))
                (nreverse binds)))
       ,@(mapcar #'fourth exps)
       ,g)))

(defmacro rotatef (&rest places)
  (when places
    `(progn (shiftf ,@places ,(car places)) nil)))

(defun %modify-macro-expansion (place env function args)
  (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
    `(let* (,@(mapcar #'list temps vals)
            (,(car stores) (,function ,access ,@args)))
       ,store)))

(defmacro define-modify-macro (name lambda-list function &optional doc)
  (declare (ignore doc))
  (let ((place (gensym)) (env (gensym)) (args nil) (rest nil))
    (do ((l lambda-list (cdr l))) ((null l))
      (let ((x (car l)))
        (cond ((eq x '&rest) (setq rest (cadr l)) (setq l (cdr l)))
              ((member x lambda-list-keywords))
              (t (push (if (consp x) (car x) x) args)))))
    (setq args (nreverse args))
    `(defmacro ,name (,place ,@lambda-list &environment ,env)
       (%modify-macro-expansion ,place ,env ',function
                                ,(if rest `(list* ,@args ,rest) `(list ,@args))))))

(defmacro defsetf (access-fn &rest rest)
  (if (and rest (symbolp (car rest)))
      `(progn (sys::%defsetf-short ',access-fn ',(car rest)) ',access-fn)
      (destructuring-bind (lambda-list store-vars &body body) rest
        (let ((place (gensym)) (env (gensym)))
          `(progn
             (sys::%define-setf-expander ',access-fn
               (lambda (,place ,env)
                 (declare (ignore ,env))
                 (let* ((arg-forms (cdr ,place))
                        (temps (mapcar (lambda (x) (declare (ignore x)) (gensym)) arg-forms))
                        (stores (mapcar (lambda (x) (declare (ignore x)) (gensym)) ',store-vars)))
                   (values temps arg-forms stores
                           (apply (lambda (,@store-vars ,@lambda-list) ,@body) (append stores temps))
                           (cons ',access-fn temps)))))
             ',access-fn)))))
