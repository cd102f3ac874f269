import XCTest
@testable import LispCore

/// Sequence library checks that golden files cannot express well: large sorts (correctness,
/// stability) and the char-name / name-char round trip over a wide range of characters.
final class SequenceLibraryTests: XCTestCase {
    /// Evaluate `src` (one form) on a Lisp thread and return its printed (prin1) value.
    func eval(_ src: String) -> String {
        var result = "<error>"
        runOnLispThread {
            let rt = Runtime()
            do throws(Unwind) {
                let v = try rt.evalTopLevel(try rt.readFromString(src))
                result = rt.printString(v)
            } catch {
                result = "<unwind>"
            }
        }
        return result
    }

    func testSortLargeVectorAndList() {
        let src = """
            (let* ((x 12345) (l nil))
              (dotimes (i 20000) (setq x (mod (+ (* x 1103515) 12345) 1000003)) (push x l))
              (let* ((v (sort (coerce l 'vector) (lambda (a b) (< a b))))
                     (s (sort (copy-list l) #'>))
                     (okv t) (oks t))
                (dotimes (i (1- (length v))) (when (> (elt v i) (elt v (1+ i))) (setq okv nil)))
                (do ((p s (cdr p))) ((null (cdr p))) (when (< (car p) (cadr p)) (setq oks nil)))
                (list okv oks (length v) (length s))))
            """
        XCTAssertEqual(eval(src), "(T T 20000 20000)")
    }

    func testStableSortKeepsOrderOfEqualKeys() {
        let src = """
            (let ((l nil))
              (dotimes (i 1000) (push (cons (mod (* i 7) 10) i) l))
              (setq l (stable-sort (nreverse l) #'< :key #'car))
              (let ((ok t))
                (do ((p l (cdr p))) ((null (cdr p)) ok)
                  (when (and (= (car (car p)) (car (cadr p))) (> (cdr (car p)) (cdr (cadr p)))) (setq ok nil)))))
            """
        XCTAssertEqual(eval(src), "T")
    }

    func testCharNameRoundTrip() {
        var v: UInt32 = 0
        while v < 0x3000 {
            if let c = Unicode.Scalar(v), let name = CharactersLibrary.charName(c) {
                XCTAssertEqual(CharactersLibrary.nameChar(name), c, "round trip of \(name)")
            }
            v += v < 0x300 ? 1 : 37
        }
        XCTAssertEqual(CharactersLibrary.charName(" "), "Space")
        XCTAssertEqual(CharactersLibrary.charName("\u{3BB}"), "GREEK_SMALL_LETTER_LAMDA")
        XCTAssertEqual(CharactersLibrary.charName("\u{4E00}"), "U4E00")
    }
}
