import XCTest
@testable import LispCore

/// The hash table's storage checked from Swift: growth, deletion and reuse, and the switch from
/// tagged 24-bit index slots to wide slots (forced early by lowering the limit).
final class HashTableTests: XCTestCase {
    func fill(_ h: HashTable, _ n: Int, key: (Int) -> Value) {
        for i in 0..<n { h.put(key(i), .fixnum(i)) }
    }

    func checkAll(_ h: HashTable, _ n: Int, removed: (Int) -> Bool, key: (Int) -> Value,
                  file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<n {
            let v = h.get(key(i))
            if removed(i) {
                XCTAssertNil(v, "key \(i) should be absent", file: file, line: line)
            } else if case .fixnum(let x)? = v {
                XCTAssertEqual(x, i, file: file, line: line)
            } else {
                XCTFail("key \(i) missing", file: file, line: line)
            }
        }
    }

    func testGrowDeleteReinsert() {
        let h = HashTable(test: .eql, size: 0)
        let key: (Int) -> Value = { .fixnum($0 &* 7919) }
        fill(h, 5000, key: key)
        for i in stride(from: 0, to: 5000, by: 3) { XCTAssertTrue(h.remove(key(i))) }
        checkAll(h, 5000, removed: { $0 % 3 == 0 }, key: key)
        for i in stride(from: 0, to: 5000, by: 3) { h.put(key(i), .fixnum(i)) }
        checkAll(h, 5000, removed: { _ in false }, key: key)
        XCTAssertEqual(h.count, 5000)
        XCTAssertTrue(h.tagged)
    }

    func testSwitchToWideSlots() {
        let saved = HashTable.narrowLimit
        HashTable.narrowLimit = 100
        defer { HashTable.narrowLimit = saved }

        let h = HashTable(test: .eql, size: 0)
        let key: (Int) -> Value = { .fixnum($0 - 500) }
        fill(h, 90, key: key)
        XCTAssertTrue(h.tagged)
        fill(h, 1000, key: key)
        XCTAssertFalse(h.tagged, "past the limit the index uses wide slots")
        checkAll(h, 1000, removed: { _ in false }, key: key)
        for i in stride(from: 1, to: 1000, by: 2) { XCTAssertTrue(h.remove(key(i))) }
        checkAll(h, 1000, removed: { $0 % 2 == 1 }, key: key)
        XCTAssertEqual(h.count, 500)

        let s = HashTable(test: .equal, size: 0)
        let skey: (Int) -> Value = { .string(LispString("key\($0)")) }
        fill(s, 300, key: skey)
        XCTAssertFalse(s.tagged)
        checkAll(s, 300, removed: { _ in false }, key: skey)
        XCTAssertNil(s.get(.string(LispString("key300"))))
    }

    func testClear() {
        let h = HashTable(test: .eq, size: 0)
        fill(h, 100) { .fixnum($0) }
        h.clear()
        XCTAssertEqual(h.count, 0)
        XCTAssertNil(h.get(.fixnum(5)))
        fill(h, 10) { .fixnum($0) }
        checkAll(h, 10, removed: { _ in false }) { .fixnum($0) }
    }
}
