;;;; *debugger-hook* and invoke-debugger (CLHS 9.2): an unhandled error calls the hook with the
;;;; condition and the hook itself, *debugger-hook* bound to NIL meanwhile; a script can take
;;;; over every unhandled error this way (here: report on stdout and exit with status 3).
;;;; (Not under the SBCL oracle: sbcl --script disables the debugger before the hook runs.)
(print (block nil
         (let ((*debugger-hook* (lambda (c hook)
                                  (return (list 'hooked (princ-to-string c) *debugger-hook*
                                                (functionp hook))))))
           (error "boom ~a" 1))))
(print (block nil
         (let ((*debugger-hook* (lambda (c h) (declare (ignore h)) (return (list 'invoked (type-of c))))))
           (invoke-debugger (make-condition 'simple-error :format-control "x")))))
;; handlers run first; the hook only sees what nobody handled
(print (block nil
         (let ((*debugger-hook* (lambda (c h) (declare (ignore c h)) (return 'hook))))
           (handler-case (error "handled") (error () 'handler)))))
(print (not (null (fboundp 'break))))
;; a hook that is not a function is an ordinary type-error (it used to recurse until a crash)
(print (block nil
         (let ((*debugger-hook* 42))
           (handler-bind ((type-error (lambda (c) (declare (ignore c)) (return 'hook-not-a-function))))
             (error "boom")))))
(setf *debugger-hook* (lambda (c h) (declare (ignore h)) (format t "~&fatal: ~a~%" c) (finish-output) (exit :code 3)))
(error "last error ~a" :here)
(print 'not-reached)
