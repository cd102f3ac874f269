;;;; EQUALP hash tables: keys that are EQUALP must find each other (numbers of different types,
;;;; case, string storage kinds, fill pointers, byte vectors, multi-dimensional arrays).
(let ((pairs (list (cons 1 1.0) (cons 1/2 0.5) (cons 2 2.0d0) (cons "abc" "ABC") (cons #\a #\A)
                   (cons (vector 1 2) (vector 1.0 2)) (cons (list "a" 1) (list "A" 1.0))
                   (cons (coerce "xy" 'base-string) (make-array 2 :element-type 'character :initial-contents "XY"))
                   (cons (make-array 2 :element-type '(unsigned-byte 8) :initial-contents '(1 2)) (vector 1 2))
                   (cons (make-array 3 :fill-pointer 2 :initial-contents '(1 2 3)) (vector 1 2))
                   (cons (make-array '(2 2) :initial-contents '((1 2) (3 4))) (make-array '(2 2) :initial-contents '((1.0 2) (3 4))))
                   (cons (expt 2 70) (float (expt 2 70) 1d0))
                   (cons -0.0 0.0))))
  (dolist (p pairs)
    (let ((h (make-hash-table :test #'equalp)))
      (setf (gethash (car p) h) :found)
      (format t "~s ~s equalp=~a hit=~a~%" (car p) (cdr p) (equalp (car p) (cdr p)) (gethash (cdr p) h)))))
