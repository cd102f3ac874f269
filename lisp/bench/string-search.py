# string-search.py -- twin of string-search.lisp: str.find over a long string,
# counting overlapping occurrences of substrings and of one character.

def make_text(n, seed):
    x = seed
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        out.append("abcd"[(x // 65536) % 4])
    return "".join(out)

def count_search(pattern, text):
    count = 0
    start = 0
    while True:
        p = text.find(pattern, start)
        if p < 0:
            return count
        count += 1
        start = p + 1

text = make_text(100000, 7)
total = 0
for _ in range(10):
    for pat in ("abc", "dcba", "aaaa", "bad", "cabd"):
        total += count_search(pat, text)
    total += 7 * count_search("d", text)
print(f"string-search {total}")
