print("commlisp")
