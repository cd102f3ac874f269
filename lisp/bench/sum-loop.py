# sum-loop.py -- twin of sum-loop.lisp: a counting loop summing 1..10,000,000.

def sum_to(n):
    s = 0
    i = 1
    while i <= n:
        s = s + i
        i += 1
    return s

print(f"sum-loop {sum_to(10000000)}")
