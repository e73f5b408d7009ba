import ClaimsCSVPlugin
import Foundation
import TallyTestSupport
import XCTest
@testable import PanelCachePlugin
import TallyEngine

/// A cache of a folder goes stale when a file is added to the folder: a table the import did not
/// find could be there now.
final class SourceFolderTests: TemporaryFolderTestCase {
    func testAFileAddedToTheSourceFolderMakesTheCacheStale() throws {
        let source = try write("panel/patient.csv", "person_id,sex,birth_date\np1,female,1960-01-01\n")
        let folder = (source as NSString).deletingLastPathComponent
        let cache = (dir as NSString).appendingPathComponent("panel.tpc")
        _ = try PanelCacheLoader().write(source: folder, loader: ClaimsCSVLoader(), options: LoadOptions(), jobs: 1, to: cache)
        XCTAssertEqual(try PanelCacheLoader().load(path: cache, options: LoadOptions()).members.count, 1)
        // Adding a file sets the folder's modification time; the file system's clock is coarse
        // (milliseconds), so the time is moved on explicitly to keep the test independent of it.
        _ = try write("panel/pharmacy_claim.csv", "claim_id,claim_line_number,person_id,dispensing_date,ndc_code\nrx1,1,p1,2024-02-01,00093721401\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)], ofItemAtPath: folder)
        do {
            _ = try PanelCacheLoader().load(path: cache, options: LoadOptions())
            XCTFail("a stale cache was loaded")
        } catch let r as Rejection {
            XCTAssertEqual(r.code, "stale-panel-cache")
            XCTAssertTrue(r.message.contains("\(SourceFile.absolute(folder)) has changed (modified "), r.message)
        }
    }
}
