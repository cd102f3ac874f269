import XCTest

final class LispCommTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
