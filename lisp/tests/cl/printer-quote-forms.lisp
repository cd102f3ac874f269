;;;; printer-quote-forms.lisp -- (QUOTE x) and (FUNCTION f) print as 'x and #'f only when
;;;; printing pretty; with *print-pretty* nil they print as the lists they are.

(print (write-to-string ''a :pretty nil))
(print (write-to-string ''a :pretty t))
(print (write-to-string '(function car) :pretty nil))
(print (write-to-string '(function car) :pretty t))
(print (write-to-string '(quote a b) :pretty t))
(print (write-to-string '(quote) :pretty t))
(print (write-to-string '(f 'x #'g) :pretty nil))
(let ((*print-pretty* nil))
  (print ''(1 2))
  (print (format nil "~S ~A" ''x '#'y)))
(print (format nil "~S" ''x))
