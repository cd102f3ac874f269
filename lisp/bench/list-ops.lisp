;;;; list-ops.lisp -- build a 100,000-element list, reverse it, sum it; repeated.
;;;; Twin: list-ops.py.  Prints one checksum line.

(defun build-list (n)
  ;; cons cells pushed onto the front: (n-1 ... 1 0)
  (let ((l '()))
    (dotimes (i n l)
      (push i l))))

(defun sum-list (l)
  (let ((s 0))
    (dolist (x l s)
      (incf s x))))

(defun run (rounds n)
  (let ((total 0) (firsts 0))
    (dotimes (r rounds)
      (let* ((l (build-list n))
             (rl (reverse l)))
        (incf total (sum-list rl))
        (incf firsts (+ (first rl) (first l) (length rl)))))
    (values total firsts)))

(multiple-value-bind (total firsts) (run 60 100000)
  (format t "list-ops ~d ~d~%" total firsts))
