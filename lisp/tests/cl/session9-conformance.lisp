;;;; Session 9 conformance: struct printing under PRINC, SLOT-VALUE / WITH-SLOTS /
;;;; WITH-ACCESSORS on structures and conditions, the restarts of ASSERT, CCASE and CTYPECASE,
;;;; TRACE / UNTRACE, package locks on COMMON-LISP, an absolute *LOAD-TRUENAME*.

(defstruct point x y)
(defstruct (point3 (:include point)) z)

;; PRINC keeps the slot keywords' colons
(print (format nil "~a" (make-point :x 1 :y "s")))
(print (princ-to-string (list (make-point :x 'a :y #\b))))
(print (format nil "~a" (make-point3 :x 1 :y 2 :z (make-point))))

;; SLOT-VALUE on structures
(let ((p (make-point3 :x 1 :y 2 :z 3)))
  (print (list (slot-value p 'x) (slot-value p 'z)))
  (setf (slot-value p 'y) 20)
  (incf (slot-value p 'x) 10)
  (print (list (point-x p) (point-y p)))
  (print (list (slot-boundp p 'x) (slot-exists-p p 'z) (slot-exists-p p 'w) (slot-exists-p 5 'x)))
  (print (handler-case (slot-value p 'w) (error () 'missing))))

;; WITH-SLOTS and WITH-ACCESSORS read and write through
(let ((p (make-point :x 3 :y 4)))
  (with-slots (x (why y)) p
    (print (list x why))
    (setf x 30)
    (incf why))
  (print (list (point-x p) (point-y p)))
  (with-accessors ((px point-x) (py point-y)) p
    (setq px (+ px py))
    (print (list px py)))
  (print (point-x p)))

;; conditions: SLOT-VALUE in a :report function, unbound slots
(define-condition arg-c (error) ((x :initarg :x) (y :initarg :y)))
(define-condition reported-c (error) ((x :initarg :x))
  (:report (lambda (c s) (format s "reported with ~a" (slot-value c 'x)))))
(print (handler-case (error 'reported-c :x 3) (error (e) (princ-to-string e))))
(let ((c (make-condition 'arg-c :x 1)))
  (print (list (slot-value c 'x) (slot-boundp c 'x) (slot-boundp c 'y)))
  (print (handler-case (slot-value c 'y) (unbound-slot (e) (list 'unbound (cell-error-name e)))))
  (setf (slot-value c 'y) 2)
  (print (with-slots (x y) c (+ x y))))

;; ASSERT: CONTINUE retries the test
(print (let ((x 0))
         (handler-bind ((error (lambda (c) (incf x) (continue c))))
           (assert (> x 2)))
         x))
(print (handler-case (assert (= 1 2)) (simple-error (e) (princ-to-string e))))
(print (handler-case (assert nil () "custom ~a" 42) (error (e) (princ-to-string e))))
(print (block nil
         (handler-bind ((error (lambda (c) (return (princ-to-string (find-restart 'continue c))))))
           (let ((n 0) (m 1)) (assert (> n 3) (n m) "n too small")))))
(print (block nil
         (handler-bind ((error (lambda (c) (return (princ-to-string (find-restart 'continue c))))))
           (assert (> 0 3)))))

;; CCASE / CTYPECASE: STORE-VALUE stores into the place and retries
(print (let ((x 5))
         (handler-bind ((type-error (lambda (c) (store-value 2 c))))
           (ccase x (1 'one) (2 'two)))))
(print (let ((v (vector 9)))
         (handler-bind ((type-error (lambda (c) (store-value 1 c))))
           (list (ccase (aref v 0) ((1 3) 'odd) (2 'even)) v))))
(print (let ((x "str"))
         (handler-bind ((type-error (lambda (c) (store-value 7 c))))
           (ctypecase x (integer (list 'int x)) (symbol 'sym)))))
(print (let ((k 'z)) (handler-case (ccase k (a 1)) (type-error (e) (list (type-error-datum e) 'not-found)))))
(print (let ((k 3)) (ccase k ((1 2) 'low) ((3 4) 'high))))
(print (let ((k 'q)) (ctypecase k (number 'n) (symbol 's))))

;; TRACE / UNTRACE
(defun fact (n) (if (< n 2) 1 (* n (fact (1- n)))))
(defun two (x) (values x (* 2 x)))
(print (trace fact two))
(print (fact 3))
(print (multiple-value-list (two 5)))
(print (trace))
(print (untrace fact))
(print (fact 2))
(print (trace))
(untrace)
(print (trace))
(print (two 1))

;; package locks on COMMON-LISP
(print (handler-case (defun copy-tree (x) x) (package-error () 'locked)))
(print (copy-tree '(1 (2))))
(print (handler-case (defmacro when (x) x) (package-error () 'locked)))
(print (handler-case (setf (fdefinition 'car) #'cdr) (package-error () 'locked)))
(print (handler-case (defvar list 5) (package-error () 'locked)))
(print (handler-case (eval '(defstruct tree left right)) (package-error () 'locked)))
(print (car '(1 2)))

;; *LOAD-TRUENAME* is absolute
(print (char (namestring *load-truename*) 0))

;; (complex part-type), TYPE-OF of vectors with fill pointers, EXIT visible in CL-USER
(print (list (typep #c(1 2) '(complex integer)) (typep #c(1 2) '(complex rational))
             (typep #c(1.0 2.0) '(complex integer)) (typep #c(1.0 2.0) '(complex single-float))
             (typep #c(1/2 2) '(complex (integer 0 5))) (typep 5 '(complex integer))
             (typep #c(1 2) '(complex *))))
(print (type-of (make-array 5 :fill-pointer 2)))
(print (type-of (make-array 6 :fill-pointer 1 :element-type '(unsigned-byte 8))))
(print (type-of (make-array 7 :fill-pointer 3 :element-type 'character)))
(print (not (null (fboundp 'exit))))

;; deep (non-tail) recursion: 50,000 nested calls
(defun walk (l) (if (null l) 0 (1+ (walk (cdr l)))))
(print (walk (make-list 50000)))

;; LOAD from a character input stream
(print (load (make-string-input-stream "(defun from-stream (x) (list :loaded x)) (defvar *ls* 3)")))
(print (from-stream *ls*))
(print (with-input-from-string (s "(setq *ls* (* *ls* 10))") (load s)))
(print *ls*)

;; a rational too large for the float format overflows when float contagion converts it
(print (handler-case (+ 1.0 (expt 10 40)) (error (e) (type-of e))))
(print (handler-case (float (expt 10 40)) (error (e) (type-of e))))
(print (handler-case (* 1e38 10.0) (error (e) (type-of e))))
(print (handler-case (exp 1000d0) (error (e) (type-of e))))
(print (handler-case (/ 1.0 0.0) (error (e) (type-of e))))
(print (handler-case (coerce (expt 10 400) 'double-float) (error (e) (type-of e))))
(print (handler-case (+ 1d0 (expt 10 400)) (error (e) (type-of e))))
(print (float (expt 10 30)))
(print (handler-case (sqrt (expt 10 400)) (error (e) (type-of e))))

;; the key place of CCASE / CTYPECASE is evaluated once, the STORE-VALUE goes to the same place
(print (let ((v (vector 7 2)) (i -1))
  (handler-bind ((type-error (lambda (c) (store-value 2 c))))
    (list (ccase (aref v (incf i)) (2 'two)) i v))))
(print (let ((v (vector "a")) (i -1))
  (handler-bind ((type-error (lambda (c) (store-value 5 c))))
    (list (ctypecase (aref v (incf i)) (integer 'int)) i v))))
(print (typep #c(1/2 1) '(complex ratio)))
(print (handler-case (setf (macro-function 'when) (lambda (f e) (declare (ignore f e)) nil)) (package-error () 'locked)))

;; a refused DEFSTRUCT defines nothing (the constructor is checked with the rest)
(print (handler-case (defstruct (qq (:constructor list)) a) (package-error () 'locked)))
(print (fboundp 'qq-a))
(print (handler-case (atan 1.0 (expt 10 400)) (error (e) (type-of e))))(print (atan 1 2))(print (atan 1.0 2))
