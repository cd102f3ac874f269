print("commlisp-bench: not yet")
