import TallyEngine

/// A horizontal bar chart as inline SVG: one bar per row (a measure's or a stratum's rate), with
/// the target as a dark marker across the row. Bars that meet their target are green, bars that
/// miss it amber, bars without a target blue-grey. Fixed geometry and rounded coordinates, so the
/// same rates always give the same bytes.
struct BarChart {
    struct Bar {
        var label: String
        /// The rate (0–1 for proportions; a ratio may exceed 1); nil draws no bar ("no rate").
        var value: Double?
        var target: Double?
        /// Lower is better (`improvement decrease`).
        var inverse = false
        /// Where the bar links to (an anchor in the page), if anywhere.
        var link: String?
    }

    var title: String
    var bars: [Bar]

    static let width = 720.0
    static let labelWidth = 200.0
    static let plotLeft = 210.0
    static let plotWidth = 400.0
    static let rowHeight = 26.0
    static let barHeight = 16.0
    static let top = 8.0
    static let axisHeight = 26.0

    /// The scale's maximum: 100 %, or more for a ratio or target above 1 (in steps of 25 %).
    var scaleMax: Double {
        let m = bars.flatMap { [$0.value ?? 0, $0.target ?? 0] }.max() ?? 1
        return max(1, (m * 4).rounded(.up) / 4)
    }

    func x(_ v: Double) -> Double { BarChart.plotLeft + BarChart.plotWidth * min(max(v, 0), scaleMax) / scaleMax }

    func svg() -> String {
        let height = BarChart.top + BarChart.rowHeight * Double(bars.count) + BarChart.axisHeight
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(n(BarChart.width)) \(n(height))\""
        out += " width=\"\(n(BarChart.width))\" height=\"\(n(height))\" role=\"img\" aria-label=\"\(escapeHTML(title))\">\n"
        out += "<title>\(escapeHTML(title))</title>\n"
        // Grid lines and axis labels every 25 %.
        let bottom = BarChart.top + BarChart.rowHeight * Double(bars.count)
        var tick = 0.0
        while tick <= scaleMax + 1e-9 {
            let tx = n(x(tick))
            out += "<line class=\"grid\" x1=\"\(tx)\" y1=\"\(n(BarChart.top))\" x2=\"\(tx)\" y2=\"\(n(bottom))\"/>"
            out += "<text class=\"axis\" x=\"\(tx)\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(percent(tick))</text>\n"
            tick += 0.25
        }
        for (i, bar) in bars.enumerated() {
            let y = BarChart.top + BarChart.rowHeight * Double(i)
            let barY = y + (BarChart.rowHeight - BarChart.barHeight) / 2
            let textY = n(y + BarChart.rowHeight / 2 + 4)
            var row = "<g>"
            row += "<title>\(escapeHTML(tooltip(bar)))</title>"
            row += "<text class=\"label\" x=\"\(n(BarChart.labelWidth))\" y=\"\(textY)\" text-anchor=\"end\">\(escapeHTML(BarChart.truncated(bar.label)))</text>"
            if let v = bar.value {
                let w = max(0, x(v) - BarChart.plotLeft)
                row += "<rect class=\"bar \(status(bar))\" x=\"\(n(BarChart.plotLeft))\" y=\"\(n(barY))\" width=\"\(n(w))\" height=\"\(n(BarChart.barHeight))\"/>"
                row += "<text class=\"value\" x=\"\(n(x(v) + 6))\" y=\"\(textY)\">\(percent(v))</text>"
            } else {
                row += "<text class=\"value none\" x=\"\(n(BarChart.plotLeft + 6))\" y=\"\(textY)\">no rate</text>"
            }
            if let t = bar.target {
                let tx = n(x(t))
                row += "<line class=\"target\" x1=\"\(tx)\" y1=\"\(n(y + 2))\" x2=\"\(tx)\" y2=\"\(n(y + BarChart.rowHeight - 2))\"/>"
            }
            row += "</g>"
            if let link = bar.link { row = "<a href=\"#\(escapeHTML(link))\">" + row + "</a>" }
            out += row + "\n"
        }
        return out + "</svg>\n"
    }

    func status(_ bar: Bar) -> String {
        guard let t = bar.target, let v = bar.value else { return "neutral" }
        return (bar.inverse ? v <= t : v >= t) ? "met" : "missed"
    }

    func tooltip(_ bar: Bar) -> String {
        var s = bar.label + ": " + (bar.value.map(percent) ?? "no rate")
        if let t = bar.target {
            s += ", target " + percent(t) + (bar.inverse ? " or lower" : "")
            if bar.value != nil { s += status(bar) == "met" ? " (met)" : " (not met)" }
        }
        return s
    }

    static func truncated(_ s: String) -> String {
        s.count <= 30 ? s : String(s.prefix(29)) + "…"
    }

    /// A coordinate rounded to a tenth.
    func n(_ v: Double) -> String { JSON.number((v * 10).rounded() / 10) }
}
