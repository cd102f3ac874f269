# loop-heavy.py -- twin of loop-heavy.lisp: nested loops that collect, sum,
# filter and take a maximum.

def triangle(n):
    out = []
    for i in range(1, n + 1):
        row = []
        for j in range(i):
            p = i * j
            if p % 2 == 1:
                row.append(p)
        out.append(row)
    return out

def grid_sum(n, m):
    total = 0
    for i in range(n):
        for j in range(m):
            if (i + j) % 7 == 0:
                total += i * j
    return total

tri = triangle(900)
rows = sum(len(row) for row in tri)
tsum = sum(sum(row) for row in tri)
best = max(len(row) for row in tri)
grid = grid_sum(1500, 1000)
print(f"loop-heavy {rows} {tsum} {best} {grid}")
