# string-stream.py -- twin of string-stream.lisp: 100,000 writes per round to an
# in-memory text stream (io.StringIO).
import io

DIGITS = "0123456789"

def one_round(n):
    s = io.StringIO()
    for i in range(n):
        if i % 2 == 0:
            s.write("item")
        else:
            s.write(DIGITS[i % 10])
    return s.getvalue()

def run(rounds, n):
    total_length = 0
    checksum = 0
    for _ in range(rounds):
        st = one_round(n)
        total_length += len(st)
        checksum += ord(st[-1])
        checksum += st.count("7")
    return total_length, checksum

length, checksum = run(10, 100000)
print(f"string-stream {length} {checksum}")
