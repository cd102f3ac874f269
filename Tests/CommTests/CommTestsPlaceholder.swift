import XCTest

final class CommTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
