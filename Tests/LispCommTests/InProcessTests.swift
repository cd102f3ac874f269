import Comm
import LispComm
import LispCore
import XCTest

/// The bridge used in-process, as the executable does: install into a runtime, run Lisp that
/// serves and connects within one script, then serve until idle.
final class InProcessTests: XCTestCase {
    func testEchoRoundTripInProcess() {
        var result = ""
        var installedTwiceSame = false
        runOnLispThread {
            let rt = Runtime()
            let d = LispComm.install(rt)
            installedTwiceSame = LispComm.install(rt) === d
            let outcome = rt.runTopLevel { () throws(Unwind) in
                try rt.loadSource("""
                    (defvar *coll* (comm:create-and-run-wait-state-collection "in-process"))
                    (defvar *got* nil)
                    (defvar *acc* (comm:accept-tcp-connections-creating-async-io-states *coll* 0
                      (lambda (h st) (declare (ignore h))
                        (comm:async-io-state-read-buffer st (make-array 3 :element-type '(unsigned-byte 8))
                          (lambda (s buf n) (comm:async-io-state-write-buffer s buf
                            (lambda (s2 b2 n2) (declare (ignore b2 n2)) (comm:close-async-io-state s2)) :end n))))
                      :address "127.0.0.1"))
                    (comm:create-async-io-state-and-connected-tcp-socket *coll* "127.0.0.1" (comm:accepting-handle-local-port *acc*)
                      (lambda (st failure) (declare (ignore failure))
                        (comm:async-io-state-write-buffer st "xyz" nil)
                        (comm:async-io-state-read-buffer st (make-string 3)
                          (lambda (s buf n) (declare (ignore n)) (setf *got* buf) (comm:close-async-io-state s)
                            (comm:close-accepting-handle *acc*)))))
                    """, fileName: "in-process")
                try LispComm.runUntilIdle(rt)
                if case .string(let s)? = World.shared.clUser.find("*GOT*")?.0.value { result = s.string }
            }
            XCTAssertEqual(outcome, .finished)
        }
        XCTAssertTrue(installedTwiceSame)
        XCTAssertEqual(result, "xyz")
    }

    func testByteVectorIsEngineStorage() {
        let bv = ByteVector(count: 4)
        let storage: MutableByteStorage = bv
        storage.withUnsafeMutableBytes { $0[2] = 7 }
        XCTAssertEqual(bv.bytes, [0, 0, 7, 0])
        XCTAssertEqual(storage.count, 4)
    }
}
