;;;; loop: with, initially, finally, if/when/unless/else/end, do, it.
(print (loop with x = 10 for i from 1 to 2 collect (+ x i)))
(print (loop with a = 1 and b = 2 repeat 1 collect (list a b)))
(print (loop with acc = nil for i below 3 do (push i acc)
             finally (return acc)))
(print (let ((log nil))
         (loop initially (push :init log)
               for i from 1 to 2 do (push i log)
               finally (push :fin log))
         (nreverse log)))
(print (loop for i from 1 to 6
             if (evenp i) collect i
             else collect (- i)))
(print (loop for i from 1 to 6
             when (evenp i) collect i and collect :e
             end
             collect :x))
(print (loop for i from 1 to 4 unless (= i 2) collect i))
(print (loop for x in '(nil 1 nil 2) when x collect it))
(print (loop for x in '(1 2 3) when (evenp x) return it))
(print (loop for i from 1 to 5
             if (oddp i)
               if (> i 2) collect (list :big-odd i)
               else collect (list :small-odd i)
             else collect (list :even i)))
(print (loop for i from 1 to 3 do (princ i) (princ "-")))
(print (loop for i from 1 to 3 doing (princ i)))
(print (block nil (loop for i from 1 do (when (> i 2) (return :ret)))))
(print (let ((n 0)) (loop (incf n) (when (= n 4) (return n)))))
(print (loop for x in '(3 1 2) for i from 0 collect (cons i x)))
(print (loop for i from 1 to 3 collect i into l
             finally (return (apply #'+ l))))
(print (loop for i from 1 to 3 sum i into s finally (return (* s 2))))
(print (loop for i from 1 to 3 and j = 0 then i collect (list i j)))
(print (loop for (k v) on '(:a 1 :b 2) by #'cddr collect (list v k)))
(print (loop for c across "a1b2" when (digit-char-p c) collect it))
(print (loop for i below 10 when (evenp i) count it))
(print (loop for x in '(1 2 3) maximize (* x x) into m finally (return m)))
(print :done)
