;;;; A macro whose expansion contains itself forever is a STORAGE-CONDITION (nested forms count
;;;; against the call-depth limit), not a native stack overflow; the session goes on.
(defmacro rec (n) `(list (rec ,(1+ n))))
(print (handler-case (eval (quote (rec 0))) (storage-condition () (quote too-deep))))
(print (handler-case (compile nil (quote (lambda () (rec 0)))) (storage-condition () (quote too-deep-in-lambda))))
(print (+ 1 2))
