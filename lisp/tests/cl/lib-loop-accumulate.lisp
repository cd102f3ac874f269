;;;; loop: collect append nconc count sum maximize minimize into, return.
(print (loop for x in '(1 2 3) collect x into r finally (return (reverse r))))
(print (loop for x in '((1) (2 3)) append x))
(print (loop for x in '(1 2) nconc (list x x)))
(print (loop for x in '(1 2 3 4) count (evenp x)))
(print (loop for x in '(1 2 3 4) sum x))
(print (loop for x in '(3 9 2) maximize x))
(print (loop for x in '(3 9 2) minimize x))
(print (loop for x in '(1.5 2) sum x))
(print (loop for x in '() sum x))
(print (loop for x in '(1 2 3)
             collect x into evens
             sum x into total
             finally (return (list evens total))))
(print (loop for x in '(1 2 3 4 5)
             when (evenp x) collect x into e
             else collect x into o
             finally (return (list e o))))
(print (loop for x in '(a b) collecting x))
(print (loop for x in '(1 2) summing x))
(print (loop for x in '(1 2 3) counting (oddp x)))
(print (loop for x in '(1 5 2) maximizing x))
(print (loop for x in '((a) (b)) appending x))
(print (loop for i from 1 to 3 collect i collect (* i 10)))
(print (loop for x in '(1 2 3) sum x into s count t into n
             finally (return (/ s n))))
(print (loop for i from 1 to 10 when (> i 3) return i))
(print (loop for i from 1 to 3 do (print i)))
(print (loop for x in '(1 2 3) thereis (and (> x 1) (* x 100))))
(print (loop for x in '(2 4) always (evenp x)))
(print (loop for x in '(2 3) always (evenp x)))
(print (loop for x in '(1 3) never (evenp x)))
(print (loop for i from 1 to 5 until (> i 3) collect i))
(print (loop for i from 1 to 5 while (< i 3) collect i))
(print (loop named outer for i from 1 to 3
             do (loop for j from 1 to 3
                      when (= (* i j) 4) do (return-from outer (list i j)))))
(print (loop for x in '(1 2 3) collect (* x x) into sq
             finally (return sq)))
(print :done)
