# list-ops.py -- twin of list-ops.lisp: build a 100,000-element list, reverse it,
# sum it; repeated.  Python lists are arrays, so "push onto the front" is modelled
# as append-then-reverse, giving the same (n-1 ... 0) order.

def build_list(n):
    l = []
    for i in range(n):
        l.append(i)
    l.reverse()
    return l

def sum_list(l):
    s = 0
    for x in l:
        s += x
    return s

def run(rounds, n):
    total = 0
    firsts = 0
    for _ in range(rounds):
        l = build_list(n)
        rl = l[::-1]
        total += sum_list(rl)
        firsts += rl[0] + l[0] + len(rl)
    return total, firsts

total, firsts = run(60, 100000)
print(f"list-ops {total} {firsts}")
