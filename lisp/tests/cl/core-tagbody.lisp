;;;; tagbody/go in depth: integer tags, go from closures and nested forms.
(print (let ((r nil))
         (tagbody
            (push 1 r)
            (go 10)
            (push 2 r)
          10
            (push 3 r))
         (nreverse r)))
(print (let ((r nil))
         (tagbody
            (funcall (lambda () (go out)))
            (push :skipped r)
          out
            (push :out r))
         r))
(print (let ((r nil) (i 0))
         (tagbody
          start
            (when (>= i 3) (go end))
            (let ((j i)) (push j r))
            (incf i)
            (go start)
          end)
         r))
(print (let ((r nil))
         (tagbody
            (unwind-protect (go exit) (push :cleanup r))
          exit
            (push :exit r))
         r))
(print (let ((r nil))
         (tagbody
            (dolist (x '(1 2 3 4))
              (when (= x 3) (go found))
              (push x r))
          found)
         r))
(print (let ((r nil))
         (tagbody
            (tagbody (go inner-tag) inner-tag (push :inner r) (go outer-tag))
            (push :never r)
          outer-tag
            (push :outer r))
         r))
(print (let ((n 0))
         (tagbody
          a (incf n) (when (< n 3) (go b)) (go c)
          b (incf n 10) (go a)
          c)
         n))
(print (tagbody))
(print (tagbody (print :body)))
(print (let ((x 0)) (tagbody (setq x 1) nil-tag-free) x))
(print (block b (tagbody (return-from b :from-tagbody))))
(print (let ((r nil))
         (tagbody
            (catch 'c (go jump))
            (push :not r)
          jump
            (push :jumped r))
         r))
(print :done)
