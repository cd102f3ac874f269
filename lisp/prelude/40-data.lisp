;;;; 40-data.lisp — data library macros: hash-table iteration (CLHS 18).
(in-package "SYSTEM")

(defmacro with-hash-table-iterator ((name hash-table) &body body)
  (let ((iter (gensym "ITER")))
    `(let ((,iter (sys::%hash-table-iterator ,hash-table)))
       (macrolet ((,name () '(funcall ,iter)))
         ,@body))))
