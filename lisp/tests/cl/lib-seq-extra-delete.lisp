;;;; Extra: DELETE and DELETE-DUPLICATES reuse the list's conses like SBCL.
(let ((l (list 1 2 3 2 4))) (print (delete 2 l)) (print l))
(let ((l (list 2 2 3))) (print (delete 2 l)) (print l))
(let ((l (list 1 2 3 2 4))) (print (delete 2 l :count 1 :from-end t)) (print l))
(let ((l (list 1 2 1 3 2))) (print (delete-duplicates l)) (print l))
(let ((l (list 1 2 1 3 2))) (print (delete-duplicates l :from-end t)) (print l))
(let ((l (list 1 2 3))) (print (delete-if (lambda (x) (> x 1)) l)) (print l))
(let ((l (list 1 2 3))) (print (delete 9 l)) (print l))
(print (delete 1 (list 1 1 1)))
