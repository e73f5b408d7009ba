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

    static func of(_ planIndex: Int) -> Benefit {
        switch planIndex {
        case Directory.commercialPPO:
            return Benefit(deductible: 100_000, coinsurance: 20, outOfNetworkCoinsurance: 40, outOfPocketMax: 450_000, pcpCopay: 2_500,
                           specialistCopay: 5_000, edCopay: 25_000, inpatientPerDay: 0, inpatientDays: 0, snfPerDayAfter20: 0,
                           genericCopay: 1_000, brandCopay: 4_500, specialtyCoinsurance: 20, specialtyMax: 25_000)
        case Directory.commercialHMO:
            return Benefit(deductible: 50_000, coinsurance: 20, outOfNetworkCoinsurance: 50, outOfPocketMax: 400_000, pcpCopay: 2_000,
                           specialistCopay: 4_000, edCopay: 20_000, inpatientPerDay: 0, inpatientDays: 0, snfPerDayAfter20: 0,
                           genericCopay: 1_000, brandCopay: 4_000, specialtyCoinsurance: 20, specialtyMax: 25_000)
        case Directory.commercialEPO:
            return Benefit(deductible: 75_000, coinsurance: 20, outOfNetworkCoinsurance: 50, outOfPocketMax: 450_000, pcpCopay: 2_500,
                           specialistCopay: 5_000, edCopay: 25_000, inpatientPerDay: 0, inpatientDays: 0, snfPerDayAfter20: 0,
                           genericCopay: 1_000, brandCopay: 4_500, specialtyCoinsurance: 20, specialtyMax: 25_000)
        case Directory.medicareHMO:
            return Benefit(deductible: 0, coinsurance: 20, outOfNetworkCoinsurance: 40, outOfPocketMax: 500_000, pcpCopay: 0,
                           specialistCopay: 3_500, edCopay: 9_500, inpatientPerDay: 30_000, inpatientDays: 5, snfPerDayAfter20: 20_000,
                           genericCopay: 0, brandCopay: 4_700, specialtyCoinsurance: 25, specialtyMax: 20_000)
        case Directory.medicarePPO:
            return Benefit(deductible: 0, coinsurance: 20, outOfNetworkCoinsurance: 30, outOfPocketMax: 550_000, pcpCopay: 1_000,
                           specialistCopay: 4_500, edCopay: 11_000, inpatientPerDay: 32_500, inpatientDays: 5, snfPerDayAfter20: 20_000,
                           genericCopay: 500, brandCopay: 4_700, specialtyCoinsurance: 25, specialtyMax: 20_000)
        case Directory.medicaid:
            return Benefit(deductible: 0, coinsurance: 0, outOfNetworkCoinsurance: 0, outOfPocketMax: 0, pcpCopay: 0,
                           specialistCopay: 0, edCopay: 0, inpatientPerDay: 0, inpatientDays: 0, snfPerDayAfter20: 0,
                           genericCopay: 100, brandCopay: 300, specialtyCoinsurance: 0, specialtyMax: 0)
        default:  // dual special needs plan: no member cost sharing beyond small drug copays
            return Benefit(deductible: 0, coinsurance: 0, outOfNetworkCoinsurance: 0, outOfPocketMax: 0, pcpCopay: 0,
                           specialistCopay: 0, edCopay: 0, inpatientPerDay: 0, inpatientDays: 0, snfPerDayAfter20: 0,
                           genericCopay: 0, brandCopay: 450, specialtyCoinsurance: 0, specialtyMax: 0)
        }
    }
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
