import XCTest
@testable import LispCore

/// Evaluator behaviour checked from Swift: special forms, closures, multiple values, non-local
/// exits, errors that must not crash.
final class EvaluatorTests: XCTestCase {
    func check(_ src: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(TestLisp.eval(src), expected, src, file: file, line: line)
    }

    func testArithmeticAndCalls() {
        check("(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2))))) (fib 15)", "610")
        check("(funcall (lambda (&optional (a 1) &key (b 2)) (list a b)) 5 :b 7)", "(5 7)")
        check("(apply #'list 1 2 '(3 4))", "(1 2 3 4)")
    }

    func testClosuresShareBoxes() {
        check("(let ((n 0)) (let ((inc (lambda () (setq n (+ n 1))))) (funcall inc) (funcall inc) n))", "2")
        check("(let ((fs nil)) (dolist (x '(1 2 3)) (let ((y x)) (push (lambda () y) fs))) (mapcar #'funcall fs))",
              "(3 2 1)")
        check("(labels ((ev (n) (if (= n 0) t (od (- n 1)))) (od (n) (if (= n 0) nil (ev (- n 1))))) (ev 10))", "T")
    }

    func testMultipleValues() {
        check("(multiple-value-list (values 1 2 3))", "(1 2 3)")
        check("(defun two () (values 1 2) 3) (multiple-value-list (two))", "(3)")
        check("(multiple-value-list (block b (unwind-protect (return-from b (values 1 2)) (list 9))))", "(1 2)")
        check("(multiple-value-bind (a b) (values 1) (list a b))", "(1 NIL)")
    }

    func testNonLocalExits() {
        check("(catch 'x (unwind-protect (throw 'x 1) (print-nothing)))", "ERROR")
        check("(let ((r nil)) (catch 'x (unwind-protect (throw 'x 1) (setq r :cleaned))) r)", ":CLEANED")
        check("(let ((i 0)) (tagbody top (setq i (+ i 1)) (when (< i 5) (go top))) i)", "5")
        check("(funcall (block b (lambda () (return-from b 1))))", "ERROR")
    }

    func testErrorsAreConditions() {
        check("(handler-case (car 1) (type-error (c) (list (type-error-datum c) (type-error-expected-type c))))", "(1 LIST)")
        check("(handler-case (undefined-fn-xyz) (undefined-function (c) (cell-error-name c)))", "UNDEFINED-FN-XYZ")
        check("(handler-case ((lambda (a) a)) (program-error () :pe))", ":PE")
        check("(handler-case ((lambda (&key a) a) :b 1) (program-error () :pe))", ":PE")
    }

    func testDeepRecursionIsAStorageCondition() {
        check("(defun down (n) (+ 1 (down n))) (handler-case (down 0) (storage-condition () :overflow))", ":OVERFLOW")
        // The interpreter is still usable afterwards.
        check("(+ 1 2)", "3")
    }

    func testRestarts() {
        check("(restart-case (invoke-restart 'my 5) (my (x) (* x 2)))", "10")
        check("(handler-bind ((error (lambda (c) (use-value 7 c)))) (restart-case (error \"x\") (use-value (v) v)))", "7")
    }
}
