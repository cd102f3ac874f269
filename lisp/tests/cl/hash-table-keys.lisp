;;;; Hash tables under key patterns that stress hashing and probing: consecutive and negative
;;;; fixnums, multiples of large powers of two, bignums and floats (eql), characters, strings
;;;; (equal: base and character strings alike), removal and re-insertion, iteration order.

(defun fill-table (h keys)
  (loop for k in keys for i from 0 do (setf (gethash k h) i))
  h)

(defun check (name h keys)
  ;; every key present with its index, and some absent keys absent
  (let ((ok t))
    (loop for k in keys for i from 0
          do (multiple-value-bind (v found) (gethash k h)
               (unless (and found (eql v i)) (setf ok nil))))
    (format t "~a: count ~d all-found ~a~%" name (hash-table-count h) ok)))

(let* ((keys (loop for i from -500 below 500 collect i))
       (h (fill-table (make-hash-table) keys)))
  (check "consecutive" h keys)
  (format t "absent ~a ~a~%" (gethash 500 h) (nth-value 1 (gethash -501 h))))

(dolist (shift '(10 20 32 40 61))
  (let* ((keys (loop for i from 0 below 2000 collect (* i (expt 2 shift))))
         (h (fill-table (make-hash-table :test 'eql) keys)))
    (check (format nil "multiples of 2^~d" shift) h keys)))

(let* ((keys (append (loop for i from 0 below 300 collect (+ (expt 2 64) i))
                     (loop for i from 0 below 300 collect (* i 0.5))
                     (loop for i from 0 below 300 collect (* i 0.25d0))
                     (loop for i from 0 below 300 collect (/ i 7))
                     (loop for i from 40 below 340 collect (code-char i))))
       (h (fill-table (make-hash-table) keys)))
  (check "mixed eql keys" h keys)
  (format t "float 0.5 vs 0.5d0: ~a ~a~%" (gethash 0.5 h) (gethash 0.5d0 h))
  (format t "fresh bignum: ~a~%" (gethash (+ (expt 2 64) 5) h)))

;; equal tables: strings built different ways are the same key
(let ((h (make-hash-table :test 'equal)))
  (dotimes (i 1000) (setf (gethash (format nil "k~d" i) h) i))
  (format t "equal count ~d~%" (hash-table-count h))
  (format t "lookups ~a ~a ~a ~a~%"
          (gethash "k0" h)
          (gethash (coerce "k999" 'base-string) h)
          (gethash (make-array 4 :element-type 'character :fill-pointer 4 :initial-contents "k12x") h)
          (gethash (let ((s (make-array 10 :element-type 'character :fill-pointer 0)))
                     (with-output-to-string (o s) (write-string "k123" o))
                     s)
                   h))
  (format t "absent ~a~%" (multiple-value-list (gethash "k1000" h)))
  (setf (gethash "" h) :empty (gethash '("k1" 2) h) :list (gethash #\k h) :char)
  (format t "~a ~a ~a ~a~%" (gethash "" h) (gethash (list "k1" 2) h) (gethash #\k h) (gethash "k" h)))

;; removal, tombstones and re-insertion; iteration order follows SBCL's free-slot reuse
(let ((h (make-hash-table)))
  (dotimes (i 20) (setf (gethash (* i 1024) h) i))
  (loop for i from 0 below 20 by 3 do (remhash (* i 1024) h))
  (format t "after remhash ~d ~a~%" (hash-table-count h) (gethash 3072 h))
  (dotimes (i 5) (setf (gethash (- i) h) (* 100 i)))
  (let ((items '()))
    (maphash (lambda (k v) (push (cons k v) items)) h)
    (dolist (kv (reverse items)) (format t "~d=~d " (car kv) (cdr kv)))
    (terpri))
  (dotimes (round 50)
    (dotimes (i 100) (setf (gethash (+ 5000 i) h) round))
    (dotimes (i 100) (remhash (+ 5000 i) h)))
  (format t "churn count ~d ~a~%" (hash-table-count h) (gethash 5000 h))
  (clrhash h)
  (setf (gethash 1 h) :one)
  (format t "cleared ~d ~a~%" (hash-table-count h) (gethash 1 h)))

(let ((h (make-hash-table :test 'eq)) (syms '(a b c d e f g h i j)))
  (fill-table h syms)
  (check "eq symbols" h syms))

(let ((h (make-hash-table :test 'equalp)))
  (setf (gethash "ABC" h) 1 (gethash 1.0 h) :float (gethash '(#\a "X") h) :list)
  (format t "equalp ~a ~a ~a~%" (gethash "abc" h) (gethash 1 h) (gethash '(#\A "x") h)))
