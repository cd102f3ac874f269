import XCTest
@testable import LispCore

/// The cons-cell pool (`ConsPool`, `Cons.make`): the raw field offsets it writes through, and
/// that recycled cells come back clean and unshared.
final class ConsPoolTests: XCTestCase {
    /// `Cons.make` initialises a pooled cell's fields through `carOffset` and `cdrOffset`; they
    /// must be the addresses Swift itself uses for `car` and `cdr`.
    func testFieldOffsetsMatchTheStoredProperties() {
        let cell = Cons(.fixnum(1), .fixnum(2))
        withUnsafeMutablePointer(to: &cell.car) { XCTAssertEqual($0, Cons.field(cell, Cons.carOffset)) }
        withUnsafeMutablePointer(to: &cell.cdr) { XCTAssertEqual($0, Cons.field(cell, Cons.cdrOffset)) }
    }

    /// Freeing a list fills the pool; conses made afterwards come from it and hold exactly what
    /// they were made with.
    func testFreedListCellsAreReusedClean() {
        runOnLispThread {
            var list = Value.null
            for i in 0..<1000 { list = .cons(Cons.make(.fixnum(i), list)) }
            let before = ConsPool.count
            list = .null                                   // frees 1000 cells, 999 of them into the pool
            XCTAssertGreaterThanOrEqual(ConsPool.count, before + 999)
            let pooled = ConsPool.count
            var fresh: [Cons] = []
            for i in 0..<500 { fresh.append(Cons.make(.fixnum(-i), .null)) }
            XCTAssertEqual(ConsPool.count, pooled - 500)
            for (i, c) in fresh.enumerated() {
                guard case .fixnum(let n) = c.car, n == -i, c.cdr.isNil else { return XCTFail("cell \(i) is \(c.car) . \(c.cdr)") }
            }
            XCTAssertEqual(Set(fresh.map { ObjectIdentifier($0) }).count, 500, "a pooled cell was handed out twice")
        }
    }

    /// A freed list whose elements are lists frees (and pools) those too, and the pool never
    /// grows past its capacity.
    func testNestedListsAndCapacity() {
        XCTAssertEqual(TestLisp.eval("""
            (let ((keep nil))
              (dotimes (r 3)
                (let ((l (loop for i below 2000 collect (list i (list i i) "s"))))
                  (setq keep (list (length l) (car (last l))))))
              (let ((a (make-list 5 :initial-element 1)) (b (list 2 2 2)))
                (setf (car a) 9)
                (list keep a b)))
            """), "((2000 (1999 (1999 1999) \"s\")) (9 1 1 1 1) (2 2 2))")
        XCTAssertLessThanOrEqual(ConsPool.count, ConsPool.capacity)
    }
}
