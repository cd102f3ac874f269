;;;; sum-loop.lisp -- a simple counting loop summing 1..10,000,000.
;;;; Twin: sum-loop.py.  Prints one checksum line.

(defun sum-to (n)
  (let ((s 0))
    (do ((i 1 (1+ i)))
        ((> i n) s)
      (setf s (+ s i)))))

(format t "sum-loop ~d~%" (sum-to 10000000))
