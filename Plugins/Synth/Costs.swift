/// Member cost sharing (deductibles, copays, coinsurance, out-of-pocket maximum), charges and
/// paid dates, applied to a member's claims in date order. Paid = allowed - member share.

/// A plan's benefit design, in cents and percent.
struct Benefit {
    var deductible: Int
    var coinsurance: Int
    var outOfNetworkCoinsurance: Int
    var outOfPocketMax: Int
    var pcpCopay: Int
    var specialistCopay: Int
    var edCopay: Int
    var inpatientPerDay: Int
    var inpatientDays: Int
    var snfPerDayAfter20: Int
    var genericCopay: Int
    var brandCopay: Int
    var specialtyCoinsurance: Int
    var specialtyMax: Int

    /// A row of `byPlan`, in its column order.
    init(_ deductible: Int, _ coinsurance: Int, _ outOfNetworkCoinsurance: Int, _ outOfPocketMax: Int,
         _ pcpCopay: Int, _ specialistCopay: Int, _ edCopay: Int,
         _ inpatientPerDay: Int, _ inpatientDays: Int, _ snfPerDayAfter20: Int,
         _ genericCopay: Int, _ brandCopay: Int, _ specialtyCoinsurance: Int, _ specialtyMax: Int) {
        self.deductible = deductible; self.coinsurance = coinsurance
        self.outOfNetworkCoinsurance = outOfNetworkCoinsurance; self.outOfPocketMax = outOfPocketMax
        self.pcpCopay = pcpCopay; self.specialistCopay = specialistCopay; self.edCopay = edCopay
        self.inpatientPerDay = inpatientPerDay; self.inpatientDays = inpatientDays; self.snfPerDayAfter20 = snfPerDayAfter20
        self.genericCopay = genericCopay; self.brandCopay = brandCopay
        self.specialtyCoinsurance = specialtyCoinsurance; self.specialtyMax = specialtyMax
    }

    /// The benefit designs, one row per plan in plan-index order (`Directory.commercialPPO` ...
    /// `Directory.dualSNP`), so that plans read against each other column by column. Amounts in
    /// cents; coinsurance (in network, out of network, specialty drugs) in percent. An inpatient
    /// stay costs `stay/day` for at most `days` days; a SNF stay `SNF/day` for each day after the 20th.
    static let byPlan: [Benefit] = [
        //      deduct   coins  OON  OOP max  PCP    spec   ED      stay/day  days  SNF/day  generic  brand  spec%  spec max
        Benefit(100_000, 20,    40,  450_000, 2_500, 5_000, 25_000, 0,        0,    0,       1_000,   4_500, 20,    25_000),    // commercial PPO
        Benefit(50_000,  20,    50,  400_000, 2_000, 4_000, 20_000, 0,        0,    0,       1_000,   4_000, 20,    25_000),    // commercial HMO
        Benefit(75_000,  20,    50,  450_000, 2_500, 5_000, 25_000, 0,        0,    0,       1_000,   4_500, 20,    25_000),    // commercial EPO
        Benefit(0,       20,    40,  500_000, 0,     3_500, 9_500,  30_000,   5,    20_000,  0,       4_700, 25,    20_000),    // Medicare HMO
        Benefit(0,       20,    30,  550_000, 1_000, 4_500, 11_000, 32_500,   5,    20_000,  500,     4_700, 25,    20_000),    // Medicare PPO
        Benefit(0,       0,     0,   0,       0,     0,     0,      0,        0,    0,       100,     300,   0,     0),         // Medicaid
        Benefit(0,       0,     0,   0,       0,     0,     0,      0,        0,    0,       0,       450,   0,     0),         // D-SNP: drug copays only
    ]

    static func of(_ planIndex: Int) -> Benefit { byPlan[planIndex] }
}

extension EventBuilder {
    mutating func finish() {
        // Chronological order, ties broken by creation order; references follow.
        let order = m.encounters.indices.sorted { a, b in
            let x = m.encounters[a], y = m.encounters[b]
            return (x.start, x.startMinute, x.seq) < (y.start, y.startMinute, y.seq)
        }
        var position = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { position[o] = i }
        m.encounters = order.map { m.encounters[$0] }
        for i in m.observations.indices where m.observations[i].encounter >= 0 {
            m.observations[i].encounter = position[m.observations[i].encounter]
        }
        for i in m.procedures.indices where m.procedures[i].encounter >= 0 {
            m.procedures[i].encounter = position[m.procedures[i].encounter]
        }
        m.observations.sort { ($0.day, $0.minute, $0.seq) < ($1.day, $1.minute, $1.seq) }
        m.procedures.sort { ($0.day, $0.seq) < ($1.day, $1.seq) }
        m.problems.sort { ($0.onset, $0.dx.rawValue) < ($1.onset, $1.dx.rawValue) }
        m.fills.sort { ($0.day, $0.drug.rawValue, $0.daysSupply) < ($1.day, $1.drug.rawValue, $1.daysSupply) }
        shareCosts()
    }

    /// What the member pays, line by line, in date order within each plan year.
    mutating func shareCosts() {
        var deductibleLeft: [Int: Int] = [:]   // keyed by year * 10 + plan (no iteration over it)
        var oopLeft: [Int: Int] = [:]
        func key(_ year: Int, _ plan: Int) -> Int { year * 10 + plan }

        for i in m.encounters.indices {
            let e = m.encounters[i]
            guard !e.claims.isEmpty, let s = span(e.start) else { continue }
            let benefit = Benefit.of(s.plan)
            let k = key(Cal.year(e.start), s.plan)
            if deductibleLeft[k] == nil { deductibleLeft[k] = benefit.deductible; oopLeft[k] = benefit.outOfPocketMax }
            let screening = e.kind == .preventive || e.kind == .wellness || e.dx.first == .screeningColon || e.dx.first == .screeningMammogram
            for c in e.claims.indices {
                var claim = m.encounters[i].claims[c]
                let coins = claim.inNetwork ? benefit.coinsurance : benefit.outOfNetworkCoinsurance
                for l in claim.lines.indices {
                    var line = claim.lines[l]
                    if !claim.inNetwork { line.allowed = line.allowed * 125 / 100 }
                    var share = (copay: 0, coins: 0, deductible: 0)
                    func deductibleAndCoinsurance(_ amount: Int) -> (Int, Int) {
                        let d = min(deductibleLeft[k] ?? 0, amount)
                        deductibleLeft[k] = (deductibleLeft[k] ?? 0) - d
                        return (d, (amount - d) * coins / 100)
                    }
                    if !screening {
                        switch e.kind {
                        case .office, .telehealth, .home:
                            if l == 0 && !claim.billingIsFacility { share.copay = benefit.pcpCopay }
                        case .specialist, .behavioral, .palliative:
                            if l == 0 { share.copay = benefit.specialistCopay }
                        case .emergency:
                            if claim.institutional && l == 0 { share.copay = benefit.edCopay }
                        case .inpatient:
                            if claim.institutional {
                                if benefit.inpatientPerDay > 0 {
                                    if l == 0 { share.copay = benefit.inpatientPerDay * min(max(1, e.end - e.start), benefit.inpatientDays) }
                                } else {
                                    (share.deductible, share.coins) = deductibleAndCoinsurance(line.allowed)
                                }
                            }
                        case .snf:
                            if benefit.snfPerDayAfter20 > 0 { share.copay = benefit.snfPerDayAfter20 * max(0, line.units - 20) }
                            else { (share.deductible, share.coins) = deductibleAndCoinsurance(line.allowed) }
                        case .imaging, .ambulatorySurgery, .dme, .therapy, .infusion, .dialysis:
                            (share.deductible, share.coins) = deductibleAndCoinsurance(line.allowed)
                        case .lab, .hospice, .homeHealth, .preventive, .wellness:
                            break
                        }
                    }
                    // The out-of-pocket maximum caps the member's share.
                    var total = share.copay + share.coins + share.deductible
                    total = min(total, line.allowed)
                    if benefit.outOfPocketMax > 0 {
                        let left = oopLeft[k] ?? 0
                        if total > left {
                            // Trim coinsurance first, then copay, then deductible.
                            var over = total - left
                            let c1 = min(over, share.coins); share.coins -= c1; over -= c1
                            let c2 = min(over, share.copay); share.copay -= c2; over -= c2
                            share.deductible -= min(over, share.deductible)
                            total = left
                        }
                        oopLeft[k] = left - total
                    }
                    line.copay = min(share.copay, line.allowed)
                    line.coinsurance = min(share.coins, line.allowed - line.copay)
                    line.deductible = min(share.deductible, line.allowed - line.copay - line.coinsurance)
                    let ratio = claim.institutional ? rng.int(260...340) : claim.billingIsFacility ? rng.int(220...320) : rng.int(160...230)
                    line.charge = line.allowed * ratio / 100
                    claim.lines[l] = line
                }
                let lastDay = claim.lines.map(\.end).max() ?? e.end
                claim.paidDay = lastDay + rng.int(14...45)
                m.encounters[i].claims[c] = claim
            }
        }

        for i in m.fills.indices {
            var f = m.fills[i]
            guard let s = span(f.day) else { continue }
            let benefit = Benefit.of(s.plan)
            if f.drug == .adalimumab {
                f.coinsurance = min(benefit.specialtyMax, f.allowed * benefit.specialtyCoinsurance / 100)
            } else {
                f.copay = min(f.allowed, (f.drug.isBrand ? benefit.brandCopay : benefit.genericCopay) * (f.daysSupply >= 90 ? 2 : 1))
            }
            if !f.inNetwork { f.coinsurance = min(f.allowed - f.copay, f.allowed / 2) }
            m.fills[i] = f
        }
    }
}
