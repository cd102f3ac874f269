;;;; Reader: how a token becomes a number or a symbol, in several radixes and with escapes,
;;;; package markers, dots and potential numbers (the reader's plain-ASCII token path and
;;;; its general path must agree).
(defun kind (x)
  (typecase x
    (integer (list :int x))
    (ratio (list :ratio x))
    (single-float (list :single x))
    (double-float (list :double x))
    (symbol (list :sym (symbol-name x)
                  (let ((p (symbol-package x))) (if p (package-name p) :none))))
    (t (list :other x))))
(defun show (str &optional (base 10))
  (let ((*read-base* base) (*print-pretty* nil))
    (print (list str base
                 (handler-case (multiple-value-bind (x end) (read-from-string str)
                                 (list (kind x) end))
                   (reader-error () :reader-error)
                   (end-of-file () :eof))))))

;; Numbers and the symbols that look almost like them.
(dolist (s '("12" "+12" "-12" "12." "-12." "1.5" "+.5" "-.5" ".5" ".5e3" "1.5e3" "1e2" "1E2"
             "1.5d0" "1.5f0" "1.5s0" "1.5l0" "1/2" "-1/2" "+3/6" "10/4" "1." "+1." "0"
             "1+" "1-" "+" "-" "+." "-." "1e" "1.5e+" "e1" "1/" "/1" "/" "1/2/3" "1..2"
             "1.2.3" "..a" "a.b" "a." ".a" "1a" "a1" "-a" "+a" "*x*" "&rest" "<=" "/="
             "123456789012345678901234567890" "-123456789012345678901234567890"))
  (show s))
;; Radixes: letters are digits below *read-base*; decimal points and exponents stay decimal.
(dolist (s '("ff" "FF" "fF" "-ff" "+ff" "face" "fg" "g" "a/b" "10" "1.5" "10." "1e2"
             "1f" "abc" "z"))
  (show s 16))
(dolist (s '("z" "zz" "-z" "a.b" "10." "1.5"))
  (show s 36))
(dolist (s '("101" "102" "2" "1." "-1" "1/10"))
  (show s 2))
;; Escapes and bars make symbols, keep case and hide package markers.
(dolist (s '("\\1" "1\\2" "12\\." "\\." "|12|" "|1|2" "1|2|" "|.|" "a|.|b" "|a b|"
             "ab|cd|ef" "abc\\def" "|MiXeD|" "\\:a" "a\\:b" "|a:b|" "||" "é" "aé"
             "λx" "1é"))
  (show s))
;; Package markers.
(dolist (s '(":key" ":KEY" "::key" "cl:car" "cl::car" "CL:CAR" "cl-user::x" "keyword:foo"
             "keyword::bar" "cl:nil" ":nil" "|CL|:car" "cl:|CAR|" "cl:nosuch-symbol-xyz"
             "nosuch-package-xyz:x" "nosuch-package-xyz::x" "a:b:c" ":a:b" "a:::b"))
  (show s))
;; Dots.
(dolist (s '("." ".." "..." "(a . b)" "(a .b)" "(a. b)" "(. a)" "(a . b c)" "(a .)"
             "(1 . 2)"))
  (show s))
;; Tokens end at whitespace and terminating macro characters, not at # or at non-terminators.
(dolist (s '("abc def" "abc(def)" "abc'def" "abc\"d\"" "abc;c" "abc`d" "abc,d" "a#b" "a#"
             "12)" "12(" "1.5 x"))
  (show s))
;; *read-suppress* reads any token as NIL.
(let ((*read-suppress* t))
  (print (mapcar #'read-from-string '("12" "abc" "nosuch-package-xyz:x" "a:b:c" ".." "\\x" "|y|"))))
;; The default float format decides what an exponent-free float is.
(let ((*read-default-float-format* 'double-float))
  (print (mapcar (lambda (s) (kind (read-from-string s))) '("1.5" "1.5e0" "1.5f0" ".5"))))
(print :done)

;; Readtable-case :upcase maps each character with char-upcase: no one-character uppercase
;; (German sharp s) leaves it as it is.
(print (list 'straße (symbol-name 'straße) (eq 'straße 'STRAßE) (string-upcase "straße")))
