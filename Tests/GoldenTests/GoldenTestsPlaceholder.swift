import XCTest

final class GoldenTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
