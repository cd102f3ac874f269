# format.py -- twin of format.lisp: %-formatting with strings, integers,
# zero padding, hex and a newline.

def run(n):
    total = 0
    last = ""
    for i in range(n):
        a = "%s-%d" % ("item", i)
        b = "%s=%05d;%X\n" % ("key", i % 100000, i)
        total += len(a) + len(b)
        last = b
    return total, last

total, last = run(200000)
print("format %d %s" % (total, last.rstrip("\n")))
