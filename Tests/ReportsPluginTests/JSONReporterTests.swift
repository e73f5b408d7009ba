import Foundation
import ReportsPlugin
import TallyEngine
import XCTest

final class JSONReporterTests: XCTestCase {
    func testMemberLevelGolden() throws {
        let files = JSONReporter().render(Fixtures.run(memberLevel: true))
        for name in ["members.json", "gaps.json"] {
            let contents = try XCTUnwrap(files[named: name]?.contents)
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contents.utf8)), name)
            try assertGolden(contents, "json-" + name)
        }
    }

    func testGapsCarryMembersToTarget() throws {
        let contents = try XCTUnwrap(JSONReporter().render(Fixtures.run(memberLevel: true))[named: "gaps.json"]?.contents)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contents.utf8)) as? [String: Any])
        let measures = try XCTUnwrap(json["measures"] as? [[String: Any]])
        XCTAssertEqual(measures.map { $0["measure"] as? String }, ["CMS125", "READMIT_30"])
        // CMS125: 4 eligible, 2 in the numerator, target 80 % → 4 needed, 2 to close.
        XCTAssertEqual(measures[0]["membersToTarget"] as? Int, 2)
        XCTAssertEqual((measures[0]["gaps"] as? [Any])?.count, 2)
    }
}
