;;;; An unhandled error in a script prints the condition to stderr and exits with status 1.
(print :before)
(car 42)
(print :never)
