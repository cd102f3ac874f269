;;;; string-search.lisp -- SEARCH and POSITION over a long string, many times.
;;;; Twin: string-search.py.  Prints one checksum line.

(defun make-text (n seed)
  ;; n characters from "abcd" chosen by an LCG
  (let ((s (make-string n)) (x seed))
    (dotimes (i n s)
      (setf x (mod (+ (* x 1103515245) 12345) 2147483648))
      (setf (char s i) (char "abcd" (mod (floor x 65536) 4))))))

(defun count-search (pattern text)
  ;; overlapping occurrences of PATTERN in TEXT
  (let ((count 0) (start 0))
    (loop
      (let ((p (search pattern text :start2 start)))
        (unless p (return count))
        (incf count)
        (setf start (1+ p))))))

(defun count-position (ch text)
  (let ((count 0) (start 0))
    (loop
      (let ((p (position ch text :start start)))
        (unless p (return count))
        (incf count)
        (setf start (1+ p))))))

(let ((text (make-text 100000 7)) (total 0))
  (dotimes (r 10)
    (dolist (pat '("abc" "dcba" "aaaa" "bad" "cabd"))
      (incf total (count-search pat text)))
    (incf total (* 7 (count-position #\d text))))
  (format t "string-search ~d~%" total))
