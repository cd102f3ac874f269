;;;; fib.lisp -- recursive Fibonacci (function call overhead, fixnum arithmetic).
;;;; Twin: fib.py.  Prints one checksum line.

(defun fib (n)
  (if (< n 2)
      n
      (+ (fib (- n 1)) (fib (- n 2)))))

(format t "fib ~d~%" (fib 30))
