# hash-table.py -- twin of hash-table.lisp: dict inserts and lookups, integer keys
# and string keys.

def int_round(n):
    h = {}
    found = 0
    s = 0
    for i in range(n):
        h[i * 7] = i
    for i in range(n):
        k = i * 3
        if k in h:
            found += 1
            s += h[k]
    return found * 1000003 + s + len(h)

def string_round(n):
    h = {}
    s = 0
    for i in range(n):
        h["k%d" % i] = i
    for i in range(n):
        s += h.get("k%d" % (n - i - 1), 0)
    return s + len(h)

total = 0
for _ in range(3):
    total += int_round(200000)
total += string_round(50000)
print(f"hash-table {total}")
