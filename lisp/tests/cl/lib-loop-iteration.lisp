;;;; loop: combined clauses, vectors, strings, termination, return values.
(print (loop for x across #(1 2 3) for i from 0 collect (* x i)))
(print (loop for c across "hello" count (find c "aeiou")))
(print (loop for x in '(1 2 3) for y in '(a b) collect (list x y)))
(print (loop for i from 0 for x in '(a b c) when (oddp i) collect x))
(print (loop for x in '(5 3 8 1) minimize x into lo maximize x into hi
             finally (return (list lo hi))))
(print (loop for i from 1 to 3 append (make-list i :initial-element i)))
(print (loop for l = (list 1 2 3) then (cdr l) while l collect (car l)))
(print (loop for x in '(1 2 3 4 5 6) by #'cddr
             for y in '(a b c) collect (cons x y)))
(print (loop for i from 1 to 10 by 3 collect i))
(print (loop for i from 10 downto 1 by 4 collect i))
(print (loop for x in '(a b c) for first = t then nil
             collect (if first (list :first x) x)))
(print (loop for i below 5 sum i into s finally (return (list :sum s))))
(print (loop with v = (vector 1 2 3) for i below (length v)
             collect (aref v i)))
(print (loop for (a b) on '(1 2 3 4) collect (list a b)))
(print (loop for i from 1 to 3 collect (loop for j from 1 to i collect j)))
(print (loop for i from 1 to 20
             if (zerop (mod i 15)) collect :fizzbuzz
             else if (zerop (mod i 5)) collect :buzz
             else if (zerop (mod i 3)) collect :fizz
             end end end
             until (>= i 15)))
(print (loop for x in '(1 2 3) nconc (list x) into r finally (return r)))
(print (loop for i from 1 to 3 collect i into r
             finally (return (values r (length r)))))
(print (multiple-value-list (loop for i below 2 finally (return (values 1 2)))))
(print (loop for x in '(1 2 3) until (> x 1) finally (return :fin)))
(print (loop for x in '(1 2 3) thereis (> x 5)))
(print (loop for x in '(1 nil 3) always x))
(print (loop for i from 1 to 3 count t))
(print (loop for x in '("a" "bb" "ccc") sum (length x)))
(print (loop for k in '(:a :b) for v in '(1 2) nconc (list k v)))
(print (loop for i of-type integer from 0 below 3 collect i))
(print (loop for (x . y) of-type (integer . integer) in '((1 . 2)) collect (+ x y)))
(print :done)
