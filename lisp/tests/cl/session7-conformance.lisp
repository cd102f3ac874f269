;;; Conformance fixes found by differential testing against SBCL (session 7).
(defmacro try (form)
  `(handler-case (prin1 ,form)
     (error (e) (format t "ERR ~a" (cond ((typep e 'reader-error) 'reader-error)
                                         ((typep e 'control-error) 'control-error)
                                         (t (type-of e)))))))

;; RETURN-FROM / GO through a closure after the block or tagbody exited: a catchable
;; CONTROL-ERROR, and the script goes on.
(try (let ((f (block b (lambda () (return-from b 1))))) (funcall f)))
(terpri)
(try (let ((g nil))
       (tagbody (setq g (lambda () (go done))) done)
       (funcall g)))
(terpri)
;; ... while a live block is still reached normally from a closure.
(try (block outer (mapc (lambda (x) (when (> x 2) (return-from outer x))) '(1 2 3 4)) :none))
(terpri)
(try (let ((n 0)) (tagbody again (incf n) (funcall (lambda () (when (< n 3) (go again))))) n))
(terpri)

;; Reader: a zero denominator and an overflowing float are reader errors; #n* pads.
(try (read-from-string "1/0"))
(terpri)
(try (read-from-string "-7/000"))
(terpri)
(try (read-from-string "1e400"))
(terpri)
(try (read-from-string "1d400"))
(terpri)
(try (read-from-string "#3*1"))
(terpri)
(try (read-from-string "#5*10"))
(terpri)
(try (read-from-string "#2*101"))
(terpri)
(try (read-from-string "#*012"))
(terpri)
(try (read-from-string "1/2"))
(terpri)

;; A tilde in a reader error's text is not a FORMAT directive.
(try (handler-case (read-from-string "x~d:b") (error (e) (stringp (princ-to-string e)))))
(terpri)

;; COERCE of a lambda expression.
(try (funcall (coerce '(lambda (x) (* x 3)) 'function) 2))
(terpri)

;; RESTART-CASE :test hides a restart from INVOKE-RESTART by name.
(try (restart-case (invoke-restart 'r) (r () :test (lambda (c) (declare (ignore c)) nil) 'invoked)))
(terpri)
(try (restart-case (invoke-restart 'r) (r () :test (lambda (c) (declare (ignore c)) t) 'invoked)))
(terpri)

;; Float epsilons: the smallest e with (/= 1 (+ 1 e)).
(try (list (= 1d0 (+ 1d0 double-float-epsilon)) (= 1d0 (+ 1d0 (/ double-float-epsilon 2)))
           (= 1f0 (+ 1f0 single-float-epsilon)) (= 1d0 (- 1d0 double-float-negative-epsilon))
           (= 1f0 (- 1f0 single-float-negative-epsilon))))
(terpri)
(try (list double-float-epsilon single-float-epsilon double-float-negative-epsilon))
(terpri)
(try (list (< least-negative-double-float 0) (= least-negative-single-float (- least-positive-single-float))
           (eql long-float-epsilon double-float-epsilon)))
(terpri)

;; APPLY needs at least one argument after the function.
(print (handler-case (apply #'list) (program-error () :program-error)))
(print (apply #'list '(1 2)))
(print (apply #'+ 1 2 '(3)))
