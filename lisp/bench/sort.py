# sort.py -- twin of sort.lisp: sort 200,000 pseudo-random integers from an LCG,
# ascending and descending.

MODULUS = 2147483648

def lcg_list(n, seed):
    x = seed
    l = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % MODULUS
        l.append(x // 16)
    l.reverse()  # the Lisp version pushes onto the front
    return l

def checksum(seq):
    s = 0
    for i, x in enumerate(seq):
        s = (s + x * (1 + i % 1000)) % 1000000007
    return s

l = sorted(lcg_list(200000, 42))
v = sorted(lcg_list(200000, 4242), reverse=True)
print(f"sort {checksum(l)} {checksum(v)} {l[0]} {v[0]}")
