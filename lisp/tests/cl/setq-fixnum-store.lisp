;;;; setq-fixnum-store.lisp -- (setq var (op ...)) on locals: the in-place fixnum store and
;;;; every case that must leave it (overflow to a bignum, a float or ratio result, a variable
;;;; holding a non-fixnum, a variable captured by a closure, a predicate's T/NIL result).

(defun sum-to (n) (let ((s 0)) (dotimes (i n s) (incf s i))))
(print (sum-to 1000))

(defun overflow ()
  (let ((s (- most-positive-fixnum 2)) (k 5))
    (setq s (+ s k))
    (list (- s most-positive-fixnum) (typep s 'fixnum))))
(print (overflow))

(defun underflow ()
  (let ((s (+ most-negative-fixnum 1)) (k 3))
    (setq s (- s k))
    (list (- s most-negative-fixnum) (typep s 'fixnum))))
(print (underflow))

(defun products ()
  (let ((p 1) (k 1000003))
    (dotimes (i 5 p) (setq p (* p k)))))
(print (products))

(defun mixed ()
  (let ((s 0) (r '()))
    (dolist (x (list 1 2.5 3 1/2 4) (list s (nreverse r)))
      (incf s x)
      (push s r))))
(print (mixed))

(defun from-float ()
  (let ((s 1.5) (k 2))
    (setq s (+ k k))
    (list s (typep s 'fixnum))))
(print (from-float))

(defun from-list ()
  (let ((s (list 1 2 3)) (k 2))
    (setq s (+ k k))
    s))
(print (from-list))

(defun captured ()
  (let* ((s 0) (get (lambda () s)))
    (dotimes (i 10) (incf s i))
    (list s (funcall get))))
(print (captured))

(defun predicate-result ()
  (let ((flag 0) (a 1) (b 2))
    (setq flag (< a b))
    (let ((f2 flag))
      (setq flag (> a b))
      (list f2 flag))))
(print (predicate-result))

(defun one-plus-limit ()
  (let ((i (1- most-positive-fixnum)))
    (setq i (1+ i))
    (setq i (1+ i))
    (list (- i most-positive-fixnum) (typep i 'fixnum))))
(print (one-plus-limit))

(defun decf-loop ()
  (let ((n 10) (steps 0))
    (loop (when (zerop n) (return (list n steps))) (decf n) (incf steps))))
(print (decf-loop))
(terpri)
