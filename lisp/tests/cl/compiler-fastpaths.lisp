;;;; Open-coded arithmetic, tagbody basic blocks and the unretained call path.

;; tagbody: several blocks, jumps forward and back, tag at the end, go from a closure
(defun tb1 (n)
  (let ((acc '()) (i 0))
    (tagbody
     top
       (when (>= i n) (go done))
       (if (evenp i) (go even) (go odd))
     even
       (push (list :even i) acc)
       (incf i)
       (go top)
     odd
       (push (list :odd i) acc)
       (incf i)
       (go top)
     done)
    (nreverse acc)))
(print (tb1 5))

(defun tb2 ()
  (let ((log '()) (k 0))
    (tagbody
     a (push 'a log)
       (incf k)
       (funcall (lambda () (if (< k 3) (go a) (go b))))
     b (push 'b log))
    (list k (reverse log))))
(print (tb2))

(defun tb3 (x)
  ;; conditional go with an else branch, and an empty tagbody
  (tagbody)
  (let ((r '()))
    (tagbody
     start
       (if (> x 0) (go pos) (go neg))
     pos (push :pos r) (decf x 2) (go start)
     neg (push :neg r))
    r))
(print (tb3 5))

;; loops in every shape the macros produce
(print (let ((s 0)) (dotimes (i 10 s) (incf s i))))
(print (let ((s 0)) (dolist (x '(1 2 3 4) s) (incf s (* x x)))))
(print (do ((i 0 (1+ i)) (acc '() (cons i acc))) ((= i 4) acc)))
(print (loop for i from 1 to 10 when (oddp i) collect i))
(print (loop for x in '(3 1 4 1 5) maximize x))
(print (let ((n 0)) (loop (incf n) (when (> n 5) (return n)))))
(print (block nil (let ((i 0)) (tagbody top (incf i) (if (< i 3) (go top)) (return i)))))

;; open-coded arithmetic: fixnum overflow, mixed types, errors from the real builtin
(defvar *big* 9223372036854775807)   ; our fixnum limit (2^63-1); SBCL's is smaller
(defvar *small* -9223372036854775808)
(print (list (+ *big* 1) (- *small* 1) (* *big* 2)))
(print (list (* *small* -1) (- 0 *small*)))
(print (list (1+ *big*) (1- *small*) (mod *small* -1) (mod *small* 7)))
(print (list (+ 1 2.5) (- 1/2 1) (* 3 1/3) (< 1 1.5) (>= 2 2.0) (= 1 1.0)))
(print (list (mod 7 3) (mod -7 3) (mod 7 -3) (mod -7 -3) (mod 5 -1) (mod most-negative-fixnum -1) (mod 7.5 2)))
(print (let ((x 10) (y 3)) (list (mod x y) (mod (- x) y) (zerop (- x x)) (zerop 0.0) (zerop x))))
(print (handler-case (mod 1 0) (division-by-zero () :div0)))
(print (handler-case (let ((x (identity 'a))) (+ x 1)) (type-error (e) (list :type-error (type-error-datum e)))))
(print (handler-case (let ((x (identity 5))) (endp x)) (type-error () :endp-type-error)))
(print (handler-case (let ((x (identity "s"))) (car x)) (type-error () :car-type-error)))
(print (let ((l '(1 2))) (list (car l) (cdr l) (endp l) (endp nil) (consp l) (null l) (not nil) (eq l l))))
;; an argument with side effects is evaluated after a variable before it
(print (let ((x 1)) (+ x (progn (setq x 10) x))))
(print (let ((x 1)) (list (< x (setq x 0)) x)))
;; a variable captured by a closure (boxed) still reads correctly in open-coded code
(print (let ((n 0))
         (let ((inc (lambda () (incf n))))
           (dotimes (i 3) (funcall inc))
           (list n (+ n 1) (< n 5)))))

;; calls: redefinition is seen, a function may redefine itself while running
(defun f1 (x) (* x 2))
(defun g1 (x) (f1 x))
(print (g1 4))
(defun f1 (x) (* x 3))
(print (g1 4))
(defun self-redef (n)
  (setf (symbol-function 'self-redef) (lambda (n) (list :new n)))
  (list :old n (self-redef (1+ n))))
(print (self-redef 1))
(print (self-redef 2))
(fmakunbound 'f1)
(print (handler-case (g1 1) (undefined-function (e) (list :undefined (cell-error-name e)))))
(defun rec (n) (if (= n 0) 0 (+ 1 (rec (- n 1)))))
(print (rec 1000))
(print (handler-case (funcall 'rec) (program-error () :wrong-arg-count)))
(defun opt (a &optional (b 2) &key (c 3)) (list a b c))
(print (list (opt 1) (opt 1 5) (opt 1 5 :c 7)))
;; predicates in test positions and as values
(print (let ((x 3)) (if (not (< x 2)) :a :b)))
(print (if (not (null nil)) :yes :no))
(print (if (null '(1)) :yes :no))
(print (let ((l '(1 2))) (loop while (not (endp l)) collect (pop l))))
(print (list (oddp 3) (evenp 3) (oddp (expt 2 70)) (evenp (expt 2 70)) (plusp -1) (minusp -1) (plusp 0.5) (atom 1) (atom '(1)) (eql 1.0 1.0) (eql 1 1.0) (eql "a" "a")))
(print (handler-case (oddp 1.5) (type-error () :oddp-type-error)))
(print (let ((c (list 1 2))) (rplaca c 9) (rplacd (cdr c) '(3)) c))
(print (list (list 1) (list 1 2) (list) (list 1 2 3)))
;; tagbodies of 1 to 8 blocks (the runner is specialised by block count)
(defun blocks (n)
  (let ((trace '()) (k 0))
    (tagbody
       (push :start trace)
     b1 (when (> n 1) (push 1 trace)) (if (< (incf k) 2) (go b1))
     b2 (when (> n 2) (push 2 trace))
     b3 (when (> n 3) (push 3 trace))
     b4 (when (> n 4) (push 4 trace))
     b5 (when (> n 5) (push 5 trace))
     b6 (when (> n 6) (push 6 trace)) (when (< (incf k) 4) (go b3))
     b7 (when (> n 7) (push 7 trace)))
    (nreverse trace)))
(dotimes (i 9) (print (blocks i)))
(print (let ((x 0)) (tagbody (setq x 1) (go end) (setq x 2) end) x))
(print (let ((x 0)) (tagbody a (setq x (1+ x)) (if (< x 5) (go a)) b) x))
;; forms evaluated only for effect inside bodies and loops
(print (let ((r nil)) (dotimes (i 4) (if (evenp i) (push i r) (progn (push :odd r) (push i r))) (when (= i 2) (push :two r)) (unless (= i 2) (progn))) r))
(print (let ((x 1) (y 2)) (setq x 10) (if (> x 5) (setq y 20) (setq y 30)) (progn (setq x (+ x y)) (setq y 0)) (list x y)))
;; a running function survives redefinitions of itself and of others (retired functions are
;; released only once no activation runs them)
(defun self-redef-2 (n)
  (dotimes (i 40) (setf (symbol-function 'other-fn) (lambda () i)))
  (setf (symbol-function 'self-redef-2) (lambda (n) (list :new n)))
  (dotimes (i 40) (setf (symbol-function 'other-fn) (lambda () i)))
  (list :old n (self-redef-2 (1+ n)) (funcall 'other-fn)))
(print (self-redef-2 1))
(dotimes (i 10000) (setf (symbol-function 'churn) (lambda () i)))
(print (funcall 'churn))
(terpri)
