import TallyEngine
import TallyLanguage

/// One self-contained `report.html` (`--format html`): inline CSS and SVG, no scripts, no
/// external fonts or images (a Content-Security-Policy forbids fetching anything). Per measure:
/// the rate against the target as a bar chart, populations, strata (with a chart of their rates),
/// observation aggregates and members to target; then the input counts and rejections by reason.
/// Only with member-level data (the file then holds PHI and is written with mode 0600): the
/// care-gap worklist of each proportion measure, and the sample evaluation errors.
public struct HTMLReporter: Reporter {
    public init() {}
    public var format: String { "html" }

    public func render(_ r: RunResult) -> [ReportFile] {
        [ReportFile(name: "report.html", contents: page(r), containsPHI: r.isMemberLevel)]
    }

    func page(_ r: RunResult) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>Tally measure report</title>
            <style>
            \(HTMLReporter.css)</style>
            </head>
            <body>
            <header>
            <h1>Measure report</h1>

            """
        if let p = r.period { h += "<p>Measurement period: <strong>\(escapeHTML(p))</strong></p>\n" }
        h += "<p>\(r.summaries.count) measure\(r.summaries.count == 1 ? "" : "s"), "
        h += "\(r.load.records["Member"] ?? 0) members loaded, \(r.load.rejections.count) input rows or resources rejected."
        if !r.load.notRead.isEmpty { h += " Not read (no measure reads their records): \(escapeHTML(r.load.notRead.joined(separator: ", ")))." }
        if let left = leftOutText(r.load) { h += " Left out (no query of the run can count them): \(escapeHTML(left))." }
        h += "</p>\n"
        if r.isMemberLevel {
            h += "<p class=\"phi\">This report lists members by id: it contains protected health information. Share it only as your organisation's rules for PHI allow.</p>\n"
        }
        h += "</header>\n<main>\n"

        let rated = r.summaries.enumerated().filter { $0.element.hasRate }
        if !rated.isEmpty {
            h += "<section id=\"overview\">\n<h2>Rates against targets</h2>\n"
            let chart = BarChart(title: "Performance rate of each measure against its target", bars: rated.map { i, s in
                BarChart.Bar(label: s.measure, value: s.rate, target: s.target, inverse: s.isInverse, link: anchor(i))
            })
            h += chart.svg()
            h += legend
            h += "</section>\n"
        }
        for (i, s) in r.summaries.enumerated() { h += measure(s, index: i, r) }
        h += input(r)
        h += "</main>\n<footer>Written by Tally. Rates are computed as in the Quality Measure IG; members to target is the number of open gaps that must close for the rate to reach the target.</footer>\n"
        h += "</body>\n</html>\n"
        return h
    }

    func anchor(_ i: Int) -> String { "measure-\(i + 1)" }

    var legend: String {
        "<p class=\"legend\"><span class=\"key met\"></span>meets target <span class=\"key missed\"></span>misses target "
            + "<span class=\"key neutral\"></span>no target <span class=\"key target\"></span>target</p>\n"
    }

    func measure(_ s: MeasureSummary, index: Int, _ r: RunResult) -> String {
        var h = "<section class=\"measure\" id=\"\(anchor(index))\">\n"
        h += "<h2>\(escapeHTML(s.measure))\(s.title.map { " <span class=\"title\">\(escapeHTML($0))</span>" } ?? "")</h2>\n"
        var facts = [s.scoring, s.episodeBasis ? "episode basis" : "member basis"]
        if let i = s.improvement { facts.append(i == "decrease" ? "lower is better" : "higher is better") }
        facts.append("\(s.members) members")
        if s.episodeBasis { facts.append("\(s.subjects) episodes") }
        h += "<p class=\"facts\">\(escapeHTML(facts.joined(separator: " · ")))</p>\n"

        if s.hasRate {
            let rate = s.rate
            h += "<dl class=\"kpi\">"
            h += "<div><dt>Rate</dt><dd>\(rate.map(percent) ?? "–")</dd></div>"
            if let t = s.target {
                h += "<div><dt>Target</dt><dd>\(percent(t))\(s.isInverse ? " or lower" : "")</dd></div>"
                if let g = s.gapToTarget(rate) { h += "<div><dt>Gap to target</dt><dd>\(g > 0 ? percent(g) : "met")</dd></div>" }
            }
            if let n = r.membersToTarget[s.measure] {
                h += "<div><dt>Members to target</dt><dd>\(n)</dd></div>"
            }
            h += "</dl>\n"
            h += BarChart(title: "\(s.measure): rate against target", bars: [
                BarChart.Bar(label: s.measure, value: rate, target: s.target, inverse: s.isInverse),
            ]).svg()
        }

        // Populations.
        h += "<h3>Populations</h3>\n<table class=\"populations\">\n<thead><tr><th>Population</th><th>Count</th></tr></thead>\n<tbody>\n"
        for k in s.populationKinds {
            h += "<tr><td>\(FHIRMeasureReportReporter.display(k))</td><td class=\"n\">\(s.count(k))</td></tr>\n"
        }
        h += "</tbody>\n</table>\n"

        // Strata.
        let kinds = s.populationKinds
        for (name, values) in s.sortedStrata {
            h += "<h3>Stratified by \(escapeHTML(name))</h3>\n"
            if s.hasRate {
                h += BarChart(title: "\(s.measure) by \(name): rate of each stratum against the measure's target", bars: values.map { v, c in
                    BarChart.Bar(label: v, value: s.rate(c), target: s.target, inverse: s.isInverse)
                }).svg()
            }
            h += "<table class=\"strata\">\n<thead><tr><th>\(escapeHTML(name))</th>"
            for k in kinds { h += "<th>\(FHIRMeasureReportReporter.display(k))</th>" }
            if s.hasRate { h += "<th>Rate</th>" }
            h += "</tr></thead>\n<tbody>\n"
            for (v, c) in values {
                h += "<tr><td>\(escapeHTML(v))</td>"
                for k in kinds { h += "<td class=\"n\">\(c[k.rawValue] ?? 0)</td>" }
                if s.hasRate { h += "<td class=\"n\">\(s.rate(c).map(percent) ?? "–")</td>" }
                h += "</tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }

        // Observations.
        if !s.aggregates.isEmpty {
            h += "<h3>Observations</h3>\n<table class=\"observations\">\n"
            h += "<thead><tr><th>Observation</th><th>Aggregate</th><th>Value</th><th>Observed</th></tr></thead>\n<tbody>\n"
            for name in s.aggregates.keys.sorted() {
                h += "<tr><td>\(escapeHTML(name))</td><td>\(escapeHTML(s.aggregates[name]!))</td>"
                h += "<td class=\"n\">\(s.aggregate(name).map(formatNumber) ?? "–")</td><td class=\"n\">\(s.observations[name]?.count ?? 0)</td></tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }

        if s.membersWithErrors > 0 {
            h += "<p class=\"errors\">\(s.membersWithErrors) member\(s.membersWithErrors == 1 ? "" : "s") with evaluation errors.</p>\n"
            if r.isMemberLevel {
                h += "<ul class=\"errors\">\n" + s.errorSamples.map { "<li>\(escapeHTML($0))</li>\n" }.joined() + "</ul>\n"
            }
        }

        // Care gaps: member-level runs only.
        if let list = r.gapList(s.measure) {
            h += "<h3>Care gaps</h3>\n"
            if list.gaps.isEmpty {
                h += "<p>No open gaps.</p>\n"
            } else {
                let episodes = list.gaps.contains { $0.episode != nil }
                h += "<p>\(list.gaps.count) open gap\(list.gaps.count == 1 ? "" : "s")"
                if let n = list.membersToTarget { h += n == 0 ? "; the target is met" : "; \(n) must close to reach the target" }
                h += ".</p>\n<table class=\"gaps\">\n<thead><tr><th>Member</th>\(episodes ? "<th>Episode</th>" : "")"
                h += "<th>Provider</th><th>Practice</th><th>Action</th><th>Due</th></tr></thead>\n<tbody>\n"
                for g in list.gaps {
                    h += "<tr><td>\(escapeHTML(g.member))</td>"
                    if episodes { h += "<td>\(escapeHTML(g.episode ?? ""))</td>" }
                    h += "<td>\(escapeHTML(g.provider ?? "–"))</td><td>\(escapeHTML(g.practice ?? "–"))</td>"
                    h += "<td>\(escapeHTML(g.action ?? ""))</td><td>\(escapeHTML(g.due ?? ""))</td></tr>\n"
                }
                h += "</tbody>\n</table>\n"
            }
        }
        return h + "</section>\n"
    }

    func input(_ r: RunResult) -> String {
        var h = "<section id=\"input\">\n<h2>Input</h2>\n"
        h += "<table class=\"records\">\n<thead><tr><th>Records kept</th><th>Count</th></tr></thead>\n<tbody>\n"
        for (kind, n) in r.load.records.sorted(by: { $0.key < $1.key }) {
            h += "<tr><td>\(escapeHTML(kind))</td><td class=\"n\">\(n)</td></tr>\n"
        }
        h += "</tbody>\n</table>\n"
        let rejected = r.load.rejectedByReason
        if rejected.isEmpty {
            h += "<p>No input was rejected.</p>\n"
        } else {
            h += "<table class=\"rejections\">\n<thead><tr><th>Rejected: reason</th><th>Count</th></tr></thead>\n<tbody>\n"
            for (reason, n) in rejected { h += "<tr><td>\(escapeHTML(reason))</td><td class=\"n\">\(n)</td></tr>\n" }
            h += "<tr class=\"total\"><td>Total</td><td class=\"n\">\(r.load.rejections.count)</td></tr>\n"
            h += "</tbody>\n</table>\n"
        }
        return h + "</section>\n"
    }

    static let css = """
        :root { color-scheme: light; --met: #2e7d32; --missed: #d97706; --neutral: #5b7a99; --ink: #1f2933; --muted: #616e7c; --rule: #d9dee3; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 64rem; padding: 1.5rem; line-height: 1.4; }
        h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
        h2 { font-size: 1.3rem; margin: 2rem 0 .25rem; border-bottom: 2px solid var(--rule); padding-bottom: .25rem; }
        h2 .title { font-weight: normal; color: var(--muted); }
        h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
        .facts, footer, .legend { color: var(--muted); font-size: .9rem; }
        .phi { border-left: 4px solid #b91c1c; background: #fef2f2; padding: .5rem .75rem; }
        table { border-collapse: collapse; margin: .25rem 0 1rem; font-size: .9rem; }
        th, td { border-bottom: 1px solid var(--rule); padding: .25rem .75rem; text-align: left; vertical-align: top; }
        th { background: #f5f7fa; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        tr.total td { font-weight: 600; }
        dl.kpi { display: flex; flex-wrap: wrap; gap: 1.5rem; margin: .75rem 0; }
        dl.kpi dt { font-size: .8rem; color: var(--muted); }
        dl.kpi dd { margin: 0; font-size: 1.3rem; font-weight: 600; }
        svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; font-family: inherit; }
        svg .grid { stroke: var(--rule); stroke-width: 1; }
        svg .axis { fill: var(--muted); font-size: 10px; }
        svg .label, svg .value { fill: var(--ink); }
        svg .none { fill: var(--muted); font-style: italic; }
        svg .bar.met { fill: var(--met); }
        svg .bar.missed { fill: var(--missed); }
        svg .bar.neutral { fill: var(--neutral); }
        svg .target { stroke: var(--ink); stroke-width: 3; }
        .key { display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 .8rem; vertical-align: middle; }
        .key.met { background: var(--met); } .key.missed { background: var(--missed); } .key.neutral { background: var(--neutral); }
        .key.target { width: 3px; background: var(--ink); }
        .errors { color: #b91c1c; }
        footer { margin-top: 2rem; border-top: 1px solid var(--rule); padding-top: .5rem; }
        @media print { body { max-width: none; } section.measure { break-inside: avoid-page; } }

        """
}
