;;;; defstruct slot :type checks in constructors and setf accessors.
(defstruct ts (a 0 :type integer) (b "" :type string) c (d nil :type (or null fixnum)))
(print (make-ts :a 1 :b "x" :c 'any))
(print (handler-case (make-ts :a "no") (type-error (e) (list :type-error (type-error-datum e) (type-error-expected-type e)))))
(print (handler-case (let ((x (make-ts))) (setf (ts-a x) 1.5) x) (type-error (e) (list :type-error (type-error-datum e)))))
(print (handler-case (let ((x (make-ts))) (setf (ts-d x) 7) (ts-d x)) (type-error () :type-error)))
(print :done)
