;;;; string-stream.lisp -- 100,000 writes per round to a string output stream.
;;;; Twin: string-stream.py.  Prints one checksum line.

(defparameter *digits* "0123456789")

(defun one-round (n)
  ;; n writes: alternately a short string and a single character
  (with-output-to-string (s)
    (dotimes (i n)
      (if (evenp i)
          (write-string "item" s)
          (write-char (char *digits* (mod i 10)) s)))))

(defun run (rounds n)
  (let ((total-length 0) (checksum 0))
    (dotimes (r rounds)
      (let ((str (one-round n)))
        (incf total-length (length str))
        (incf checksum (char-code (char str (- (length str) 1))))
        (incf checksum (count #\7 str))))
    (values total-length checksum)))

(multiple-value-bind (len sum) (run 10 100000)
  (format t "string-stream ~d ~d~%" len sum))
