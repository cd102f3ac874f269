;;;; sort.lisp -- sort 200,000 pseudo-random integers (from an LCG, no RANDOM),
;;;; once as a list and once as a vector.  Twin: sort.py.

(defconstant +modulus+ 2147483648)      ; 2^31

(defun lcg-list (n seed)
  (let ((x seed) (l '()))
    (dotimes (i n l)
      (setf x (mod (+ (* x 1103515245) 12345) +modulus+))
      (push (floor x 16) l))))

(defun checksum (seq)
  ;; position-weighted sum, so a wrong order changes it
  (let ((s 0) (i 0))
    (map nil (lambda (x)
               (setf s (mod (+ s (* x (1+ (mod i 1000)))) 1000000007))
               (incf i))
         seq)
    s))

(let* ((l (sort (lcg-list 200000 42) #'<))
       (v (sort (coerce (lcg-list 200000 4242) 'vector) #'>)))
  (format t "sort ~d ~d ~d ~d~%"
          (checksum l) (checksum v) (first l) (aref v 0)))
