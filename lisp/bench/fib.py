# fib.py -- twin of fib.lisp: recursive Fibonacci.

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

print(f"fib {fib(30)}")
