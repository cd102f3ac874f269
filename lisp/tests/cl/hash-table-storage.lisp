;;;; hash-table-storage.lisp -- hash tables under deletion, reinsertion, rehash and mixed keys.

;; many inserts / deletions / reinsertions with integer keys: count, lookups, iteration order
(let ((h (make-hash-table)))
  (dotimes (i 1000) (setf (gethash i h) (* i i)))
  (dotimes (i 1000) (when (oddp i) (remhash i h)))
  (format t "count ~d~%" (hash-table-count h))
  (dotimes (i 500) (setf (gethash (+ 5000 i) h) i))
  (format t "count ~d ~a ~a ~a~%" (hash-table-count h) (gethash 998 h) (gethash 999 h) (gethash 5499 h))
  (let ((sum 0)) (maphash (lambda (k v) (incf sum (+ k v))) h) (format t "sum ~d~%" sum))
  (dotimes (i 2000) (remhash i h))
  (format t "count ~d ~s~%" (hash-table-count h) (multiple-value-list (gethash 0 h)))
  (clrhash h)
  (format t "after clrhash ~d ~s~%" (hash-table-count h) (multiple-value-list (gethash 5000 h)))
  (setf (gethash 1 h) 'one)
  (format t "~s~%" (multiple-value-list (gethash 1 h))))

;; keys that collide in the low bits of the hash (multiples of a big power of two)
(let ((h (make-hash-table)))
  (dotimes (i 3000) (setf (gethash (* i 65536) h) i))
  (let ((ok t)) (dotimes (i 3000) (unless (eql (gethash (* i 65536) h) i) (setf ok nil)))
    (format t "pow2 keys ~a ~d ~s~%" ok (hash-table-count h) (gethash 32768 h))))

;; negative, big and mixed-type keys in an EQL table
(let ((h (make-hash-table)))
  (setf (gethash -1 h) 'minus-one (gethash (expt 2 70) h) 'big (gethash 1.5 h) 'float
        (gethash #\a h) 'char (gethash 'sym h) 'symbol (gethash 1/2 h) 'half)
  (format t "~s ~s ~s ~s ~s ~s ~s~%" (gethash -1 h) (gethash (expt 2 70) h) (gethash 1.5 h)
          (gethash #\a h) (gethash 'sym h) (gethash 1/2 h) (gethash 1.5d0 h)))

;; EQUAL keys: strings of both kinds, with fill pointers, conses
(let ((h (make-hash-table :test #'equal))
      (fp (make-array 10 :element-type 'character :fill-pointer 3 :initial-contents "abcdefghij"))
      (base (coerce "abc" 'base-string)))
  (setf (gethash "abc" h) 1)
  (format t "~s ~s ~s ~s~%" (gethash fp h) (gethash base h) (gethash "abcd" h) (gethash "ABC" h))
  (setf (gethash base h) 2)
  (format t "~d ~s~%" (hash-table-count h) (gethash "abc" h))
  (setf (gethash '(1 "x" (2 . 3)) h) 'list)
  (format t "~s ~s~%" (gethash (list 1 "x" (cons 2 3)) h) (gethash '(1 "X" (2 . 3)) h))
  (setf (gethash "" h) 'empty)
  (format t "~s~%" (gethash (make-string 0) h)))

;; EQUALP keys: case, numbers across types, strings vs vectors
(let ((h (make-hash-table :test #'equalp)))
  (setf (gethash "Hello" h) 'hello (gethash 1 h) 'one (gethash #(1 2 "a") h) 'vec
        (gethash #\x h) 'x (gethash 2.5 h) 'two-and-half)
  (format t "~s ~s ~s ~s ~s~%" (gethash "HELLO" h) (gethash (coerce "hello" 'base-string) h)
          (gethash 1.0 h) (gethash 1.0d0 h) (gethash #(1.0 2 "A") h))
  (format t "~s ~s ~s ~s~%" (gethash #\X h) (gethash 5/2 h) (gethash (vector #\h #\E #\l #\l #\o) h)
          (gethash "Hell" h))
  (format t "count ~d~%" (hash-table-count h)))

;; string keys built at run time, inserted and removed in bulk
(let ((h (make-hash-table :test 'equal)))
  (dotimes (i 2000) (setf (gethash (format nil "key~d" i) h) i))
  (dotimes (i 2000) (when (zerop (mod i 3)) (remhash (format nil "key~d" i) h)))
  (let ((sum 0)) (dotimes (i 2000) (incf sum (gethash (format nil "key~d" i) h 0)))
    (format t "strings ~d ~d~%" (hash-table-count h) sum)))

;; iteration order after deletions and reuse (SBCL reuses freed entries last-freed-first)
(let ((h (make-hash-table)))
  (dolist (k '(a b c d e)) (setf (gethash k h) t))
  (remhash 'b h) (remhash 'd h)
  (setf (gethash 'f h) t (gethash 'g h) t)
  (let ((keys nil)) (maphash (lambda (k v) (declare (ignore v)) (push k keys)) h)
    (format t "~s~%" (reverse keys))))

;; setf gethash returns the value; evaluation order of key, table, value forms
(let ((h (make-hash-table)) (log nil))
  (format t "~s~%" (setf (gethash (progn (push 'key log) 1) (progn (push 'table log) h))
                         (progn (push 'value log) 'v)))
  (format t "~s ~s~%" (reverse log) (gethash 1 h))
  (format t "~s~%" (incf (gethash 2 h 10)))
  (format t "~s~%" (push 'x (gethash 3 h))))

;; errors
(defvar *not-a-table* (quote not-a-table))
(defvar *forty-two* 42)
(format t "~s~%" (handler-case (gethash 1 (symbol-value '*not-a-table*)) (type-error (e) (type-error-expected-type e))))
(format t "~s~%" (handler-case (setf (gethash 1 (symbol-value '*forty-two*)) 2) (type-error (e) (type-error-datum e))))
