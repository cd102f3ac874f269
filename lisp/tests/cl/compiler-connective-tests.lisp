;;;; compiler-connective-tests.lisp -- OR and AND in test position (IF, WHEN, UNLESS, COND, DO
;;;; end tests, NOT) are compiled as short-circuit tests: same order, same short-circuit, same
;;;; truth as the macros, and the value-returning uses are unchanged.

(defun f (a b) (if (or (null a) (< (length a) b)) 'yes 'no))
(print (list (f nil 1) (f '(1 2) 3) (f '(1 2 3) 2)))

(defun g (a b c) (when (and a (or b c) (not (and b c))) (list a b c)))
(print (list (g 1 nil 2) (g 1 2 3) (g nil 1 1) (g 1 nil nil)))

;; Evaluation stops at the first true (OR) / false (AND) operand, in order.
(let ((trace '()))
  (flet ((note (x v) (push x trace) v))
    (print (if (or (note 1 nil) (note 2 t) (note 3 t)) :taken :not-taken))
    (print (if (and (note 4 t) (note 5 nil) (note 6 t)) :taken :not-taken))
    (print (unless (or (note 7 nil) (note 8 nil)) :unless-ran))
    (print (cond ((and (note 9 t) (note 10 nil)) :first)
                 ((or (note 11 nil) (note 12 42)) :second)))
    (print (reverse trace))))

;; Empty and single-operand forms.
(print (list (if (or) 1 2) (if (and) 1 2) (if (or 'x) 1 2) (if (and nil) 1 2)))

;; Only the primary value counts as the truth.
(print (if (or (values nil t) (values nil 1)) 1 2))

;; Value position still returns the operand's value.
(print (list (or nil 3 4) (and 1 2 5) (or nil nil) (and 1 nil 2)))
(print (multiple-value-list (or nil (values 1 2))))

;; In a DO end test and under NOT.
(print (do ((i 0 (1+ i))) ((or (> i 10) (= i 4)) i)))
(print (if (not (or nil nil)) 'negated 'plain))

;; Errors signalled by an operand propagate.
(print (handler-case (if (or nil (car 5)) 1 2) (type-error () :type-error)))

;; Variables as tests: local, captured by a closure, captured and assigned (boxed).
(defun var-tests (seq)
  (let ((prev nil) (seen '()))
    (mapc (lambda (e) (push (if prev (list prev e) e) seen) (setq prev e)) seq)
    (let ((flag nil))
      (push (if (or flag (not prev)) :flag :no-flag) seen))
    (nreverse seen)))
(print (var-tests '(1 2 3)))
