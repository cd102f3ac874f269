import XCTest

final class LispCoreTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
