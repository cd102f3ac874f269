// Integer texts FORMAT needs: ~R in English (cardinal, ordinal), Roman numerals (~@R, ~:@R),
// and ~D/~B/~O/~X/~nR field layout with sign, padding and digit grouping, as SBCL prints them.
// (Non-integer arguments to ~D & co. are printed by PRINC with *print-base* set to the radix,
// unpadded, as SBCL 2.2.9 does; that part belongs to the FORMAT implementation.)

extension NumPrint {
    static let ones = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    static let teens = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                        "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    static let ordinalOnes = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                              "eighth", "ninth"]
    static let ordinalTens = ["", "tenth", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth",
                              "seventieth", "eightieth", "ninetieth"]
    static let periods = ["", " thousand", " million", " billion", " trillion", " quadrillion",
                          " quintillion", " sextillion", " septillion", " octillion", " nonillion",
                          " decillion", " undecillion", " duodecillion", " tredecillion",
                          " quattuordecillion", " quindecillion", " sexdecillion", " septendecillion",
                          " octodecillion", " novemdecillion", " vigintillion"]

    static func smallCardinal(_ n: Int) -> String {
        var out = ""
        let hundreds = n / 100, rem = n % 100
        if hundreds > 0 {
            out += ones[hundreds] + " hundred"
            if rem > 0 { out += " " }
        }
        if rem > 0 {
            let t = rem / 10, o = rem % 10
            if t > 1 {
                out += tens[t]
                if o > 0 { out += "-" + ones[o] }
            } else if t == 1 {
                out += teens[o]
            } else {
                out += ones[o]
            }
        }
        return out
    }

    /// ~R: "one thousand two hundred thirty-four", "negative five", "zero". Nil when |n| >= 10^66.
    public static func cardinal(_ n: BigInt) -> String? {
        if n.isZero { return "zero" }
        var groups: [Int] = []
        var m = n.abs()
        let thousand = BigInt(1000)
        while !m.isZero {
            let (q, r) = m.quotientAndRemainder(dividingBy: thousand)
            groups.append(r.asInt!)
            m = q
        }
        if groups.count > periods.count { return nil }
        var parts: [String] = []
        for (period, g) in groups.enumerated().reversed() where g != 0 {
            parts.append(smallCardinal(g) + periods[period])
        }
        return (n.negative ? "negative " : "") + parts.joined(separator: " ")
    }

    /// ~:R: "first", "twenty-second", "one hundred twelfth", "zeroth". Nil when too large.
    public static func ordinal(_ n: BigInt) -> String? {
        var out = n.negative ? "negative " : ""
        let number = n.abs()
        let (topB, botB) = number.quotientAndRemainder(dividingBy: BigInt(100))
        let bot = botB.asInt!
        if !topB.isZero {
            guard let c = cardinal(number - botB) else { return nil }
            out += c
        }
        if !topB.isZero && bot > 0 { out += " " }
        let t = bot / 10, o = bot % 10
        if bot == 12 { out += "twelfth" }
        else if t == 1 { out += teens[o] + "th" }
        else if t == 0 && o > 0 { out += ordinalOnes[o] }
        else if o == 0 && t > 0 { out += ordinalTens[t] }
        else if bot > 0 { out += tens[t] + "-" + ordinalOnes[o] }
        else if !number.isZero { out += "th" }
        else { out += "zeroth" }
        return out
    }

    /// ~@R: subtractive Roman numerals, 1...3999 (nil otherwise).
    public static func roman(_ n: Int) -> String? {
        guard n > 0 && n < 4000 else { return nil }
        let table: [(Int, String)] = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                                      (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
        var m = n, out = ""
        for (v, s) in table { while m >= v { out += s; m -= v } }
        return out
    }

    /// ~:@R: old (additive) Roman numerals, 1...4999 (nil otherwise).
    public static func oldRoman(_ n: Int) -> String? {
        guard n > 0 && n < 5000 else { return nil }
        let table: [(Int, String)] = [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]
        var m = n, out = ""
        for (v, s) in table { while m >= v { out += s; m -= v } }
        return out
    }

    /// ~mincol,padchar,commachar,comma-intervalD (and ~B ~O ~X ~nR) for an integer: digits in
    /// `base` (uppercase), `commas` (the colon) groups digits from the right, `sign` (the at-sign)
    /// prints "+" for non-negative numbers, then the field is padded on the left to `mincol`.
    public static func formatInteger(_ n: BigInt, base: Int = 10, mincol: Int = 0, padchar: Character = " ",
                                     commachar: Character = ",", commaInterval: Int = 3,
                                     commas: Bool = false, sign: Bool = false) -> String {
        var text = n.abs().toString(radix: base)
        if commas && commaInterval > 0 && text.count > commaInterval {
            let chars = Array(text)
            var out = ""
            let extra = (chars.count - 1) % commaInterval
            let first = extra + 1
            out += String(chars[0..<first])
            var i = first
            while i < chars.count {
                out.append(commachar)
                out += String(chars[i..<min(i + commaInterval, chars.count)])
                i += commaInterval
            }
            text = out
        }
        if n.negative { text = "-" + text } else if sign { text = "+" + text }
        if text.count < mincol { text = String(repeating: padchar, count: mincol - text.count) + text }
        return text
    }
}
