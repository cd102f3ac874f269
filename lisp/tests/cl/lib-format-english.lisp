;;;; format: ~r and ~:r English cardinals and ordinals.
(dolist (n '(0 1 12 100 101 112 120 1000 1001 1012 1000000 -3 -112 999999 20 21 100000 110))
  (format t "~r~%~:r~%" n n))
(print :done)
