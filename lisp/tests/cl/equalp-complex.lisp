;;;; equalp-complex.lisp -- equalp compares complexes as numbers (=), and equalp hash tables agree.

(defvar *pairs*
  (list (list #c(1 2) #c(1.0 2.0))
        (list #c(1/2 2) #c(0.5 2.0d0))
        (list 1 #c(1.0 0.0))
        (list #c(1.0 0.0) 1.0d0)
        (list #c(1 2) #c(1 3))
        (list #c(1 2) #c(2 2))
        (list #c(1 2) 1)
        (list #c(1 2) "a")
        (list #c(0 1) #c(0.0 1.0))))

(dolist (p *pairs*)
  (print (list (equalp (first p) (second p)) (equalp (second p) (first p)) (and (numberp (second p)) (= (first p) (second p))))))

;; Keys that are equalp find each other in an equalp hash table.
(let ((h (make-hash-table :test 'equalp)))
  (setf (gethash #c(1 2) h) :a
        (gethash 3 h) :b
        (gethash (list #c(0 1) "X") h) :c)
  (print (list (gethash #c(1.0 2.0) h)
               (gethash #c(3.0 0.0) h)
               (gethash (list #c(0.0 1.0) "x") h)
               (gethash #c(1 3) h)))
  (print (hash-table-count h)))

;; equal and eql stay exact.
(print (list (equal #c(1 2) #c(1.0 2.0)) (eql #c(1 2) #c(1 2)) (equal #c(1.0 2.0) #c(1.0 2.0))))
(terpri)
