;;;; closed-streams.lisp -- input and output on a closed stream signal a stream-error naming it.

(defmacro closed-check (form stream)
  `(handler-case (progn ,form :no-error)
     (stream-error (e) (if (eq (stream-error-stream e) ,stream) :stream-error :wrong-stream))
     (error (e) (list :other-error (type-of e)))))

(let ((s (make-string-output-stream)))
  (write-string "abc" s)
  (print (get-output-stream-string s))
  (print (close s))
  (print (open-stream-p s))
  (print (closed-check (write-string "x" s) s))
  (print (closed-check (write-char #\x s) s))
  (print (closed-check (write-line "x" s) s))
  (print (closed-check (format s "hi ~a" 1) s))
  (print (closed-check (format s "hi") s))
  (print (closed-check (princ 42 s) s))
  (print (closed-check (prin1 "q" s) s))
  (print (closed-check (terpri s) s))
  (print (closed-check (fresh-line s) s))
  (print (closed-check (write 'sym :stream s) s)))

(defun emit (c s) (write-char c s))
(defun emit-string (str s) (write-string str s))
(let ((s (make-string-output-stream)))
  (emit #\a s)
  (emit-string "bc" s)
  (print (get-output-stream-string s))
  (close s)
  (print (closed-check (emit #\a s) s))
  (print (closed-check (emit-string "bc" s) s)))

(let ((s (make-string-input-stream "abc")))
  (print (read-char s))
  (close s)
  (print (closed-check (read-char s) s))
  (print (closed-check (read-line s) s))
  (print (closed-check (peek-char nil s) s))
  (print (closed-check (read s) s)))

;; The condition's report names the stream.
(let ((s (make-string-output-stream)))
  (close s)
  (handler-case (write-string "x" s)
    (stream-error (e)
      (let ((text (princ-to-string e)))
        (print (not (null (search "is closed" text))))))))

;; An open stream still works after another one was closed.
(let ((a (make-string-output-stream)) (b (make-string-output-stream)))
  (close a)
  (write-string "still fine" b)
  (print (get-output-stream-string b)))

;; FORMAT's quick path (simple control strings) checks its stream like the general path: an
;; input-only stream is a type-error whichever control string is used.
(let ((in (make-string-input-stream "x")))
  (print (handler-case (progn (format in "hi") :no-error) (type-error () :type-error)))
  (print (handler-case (progn (format in "~{~a~}" '(1)) :no-error) (type-error () :type-error))))
(terpri)
