;;;; string-output-writes.lisp -- write-char / write-string / write-line into string output
;;;; streams: ranges, keywords, string kinds, columns, errors, reuse after get-output-stream-string.

(defun show (x) (format t "~s~%" x))

(show (with-output-to-string (s)
        (write-string "hello" s)
        (write-char #\Space s)
        (write-string "wonderful world" s :start 10)
        (write-string "0123456789" s :start 2 :end 5)
        (write-string "abc" s :end 1)
        (write-string "xyz" s :end nil)
        (write-line "line" s)
        (write-line "0123456789" s :start 8)))

;; base strings, strings with fill pointers, non-base characters
(let ((fp (make-array 10 :element-type 'character :fill-pointer 4 :initial-contents "abcdefghij"))
      (base (coerce "base" 'base-string)))
  (show (with-output-to-string (s)
          (write-string fp s)
          (write-string base s :start 1)
          (write-char (code-char 955) s)
          (write-string (string (code-char 8364)) s))))

;; the result is a fresh (simple-array character) each time
(let ((s (make-string-output-stream)))
  (write-string "first" s)
  (let ((a (get-output-stream-string s)))
    (write-char #\2 s)
    (write-string "nd" s)
    (let ((b (get-output-stream-string s)))
      (show (list a b (get-output-stream-string s)))
      (show (list (type-of a) (length b))))))

;; columns: fresh-line and ~& after writes
(show (with-output-to-string (s)
        (write-string "abc" s)
        (fresh-line s)
        (write-string "def
" s)
        (fresh-line s)
        (write-char #\x s)
        (format s "~&y")))

;; many writes (buffer growth)
(let ((str (with-output-to-string (s)
             (dotimes (i 10000) (write-string "ab" s) (write-char #\c s)))))
  (show (list (length str) (subseq str 0 7) (subseq str (- (length str) 3)) (count #\c str))))

;; with-output-to-string into a string with a fill pointer
(let ((target (make-array 3 :element-type 'character :fill-pointer 0 :adjustable t)))
  (with-output-to-string (s target)
    (write-string "abcdef" s :start 1 :end 4)
    (write-char #\! s))
  (show target))

;; return values
(show (let ((s (make-string-output-stream))) (list (write-string "abc" s :start 1) (write-char #\z s) (write-line "q" s))))

;; errors (the arguments come through variables so that no compiler sees them as constants)
(defvar *a-string* "a")
(defvar *a-char* #\a)
(defvar *not-a-stream* 10)
(defvar *bogus* :bogus)
(defun err (thunk)
  (handler-case (progn (funcall thunk) :no-error)
    (type-error (e) (list :type-error (type-error-datum e)))
    (program-error () :program-error)
    (error () :error)))
(show (err (lambda () (with-output-to-string (s) (write-char *a-string* s)))))
(show (err (lambda () (with-output-to-string (s) (write-string *a-char* s)))))
(show (err (lambda () (with-output-to-string (s) (write-string "abc" s :start 2 :end 1)))))
(show (err (lambda () (with-output-to-string (s) (write-string "abc" s :end 4)))))
(show (err (lambda () (with-output-to-string (s) (write-string "abc" s *bogus* 1)))))
(show (err (lambda () (write-char #\a *not-a-stream*))))
(show (err (lambda () (write-string "a" *not-a-stream*))))
