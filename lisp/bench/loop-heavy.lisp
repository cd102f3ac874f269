;;;; loop-heavy.lisp -- nested LOOP with collect, sum, when, maximize.
;;;; Twin: loop-heavy.py.  Prints one checksum line.

(defun triangle (n)
  ;; list of lists: row i holds (i*0 i*1 ... i*(i-1)) filtered to odd products
  (loop for i from 1 to n
        collect (loop for j below i
                      for p = (* i j)
                      when (oddp p) collect p)))

(defun grid-sum (n m)
  (loop for i below n
        sum (loop for j below m
                  when (zerop (mod (+ i j) 7))
                    sum (* i j))))

(let* ((tri (triangle 900))
       (rows (loop for row in tri sum (length row)))
       (tsum (loop for row in tri sum (loop for x in row sum x)))
       (best (loop for row in tri maximize (length row)))
       (grid (grid-sum 1500 1000)))
  (format t "loop-heavy ~d ~d ~d ~d~%" rows tsum best grid))
