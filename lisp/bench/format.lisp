;;;; format.lisp -- FORMAT-heavy: ~a, ~d, padded ~5,'0d, ~x, ~%.
;;;; Twin: format.py.  Prints one checksum line.

(defun run (n)
  (let ((total 0) (last ""))
    (dotimes (i n)
      (let ((a (format nil "~a-~d" "item" i))
            (b (format nil "~a=~5,'0d;~x~%" "key" (mod i 100000) i)))
        (incf total (+ (length a) (length b)))
        (setf last b)))
    (values total last)))

(multiple-value-bind (total last) (run 200000)
  (format t "format ~d ~a~%" total (string-right-trim '(#\Newline) last)))
