/// Members: demographics, payers and product lines, enrollment spans with gaps, and monthly
/// attribution to primary care providers. Every rate here is listed in docs/synth.md.

enum PopulationRates {
    /// Age at 2025-12-31, by band (adult-heavy: 80 % are 18 or older).
    static let ageBands: [(ClosedRange<Int>, Double)] = [
        (0...4, 0.05), (5...17, 0.15), (18...34, 0.20), (35...49, 0.19),
        (50...64, 0.20), (65...74, 0.12), (75...84, 0.065), (85...95, 0.025),
    ]
    static let female = 0.51
    static let unknownSex = 0.002

    /// Enrollment patterns over 2024-2025: continuous, a gap of one month (≤ 45 days), a gap of
    /// two to six months (> 45 days), joined late, left early, joined late and left early.
    static let patterns: [Double] = [0.70, 0.08, 0.06, 0.08, 0.06, 0.02]
    /// Medicaid members churn more: their non-continuous weights are doubled.

    /// Share of members with no attributed provider.
    static let unattributed = 0.05
    /// Share whose attributed provider changes once during the two years.
    static let attributionChange = 0.04
    /// Custom attribution (plurality of visits): same provider, another provider of the same
    /// practice, none.
    static let customSame = 0.90, customOther = 0.07
}

extension MemberGenerator {
    func demographics(_ index: Int, _ rng: inout Xoshiro256) -> Member {
        let band = PopulationRates.ageBands[rng.weighted(PopulationRates.ageBands.map(\.1))].0
        let age = rng.int(band)
        // Born in (2025 - age), so the age at 2025-12-31 is exactly `age`.
        let year = 2025 - age
        let birth = Cal.day(year, 1, 1) + rng.below(Cal.isLeap(year) ? 366 : 365)
        let u = rng.uniform()
        let sex: Sex = u < PopulationRates.unknownSex ? .unknown : u < PopulationRates.female + PopulationRates.unknownSex ? .female : .male
        let race = rng.weighted(Names.races.map(\.weight))
        let ethnicity = rng.weighted(Names.ethnicities.map(\.weight))
        let firstCount = sex == .male ? Names.maleFirst.count : Names.femaleFirst.count
        return Member(
            index: index, birth: birth, sex: sex, race: race, ethnicity: ethnicity,
            first: rng.below(firstCount), middle: rng.below(Names.middleInitials.count + 4),
            last: rng.below(Names.last.count), street: rng.below(Names.streets.count),
            houseNumber: rng.int(100...9899), apartment: rng.chance(0.12) ? rng.int(1...24) : 0,
            city: rng.below(Names.cities.count), phone: rng.int(100...199))
    }

    /// The plan a member has at a given age (commercial turns into Medicare in the month of the
    /// 65th birthday).
    func basePlan(age: Int, medicaidLikely: Bool, disabled: Bool, _ rng: inout Xoshiro256) -> (commercial: Int, medicare: Int, medicaid: Bool, dual: Bool) {
        let commercial = [Directory.commercialPPO, Directory.commercialHMO, Directory.commercialEPO][rng.weighted([0.5, 0.3, 0.2])]
        let dual = rng.chance(0.15)
        let medicare = dual ? Directory.dualSNP : (rng.chance(0.6) ? Directory.medicareHMO : Directory.medicarePPO)
        return (commercial, medicare, medicaidLikely, dual)
    }

    /// Enrollment spans over 2024-2025 (month-aligned), ending at death.
    func enroll(_ m: inout Member, profile p: inout Profile, _ rng: inout Xoshiro256) {
        let first = Cal.monthIndex(Window.start), last = Cal.monthIndex(Window.end)
        var months = Array(repeating: true, count: last - first + 1)
        // Born during the window: enrolled from the birth month.
        let birthMonth = Cal.monthIndex(m.birth)
        for k in months.indices where first + k < birthMonth { months[k] = false }
        let ageNow = m.age(on: Window.mpEnd)
        let medicaid = p.forcePlan == nil && rng.chance(ageNow < 18 ? 0.42 : ageNow < 65 ? 0.22 : 0)
        var weights = PopulationRates.patterns
        if medicaid { for k in 1..<weights.count { weights[k] *= 2 } }
        let pattern = p.continuous ? 0 : rng.weighted(weights)
        let n = months.count
        switch pattern {
        case 1:  // one month off: a gap of 28-31 days
            let g = rng.int(2...(n - 3)); months[g] = false
        case 2:  // two to six months off: more than 45 days
            let len = rng.int(2...6); let g = rng.int(1...(n - len - 1))
            for k in g..<(g + len) { months[k] = false }
        case 3:  // joined late
            let s = rng.int(1...20); for k in 0..<s { months[k] = false }
        case 4:  // left early
            let e = rng.int(3...22); for k in (e + 1)..<n { months[k] = false }
        case 5:  // joined late and left early
            let s = rng.int(1...10); let e = rng.int((s + 3)...(n - 2))
            for k in 0..<s { months[k] = false }
            for k in (e + 1)..<n { months[k] = false }
        default: break
        }
        if m.death >= 0 {
            let dm = Cal.monthIndex(m.death)
            for k in months.indices where first + k > dm { months[k] = false }
        }
        // Disabled or ESRD members under 65 have Medicare (about 3 % of adults under 65).
        let disabled = p.esrd || (ageNow >= 18 && ageNow < 65 && rng.chance(0.03))
        let plans = basePlan(age: ageNow, medicaidLikely: medicaid, disabled: disabled, &rng)
        let turns65 = Cal.monthIndex(Cal.addYears(m.birth, 65))
        var spans: [Span] = []
        var k = 0
        while k < n {
            guard months[k] else { k += 1; continue }
            var e = k
            while e + 1 < n && months[e + 1] { e += 1 }
            // Split at the 65th birthday month when the plan changes there.
            var segments: [(Int, Int, Int)] = []  // first, last, plan
            func planAt(_ month: Int) -> Int {
                if let forced = p.forcePlan { return forced }
                if month >= turns65 || disabled { return plans.medicare }
                return medicaid ? Directory.medicaid : plans.commercial
            }
            var s = k
            for j in k...e where j > s && planAt(first + j) != planAt(first + j - 1) {
                segments.append((s, j - 1, planAt(first + j - 1))); s = j
            }
            segments.append((s, e, planAt(first + e)))
            for (a, b, plan) in segments {
                var span = Span(start: Cal.monthStart(first + a), end: Cal.monthEnd(first + b), plan: plan)
                if plan == Directory.dualSNP { span.dual = true }
                span.disabled = disabled && ageNow < 65
                span.esrd = p.esrd
                span.longTermInstitutional = p.nursingHome
                span.institutionalSNP = p.nursingHome && dir.plans[plan].type == .medicare && rng.chance(0.3)
                spans.append(span)
            }
            k = e + 1
        }
        m.spans = spans
    }

    /// Monthly attribution to a primary care provider (and a custom, visit-based attribution).
    func attribute(_ m: inout Member, _ rng: inout Xoshiro256) {
        guard !m.spans.isEmpty, !rng.chance(PopulationRates.unattributed) else { return }
        let pcp = rng.below(dir.pcps.count)
        let u = rng.uniform()
        let practice = dir.pcps[pcp].practice
        func colleague(_ of: Int) -> Int {
            // Another provider of the same practice (neighbours in the list share practices).
            for d in [1, -1, 2, -2] {
                let c = of + d
                if c >= 0 && c < dir.pcps.count && dir.pcps[c].practice == practice { return c }
            }
            return of
        }
        let custom = u < PopulationRates.customSame ? pcp : u < PopulationRates.customSame + PopulationRates.customOther ? colleague(pcp) : -1
        let first = Cal.monthIndex(m.spans[0].start), last = Cal.monthIndex(m.spans[m.spans.count - 1].end)
        if rng.chance(PopulationRates.attributionChange) && last > first {
            let switchAt = rng.int((first + 1)...last)
            let other = rng.below(dir.pcps.count)
            m.attribution = [AttributionRun(firstMonth: first, lastMonth: switchAt - 1, provider: pcp, custom: custom),
                             AttributionRun(firstMonth: switchAt, lastMonth: last, provider: other, custom: other)]
        } else {
            m.attribution = [AttributionRun(firstMonth: first, lastMonth: last, provider: pcp, custom: custom)]
        }
    }

    /// The attributed (or, when unattributed, a random but stable) primary care provider on a day.
    func pcp(of m: Member, on day: Int, fallback: Int) -> Int {
        let month = Cal.monthIndex(day)
        for run in m.attribution where month >= run.firstMonth && month <= run.lastMonth { return run.provider }
        return m.attribution.last?.provider ?? fallback
    }
}
