import Foundation
@testable import ReportsPlugin
@testable import TallyEngine
import XCTest

final class HTMLReporterTests: XCTestCase {
    func testGolden() throws {
        try assertGolden(HTMLReporter().render(Fixtures.run(memberLevel: true))[0].contents, "html-report-member-level.html")
        try assertGolden(HTMLReporter().render(Fixtures.run(memberLevel: false))[0].contents, "html-report.html")
    }

    /// One file that fetches nothing: no scripts, no external styles, fonts or images.
    func testSelfContained() {
        let html = HTMLReporter().render(Fixtures.run(memberLevel: true))[0].contents
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertFalse(html.contains("@import"))
        XCTAssertFalse(html.contains("url("))
        XCTAssertFalse(html.contains("src="))
        // The only URL is the SVG namespace.
        XCTAssertEqual(html.components(separatedBy: "://").count, html.components(separatedBy: "\"http://www.w3.org/2000/svg\"").count)
    }

    func testEscapesText() {
        var r = Fixtures.run(memberLevel: true)
        r.summaries[0].title = "<script>alert('x')</script>"
        r.summaries[0].strata["age_group"]?["<img src=x onerror=alert(1)>"] = ["initial": 1]
        r.gaps?[0].gaps[0].action = "Call & \"book\" <now>"
        r.load.rejections.append(Rejection(file: "x", code: "<b>bad</b>", message: ""))
        let html = HTMLReporter().render(r)[0].contents
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("<b>bad"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("Call &amp; &quot;book&quot; &lt;now&gt;"))
        XCTAssertEqual(escapeHTML("a\u{1}b"), "a\u{FFFD}b")
    }

    func testWorklistsOnlyWithMemberLevelData() {
        let plain = HTMLReporter().render(Fixtures.run(memberLevel: false))[0]
        XCTAssertFalse(plain.contents.contains("class=\"gaps\""))
        XCTAssertFalse(plain.contents.contains("protected health information"))
        XCTAssertFalse(plain.contents.contains("division by zero"), "error samples name members")
        let full = HTMLReporter().render(Fixtures.run(memberLevel: true))[0]
        XCTAssertEqual(full.contents.components(separatedBy: "<table class=\"gaps\">").count - 1, 2)
        XCTAssertTrue(full.contents.contains("protected health information"))
    }

    func testChartScalesAndMarksTargets() {
        let chart = BarChart(title: "t", bars: [BarChart.Bar(label: "a", value: 0.5, target: 0.8),
                                                BarChart.Bar(label: "b", value: 1.3, target: nil),
                                                BarChart.Bar(label: "c", value: 0.1, target: 0.15, inverse: true),
                                                BarChart.Bar(label: "d", value: nil, target: 0.5)])
        XCTAssertEqual(chart.scaleMax, 1.5)
        let svg = chart.svg()
        XCTAssertEqual(svg.components(separatedBy: "class=\"target\"").count - 1, 3)
        XCTAssertTrue(svg.contains("class=\"bar missed\""))
        XCTAssertTrue(svg.contains("class=\"bar met\""))
        XCTAssertTrue(svg.contains("class=\"bar neutral\""))
        XCTAssertTrue(svg.contains("no rate"))
    }
}
