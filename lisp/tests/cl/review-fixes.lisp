;;;; Review fixes: equalp hashing of big fixnums and nested strings, writing to an input stream,
;;;; a huge :size, eql/equal/sxhash of complexes.
(let ((h (make-hash-table :test 'equalp)))
  (setf (gethash (expt 2 62) h) 1)
  (print (list (equalp (expt 2 62) (float (expt 2 62) 1d0)) (gethash (float (expt 2 62) 1d0) h))))
(let ((h (make-hash-table :test 'equalp)))
  (setf (gethash (list 1 2 3 "ab") h) :found)
  (print (gethash (list 1 2 3 (vector #\a #\b)) h)))
(print (handler-case (print 1 (make-string-input-stream "x")) (type-error () :type-error)))
(print (handler-case (write-char #\a (make-string-input-stream "abc")) (type-error (e) :type-error)))
(print (hash-table-count (make-hash-table :size most-positive-fixnum)))
(print (list (eql #c(1 2) #c(1 2)) (equal #c(1 2) #c(1 2)) (eql #c(1 2) #c(1 3)) (eql #c(1.0 2.0) #c(1 2))))
(let ((h (make-hash-table))) (setf (gethash #c(1 2) h) :c) (print (gethash (complex 1 2) h)))
(print (= (sxhash #c(3 4)) (sxhash (complex 3 4))))
