;;; type-of on integers and characters: the most specific type, as SBCL reports it where the
;;; implementation-defined bounds agree (fixnum bounds differ: SBCL's fixnums are 62-bit).

(print (type-of 0))
(print (type-of 1))
(print (type-of -5))
(print (type-of (- (expt 2 100))))
;; A positive bignum is (INTEGER <most-positive-fixnum + 1>).
(print (equal (type-of (expt 2 100)) (list 'integer (1+ most-positive-fixnum))))
(print (typep (expt 2 100) (type-of (expt 2 100))))
(print (typep (- (expt 2 100)) (type-of (- (expt 2 100)))))
;; Characters: standard-char (the 95 graphic ASCII characters and newline), base-char, extended-char.
(print (mapcar #'type-of (list #\a #\Space #\~ #\Newline)))
(print (mapcar #'type-of (list #\Tab (code-char 0) (code-char 127) (code-char 955))))
(print (every (lambda (c) (typep c (type-of c)))
              (list #\a #\Tab (code-char 0) (code-char 127) (code-char 200) (code-char 955) (code-char 128512))))
(print (standard-char-p #\Tab))
(terpri)
