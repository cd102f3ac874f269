;;;; setf of places written through (setf accessor) functions: evaluation order, late
;;;; definitions, local setf functions, undefined ones, multiple values, many arguments.

(defun show (label x) (format t "~a: ~s~%" label x))

;; arguments are evaluated left to right, then the value (CLHS 5.1.1.1)
(show "order aref" (let ((i 0) (v (vector 10 20 30))) (setf (aref v (incf i)) (incf i)) (list i v)))
(show "order char" (let ((s (copy-seq "abcd")) (log '()))
                     (setf (char (progn (push :string log) s) (progn (push :index log) 2))
                           (progn (push :value log) #\Z))
                     (list s (reverse log))))
(show "order gethash" (let ((h (make-hash-table)) (log '()))
                        (setf (gethash (progn (push :key log) 'k) (progn (push :table log) h))
                              (progn (push :value log) 42))
                        (list (gethash 'k h) (reverse log))))
(show "gethash default arg" (let ((h (make-hash-table))) (list (setf (gethash 'a h 0) 7) (gethash 'a h))))
(show "setf value returned" (let ((l (list 1 2 3))) (list (setf (car l) 'x) (setf (cadr l) 'y) l)))

;; a setf function defined after the code that uses it
(defun set-thing (obj v) (setf (thing obj) v))
(defun (setf thing) (new obj) (setf (car obj) (list :thing new)) new)
(show "late definition" (let ((o (list nil))) (list (set-thing o 5) o)))

;; redefinition is seen by code compiled earlier
(defun (setf thing) (new obj) (setf (car obj) (list :thing2 new)) :redefined)
(show "redefined" (let ((o (list nil))) (list (set-thing o 6) o)))

;; multiple values of the setf function come back from setf
(defun (setf two-values) (new x) (values new x))
(show "multiple values" (multiple-value-list (setf (two-values 1) 2)))

;; a local setf function shadows the global one
(show "flet setf" (flet (((setf thing) (new obj) (list :local new obj)))
                    (setf (thing 'o) 9)))

;; undefined setf function: undefined-function at run time
(defun set-missing (x) (setf (no-such-accessor x) 1))
(show "undefined" (handler-case (set-missing 3)
                    (undefined-function (e) (list :undefined (cell-error-name e)))))

;; many arguments
(show "2d aref" (let ((a (make-array '(2 3) :initial-element 0)))
                  (setf (aref a 1 2) 'x (aref a 0 0) 'y)
                  a))
(defun (setf five) (new a b c d) (list new a b c d))
(show "five args" (setf (five 1 2 3 4) 0))

;; structures
(defstruct pt x y)
(show "struct slots" (let ((p (make-pt :x 1 :y 2))) (setf (pt-x p) 10) (incf (pt-y p) 5) p))

;; incf/push through setf functions still evaluate subforms once
(show "incf aref once" (let ((i -1) (v (vector 1 2 3))) (incf (aref v (incf i)) 100) (list i v)))
(show "push gethash" (let ((h (make-hash-table))) (push 1 (gethash :k h)) (push 2 (gethash :k h)) (gethash :k h)))
