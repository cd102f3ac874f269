;;;; hash-table.lisp -- 200,000 inserts and 200,000 lookups per round, integer keys
;;;; (EQL table) and string keys (EQUAL table).  Twin: hash-table.py.

(defun int-round (n)
  (let ((h (make-hash-table)) (found 0) (sum 0))
    (dotimes (i n)
      (setf (gethash (* i 7) h) i))
    ;; look up every multiple of 3 below 7n: about a third are present
    (dotimes (i n)
      (multiple-value-bind (v present) (gethash (* i 3) h)
        (when present
          (incf found)
          (incf sum v))))
    (+ (* found 1000003) sum (hash-table-count h))))

(defun string-round (n)
  (let ((h (make-hash-table :test #'equal)) (sum 0))
    (dotimes (i n)
      (setf (gethash (format nil "k~d" i) h) i))
    (dotimes (i n)
      (incf sum (gethash (format nil "k~d" (- n i 1)) h 0)))
    (+ sum (hash-table-count h))))

(let ((total 0))
  (dotimes (r 3)
    (incf total (int-round 200000)))
  (incf total (string-round 50000))
  (format t "hash-table ~d~%" total))
