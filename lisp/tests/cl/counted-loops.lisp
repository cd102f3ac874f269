;;;; dotimes / dolist: the native loops and every path that leaves them.

(defun show (label x) (format t "~a: ~s~%" label x))
(defvar *k* :unbound-before)
(defun read-k () *k*)

;; plain counting, result form sees the final count
(show "dotimes result" (let ((s 0)) (dotimes (i 10 (list i s)) (incf s i))))
(show "zero count" (let ((n 0)) (dotimes (i 0 n) (incf n))))
(show "negative count" (let ((n 0)) (dotimes (i -5 n) (incf n))))
(defvar *float-count* 2.5)
(show "float count" (handler-case (dotimes (i *float-count*) (print i))
                      (type-error (e) (list :type-error (type-error-datum e) (type-error-expected-type e)))))
(show "float count, special var" (handler-case (dotimes (*k* *float-count*) (print *k*))
                                   (type-error (e) (list :type-error (type-error-datum e)))))
(show "bignum count" (dotimes (i (expt 2 70)) (when (> i 3) (return i))))
(show "count evaluated once" (let ((calls 0) (n 0))
                               (dotimes (i (progn (incf calls) 4)) (incf n))
                               (list calls n)))
(show "return value" (dotimes (i 100) (when (= i 7) (return (* i i)))))
(show "return-from outer" (block outer (dotimes (i 5) (dotimes (j 5) (when (= (* i j) 6) (return-from outer (list i j)))))))
(show "nested" (let ((acc '())) (dotimes (i 3) (dotimes (j 2) (push (list i j) acc))) (nreverse acc)))

;; closures capture the (single) binding of the variable
(show "closures over i" (let ((fns '())) (dotimes (i 3) (push (lambda () i) fns)) (mapcar #'funcall fns)))
(show "closure sees steps" (let ((f nil) (seen '()))
                             (dotimes (i 4) (unless f (setq f (lambda () i))) (push (funcall f) seen))
                             (nreverse seen)))

;; tags and go inside the body
(show "tags in body" (let ((acc '()))
                       (dotimes (i 4 (nreverse acc))
                         (when (oddp i) (go skip))
                         (push i acc)
                         skip
                         (push :after acc))))

;; special variable as the loop variable
(show "special var" (let ((acc '())) (dotimes (*k* 3) (push (read-k) acc)) (nreverse acc)))
(show "special restored" *k*)
(show "declared special" (let ((acc '())) (dotimes (j 2) (declare (special j)) (push (symbol-value 'j) acc)) acc))

;; type errors from a bad count
(defvar *string-count* "ten")
(show "bad count" (handler-case (dotimes (i *string-count*) (print i)) (type-error (e) (list :type-error (type-error-datum e)))))

;; dolist
(show "dolist sum" (let ((s 0)) (dolist (x '(1 2 3 4) s) (incf s x))))
(show "dolist result var" (dolist (x '(1 2 3) x)))
(show "dolist empty" (let ((n 0)) (dolist (x '() n) (incf n))))
(show "dolist return" (dolist (x '(a b c d)) (when (eq x 'c) (return (list :found x)))))
;; SBCL (the reference) binds the dolist variable afresh on each iteration, dotimes's once.
(show "dolist closures" (let ((fns '())) (dolist (x '(a b c)) (push (lambda () x) fns)) (mapcar #'funcall fns)))
(show "dolist closure setq" (let ((fns '()))
                              (dolist (x '(1 2 3)) (push (lambda () x) fns) (setq x (* x 10)))
                              (mapcar #'funcall fns)))
(show "dolist tags" (let ((acc '())) (dolist (x '(1 2 3 4) (nreverse acc)) (when (evenp x) (go next)) (push x acc) next)))
(show "dolist dotted" (handler-case (let ((acc '())) (dolist (x '(1 2 . 3) acc) (push x acc)))
                        (type-error (e) (list :type-error (type-error-datum e)))))
(defvar *not-a-list* 5)
(show "dolist non-list" (handler-case (dolist (x *not-a-list*) (print x))
                          (type-error (e) (list :type-error (type-error-datum e)))))
(show "dolist list evaluated once" (let ((calls 0) (acc '()))
                                     (dolist (x (progn (incf calls) (list 1 2 3))) (push x acc))
                                     (list calls acc)))
(show "dolist special var" (let ((acc '())) (dolist (*k* '(p q)) (push (read-k) acc)) (nreverse acc)))
(show "dolist destructive tail" (let ((l (list 1 2 3 4 5)) (acc '()))
                                  (dolist (x l (nreverse acc)) (push x acc) (when (= x 2) (setf (cddr l) nil)))))
(show "dolist long" (let ((l (make-list 100000 :initial-element 1)) (s 0)) (dolist (x l s) (incf s x))))
(show "dotimes long" (let ((s 0)) (dotimes (i 1000000 s) (incf s i))))
