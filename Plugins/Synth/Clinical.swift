/// Events: office, specialist, emergency and inpatient encounters (with readmissions, transfers,
/// deaths in hospital and post-acute care), screenings, labs, vitals, hospice, palliative care,
/// dialysis, infusions, frailty services and pharmacy fills, each with its claims, priced by
/// payer and setting. Every rate here is listed in docs/synth.md.

/// Builds one member's records.
struct MemberGenerator: Sendable {
    let dir: Directory
    let seed: UInt64

    func make(_ index: Int) -> Member {
        var rng = Xoshiro256(seed: seed, stream: UInt64(index))
        var m = demographics(index, &rng)
        var p = profile(&m, &rng)
        lifeEvents(&m, &p, &rng)
        if index < Scenarios.count { Scenarios.apply(index, &m, &p, self, &rng) }
        enroll(&m, profile: &p, &rng)
        attribute(&m, &rng)
        var b = EventBuilder(g: self, m: m, p: p, rng: rng)
        b.build()
        return b.m
    }
}

struct EventBuilder {
    let g: MemberGenerator
    var m: Member
    var p: Profile
    var rng: Xoshiro256
    var seq = 0
    var dir: Directory { g.dir }

    // MARK: Coverage and calendar

    func span(_ day: Int) -> Span? {
        for s in m.spans where day >= s.start && day <= s.end { return s }
        return nil
    }
    func plan(_ day: Int) -> Plan? { span(day).map { dir.plans[$0.plan] } }
    func alive(_ day: Int) -> Bool { m.death < 0 || day <= m.death }
    func covered(_ day: Int) -> Bool { day >= m.birth && alive(day) && span(day) != nil }

    static func weekday(_ day: Int) -> Int { ((day % 7) + 7 + 4) % 7 }  // 0 = Sunday; 1970-01-01 was a Thursday

    /// A covered day in `lo...hi`, moved off weekends when `business` (nil after a few tries).
    mutating func day(_ lo: Int, _ hi: Int, business: Bool = true) -> Int? {
        guard lo <= hi else { return nil }
        for _ in 0..<6 {
            var d = rng.int(lo...hi)
            if business {
                let w = Self.weekday(d)
                let moved = w == 0 ? d + 1 : w == 6 ? d - 1 : d
                if moved >= lo && moved <= hi { d = moved }
            }
            if covered(d) { return d }
        }
        return nil
    }

    func age(_ day: Int) -> Int { m.age(on: day) }

    /// Active problem-list diagnoses on a day (chronic ones first, as coded).
    func activeDx(_ day: Int) -> [DX] {
        var out: [DX] = []
        for c in m.problems where c.onset <= day && (c.abated < 0 || c.abated >= day) {
            switch c.dx {
            case .breastCancerHistory, .pregnancySupervision: continue
            default: out.append(c.dx)
            }
        }
        return out
    }

    mutating func diagnoses(primary: DX?, _ day: Int, max count: Int = 4) -> [DX] {
        var dx: [DX] = []
        if let primary { dx.append(primary) }
        var rest = activeDx(day)
        // A random rotation so that different conditions get listed.
        if rest.count > 1 { let r = rng.below(rest.count); rest = Array(rest[r...] + rest[..<r]) }
        for d in rest where dx.count < count && !dx.contains(d) { dx.append(d) }
        return dx
    }

    mutating func nextSeq() -> Int { seq += 1; return seq }

    // MARK: Pricing

    /// Allowed cents for `base` cents of commercial price, at the plan's factor, ±12 %.
    mutating func price(_ base: Int, _ day: Int, facility: Bool = false, drug: Bool = false) -> Int {
        guard let plan = plan(day) else { return base }
        let factor = drug ? plan.drugFactor : facility ? plan.facilityFactor : plan.professionalFactor
        // Prices trend up 6 % from 2024 to 2025.
        let trend = day >= Window.mpStart ? 1.06 : 1.0
        return Int(Double(base) * Double(factor) / 100 * trend * rng.jitter(0.12))
    }

    mutating func line(_ svc: Svc, _ day: Int, units: Int = 1, end: Int? = nil, revenue: String = "", modifier: String = "", facility: Bool = false, base: Int? = nil) -> Line {
        let cents = price((base ?? svc.professionalPrice) * units, day, facility: facility)
        return Line(svc: svc, revenue: revenue, modifier: modifier, units: units, start: day, end: end ?? day, allowed: cents)
    }

    mutating func revenueLine(_ revenue: String, _ day: Int, end: Int, units: Int = 1, allowed: Int, svc: Svc? = nil) -> Line {
        Line(svc: svc, revenue: revenue, units: units, start: day, end: end, allowed: allowed)
    }

    /// A professional claim rendered and billed by a provider.
    func professionalClaim(_ provider: Int, pos: String, lines: [Line]) -> ClaimSpec {
        ClaimSpec(institutional: false, pos: pos, rendering: provider, billing: provider,
                  inNetwork: dir.provider(provider).inNetwork, lines: lines)
    }

    /// A professional claim billed by a facility (labs, imaging centers, DME suppliers).
    func facilityProfessionalClaim(_ facility: Int, rendering: Int = -1, pos: String, lines: [Line]) -> ClaimSpec {
        ClaimSpec(institutional: false, pos: pos, rendering: rendering, billing: facility, billingIsFacility: true,
                  facility: facility, inNetwork: dir.facility(facility).inNetwork, lines: lines)
    }

    func institutionalClaim(_ facility: Int, billType: String, lines: [Line]) -> ClaimSpec {
        ClaimSpec(institutional: true, billType: billType, rendering: -1, billing: facility, billingIsFacility: true,
                  facility: facility, inNetwork: dir.facility(facility).inNetwork, lines: lines)
    }

    @discardableResult
    mutating func add(_ e: Encounter) -> Int {
        var e = e
        e.seq = nextSeq()
        m.encounters.append(e)
        return m.encounters.count - 1
    }

    mutating func observe(_ kind: ObsKind, _ day: Int, _ minute: Int, encounter: Int = -1, _ v1: Int = 0, _ v2: Int = 0) {
        m.observations.append(Obs(kind: kind, day: day, minute: min(minute, 1439), encounter: encounter, value1: v1, value2: v2, seq: nextSeq()))
    }

    mutating func perform(_ kind: ProcKind, _ day: Int, end: Int? = nil, encounter: Int = -1) {
        m.procedures.append(Proc(kind: kind, day: day, endDay: end ?? day, encounter: encounter, seq: nextSeq()))
    }

    /// This member's usual specialist of a specialty (stable across visits).
    func usual(_ sp: Specialty) -> Int { dir.ref(sp, (m.index &* 31 &+ sp.rawValue &* 7) % dir.specialistStride) }

    func usualFacility(_ kind: FacilityKind, salt: Int = 0) -> Int {
        let n = dir.facilities[kind.rawValue].count
        return kind.rawValue * 100_000 + (m.index &* 17 &+ salt &* 5 &+ kind.rawValue) % n
    }

    // MARK: Build

    mutating func build() {
        for year in Window.years {
            let ys = Cal.day(year, 1, 1), ye = Cal.day(year, 12, 31)
            guard m.spans.contains(where: { $0.end >= ys && $0.start <= ye }) else { continue }
            if p.emergencyOnly { emergency(year, ys, ye); continue }
            officeVisits(year, ys, ye)
            specialists(year, ys, ye)
            emergency(year, ys, ye)
            inpatient(year, ys, ye)
            outpatient(year, ys, ye)
        }
        if p.emergencyOnly { pharmacy(); finish(); return }
        screenings()
        prenatal()
        hospiceCare()
        palliativeCare()
        dialysis()
        oncology()
        frailtyServices()
        nursingHome()
        history()
        pharmacy()
        finish()
    }

    // MARK: Office visits, labs and vitals

    mutating func officeVisits(_ year: Int, _ ys: Int, _ ye: Int) {
        let yi = year - Window.years[0]
        let a = age(ye)
        let n = p.noVisit[yi] ? 0 : max(1, rng.count(p.visitRate))
        var days: [Int] = []
        for _ in 0..<n { if let d = day(ys, ye) { days.append(d) } }
        days.sort()
        let medicare = plan(days.first ?? ys)?.type == .medicare
        let preventive = a < 18 ? rng.chance(0.7) : rng.chance(medicare ? 0.55 : 0.5)
        let frail = !p.frailty.isEmpty
        var inPerson: [Int] = []   // encounter indices with labs drawable
        for (i, d) in days.enumerated() {
            let va = age(d)
            var kind = EncKind.office
            var svc: Svc
            var modifier = ""
            var pos = "11"
            var primary: DX?
            if i == 0 && preventive {
                kind = va >= 65 && medicare ? .wellness : .preventive
                if kind == .wellness { svc = rng.chance(0.15) ? .awvInitial : .awvSubsequent }
                else if va < 5 { svc = .prevChild1 } else if va < 12 { svc = .prevChild5 } else if va < 18 { svc = .prevChild12 }
                else {
                    let initial = rng.chance(0.08)
                    svc = va < 40 ? (initial ? .prevInitial18 : .prevEst18) : va < 65 ? (initial ? .prevInitial40 : .prevEst40) : (initial ? .prevInitial65 : .prevEst65)
                }
                primary = va < 18 ? .childExam : .adultExam
            } else {
                svc = [Svc.estStraightforward, .estLow, .estModerate, .estHigh, .newLow, .newModerate][rng.weighted([0.10, 0.45, 0.35, 0.05, 0.03, 0.02])]
                let chronic = activeDx(d)
                if !chronic.isEmpty && rng.chance(0.7) { primary = chronic[rng.below(chronic.count)] }
                else { primary = [DX.uri, .pharyngitis, .uti, .lowBackPain, .headache, .abdominalPain][rng.weighted([0.3, 0.15, 0.15, 0.2, 0.1, 0.1])] }
                if rng.chance(0.08) {
                    kind = .telehealth
                    switch rng.below(3) {
                    case 0: svc = .telephone; pos = "10"
                    case 1: svc = .virtualCheckIn; pos = "10"
                    default: modifier = "95"; pos = "10"
                    }
                } else if frail && va >= 80 && rng.chance(0.3) {
                    kind = .home; svc = .homeVisit; pos = "12"
                }
            }
            let attributed = pcp(d)
            let provider = rng.chance(0.9) ? attributed : colleague(attributed)
            let minute = rng.int(8 * 60...16 * 60 + 30)
            let duration = kind == .telehealth ? rng.int(10...20) : rng.int(15...40)
            var e = Encounter(kind: kind, start: d, startMinute: minute, end: d, endMinute: minute + duration, svc: svc,
                              modifier: modifier, dx: diagnoses(primary: primary, d), provider: provider)
            // 2 % of booked visits are cancelled: an EHR record with no claim and no vitals.
            if kind != .telehealth && !p.scenario && rng.chance(0.02) {
                e.status = "cancelled"
                add(e)
                continue
            }
            var lines = [line(svc, d, modifier: modifier)]
            if kind == .office && va >= 40 && rng.chance(0.08) { lines.append(line(.ecg, d)) }
            e.claims = [professionalClaim(provider, pos: pos, lines: lines)]
            let idx = add(e)
            if kind != .telehealth {
                inPerson.append(idx)
                if va >= 18 && rng.chance(0.93) { bloodPressure(idx, d, minute + 8, sys: p.bpSys, dia: p.bpDia) }
            }
        }
        labs(year, ys, ye, inPerson)
    }

    /// Another provider of the same practice.
    func colleague(_ of: Int) -> Int {
        let practice = dir.pcps[of].practice
        for d in [1, -1, 2, -2] {
            let c = of + d
            if c >= 0 && c < dir.pcps.count && dir.pcps[c].practice == practice { return c }
        }
        return of
    }

    func pcp(_ day: Int) -> Int { g.pcp(of: m, on: day, fallback: m.index % dir.pcps.count) }

    /// One blood-pressure reading (sometimes a repeat on the same visit), around the member's means.
    mutating func bloodPressure(_ enc: Int, _ day: Int, _ minute: Int, sys: Int, dia: Int) {
        let s = max(85, min(220, Int(rng.normal(Double(sys), 6))))
        let d = max(45, min(130, Int(rng.normal(Double(dia), 4))))
        observe(.bloodPressure, day, minute, encounter: enc, s, min(d, s - 20))
        if rng.chance(0.05) {
            // A repeat reading after rest, a little lower.
            observe(.bloodPressure, day, minute + 12, encounter: enc, s - rng.int(2...10), min(d, s - 20) - rng.int(0...5))
        }
    }

    /// HbA1c (people with diabetes, and some screening), LDL and creatinine, drawn at visits or on
    /// their own, billed by a reference laboratory.
    mutating func labs(_ year: Int, _ ys: Int, _ ye: Int, _ visits: [Int]) {
        let yi = year - Window.years[0]
        let a = age(ye)
        var orders: [(ObsKind, Int)] = []   // kind, value
        if p.dm && p.a1cTested[yi] {
            let tests = 1 + rng.weighted([0.3, 0.4, 0.2, 0.1])
            for _ in 0..<tests { orders.append((.hba1c, max(45, min(150, p.a1cBase + Int(rng.normal(0, 3)))))) }
        } else if !p.dm && a >= 45 && rng.chance(0.08) {
            orders.append((.hba1c, p.a1cBase))
        }
        if a >= 18 && (p.htn || p.lipid || p.dm || p.cad) && rng.chance(0.65) { orders.append((.ldl, rng.int(60...190))) }
        if p.ckd > 0 || (p.dm && rng.chance(0.6)) {
            let v: Int
            switch p.ckd { case 3: v = rng.int(12...20); case 4: v = rng.int(20...35); case 5: v = rng.int(35...60); case 6: v = rng.int(50...90); default: v = rng.int(7...12) }
            orders.append((.creatinine, v))
        }
        guard !orders.isEmpty else { return }
        // Each order goes to a visit of the year, or to a lab-only draw when there is none.
        var draws: [(day: Int, minute: Int, enc: Int, kinds: [(ObsKind, Int)])] = []
        for (k, order) in orders.enumerated() {
            if !visits.isEmpty && (k < visits.count || rng.chance(0.5)) {
                let v = visits[(k + rng.below(2)) % visits.count]
                let e = m.encounters[v]
                if let j = draws.firstIndex(where: { $0.enc == v }) { draws[j].kinds.append(order) }
                else { draws.append((e.start, e.endMinute + 5, v, [order])) }
            } else if let d = day(ys, ye) {
                draws.append((d, rng.int(7 * 60...11 * 60), -1, [order]))
            }
        }
        draws.sort { $0.day < $1.day || ($0.day == $1.day && $0.minute < $1.minute) }
        let lastA1c = draws.lastIndex(where: { $0.kinds.contains { $0.0 == .hba1c } })
        for (j, draw) in draws.enumerated() {
            var lines: [Line] = []
            for (kind, value) in draw.kinds {
                var k = kind
                if kind == .hba1c && year == 2025 && p.a1cNoResult && j == lastA1c { k = .hba1cNoResult }
                observe(k, draw.day, draw.minute + 30, encounter: draw.enc, value)
                let svc: Svc = kind == .hba1c ? .hba1c : kind == .ldl ? .lipidPanel : .creatinine
                lines.append(line(svc, draw.day))
            }
            let lab = usualFacility(.laboratory)
            var e = Encounter(kind: .lab, start: draw.day, startMinute: draw.minute, end: draw.day, endMinute: draw.minute + 10,
                              svc: lines[0].svc, dx: diagnoses(primary: nil, draw.day, max: 3), provider: pcp(draw.day))
            if e.dx.isEmpty { e.dx = [a < 18 ? .childExam : .adultExam] }
            e.ehr = false
            e.claims = [facilityProfessionalClaim(lab, pos: "81", lines: lines)]
            if draw.enc >= 0 {
                // The office bills the draw.
                m.encounters[draw.enc].claims[0].lines.append(line(.venipuncture, draw.day))
            }
            add(e)
        }
    }

    // MARK: Specialists

    mutating func specialistVisit(_ sp: Specialty, _ d: Int, primary: DX?, svc: Svc = .estModerate, kind: EncKind = .specialist,
                                  extra: [Svc] = [], bp: Bool = false, snomed: (String, String)? = nil) -> Int {
        let provider = usual(sp)
        let minute = rng.int(8 * 60...16 * 60)
        var e = Encounter(kind: kind, start: d, startMinute: minute, end: d, endMinute: minute + rng.int(20...45), svc: svc,
                          dx: diagnoses(primary: primary, d), provider: provider)
        e.snomedType = snomed
        var lines = [line(svc, d, base: Int(Double(svc.professionalPrice) * 1.25))]
        for x in extra { lines.append(line(x, d)) }
        e.claims = [professionalClaim(provider, pos: "11", lines: lines)]
        let idx = add(e)
        if bp && age(d) >= 18 { bloodPressure(idx, d, minute + 6, sys: p.bpSys, dia: p.bpDia) }
        return idx
    }

    mutating func specialists(_ year: Int, _ ys: Int, _ ye: Int) {
        let a = age(ye)
        if p.chf || p.cad || p.afib {
            for _ in 0..<rng.int(1...3) {
                if let d = day(ys, ye) {
                    var extra: [Svc] = []
                    if rng.chance(0.25) { extra.append(.echo) }
                    if rng.chance(0.5) { extra.append(.ecg) }
                    _ = specialistVisit(.cardiology, d, primary: p.chf ? .chf : p.cad ? .cad : .afib, extra: extra, bp: rng.chance(0.7))
                }
            }
        }
        if p.dm && (p.dmType1 || (m.index % 4 == 0)) {
            for _ in 0..<2 { if let d = day(ys, ye) { _ = specialistVisit(.endocrinology, d, primary: nil, bp: rng.chance(0.7)) } }
        }
        if p.ckd == 4 || p.ckd == 5 {
            for _ in 0..<3 { if let d = day(ys, ye) { _ = specialistVisit(.nephrology, d, primary: nil, bp: rng.chance(0.7)) } }
        }
        if p.copd && m.index % 2 == 0 {
            for _ in 0..<rng.int(1...2) { if let d = day(ys, ye) { _ = specialistVisit(.pulmonology, d, primary: p.emphysema ? .emphysema : .copd) } }
        }
        if p.depression && m.index % 5 < 2 {
            for _ in 0..<rng.int(4...10) {
                if let d = day(ys, ye) { _ = specialistVisit(.psychology, d, primary: nil, svc: .psychotherapy, kind: .behavioral) }
            }
        }
        if a >= 50 && rng.chance(0.08) {
            if let d = day(ys, ye) {
                _ = specialistVisit(.orthopedics, d, primary: rng.chance(0.6) ? .kneeOA : .lowBackPain)
                if rng.chance(0.3), let d2 = day(d, min(ye, d + 30)) { imaging(.mriKnee, d2, primary: .kneeOA) }
            }
        }
    }

    /// Outpatient imaging at an imaging center, read by a radiologist.
    mutating func imaging(_ svc: Svc, _ d: Int, primary: DX) {
        let fac = usualFacility(.imaging)
        let minute = rng.int(8 * 60...17 * 60)
        var e = Encounter(kind: .imaging, start: d, startMinute: minute, end: d, endMinute: minute + 30, svc: svc,
                          dx: diagnoses(primary: primary, d, max: 2), provider: usual(.radiology), facility: fac)
        e.ehr = false
        e.claims = [facilityProfessionalClaim(fac, rendering: usual(.radiology), pos: "11", lines: [line(svc, d)])]
        add(e)
    }

    /// Outpatient surgery at a surgery center (60 %) or a hospital outpatient department.
    mutating func surgery(_ svc: Svc, _ d: Int, _ reason: DX, _ sp: Specialty) {
        let surgeon = usual(sp)
        let minute = rng.int(7 * 60...14 * 60)
        let inCenter = rng.chance(0.6)
        let facility = inCenter ? usualFacility(.surgeryCenter) : usualFacility(.hospital)
        var e = Encounter(kind: .ambulatorySurgery, start: d, startMinute: minute, end: d, endMinute: minute + rng.int(90...240), svc: svc,
                          dx: diagnoses(primary: reason, d, max: 3), provider: surgeon, facility: facility)
        let facilityLine = line(svc, d, revenue: inCenter ? "" : "0360", modifier: inCenter ? "SG" : "", facility: true,
                                base: svc.professionalPrice * 4)
        e.claims = [professionalClaim(surgeon, pos: inCenter ? "24" : "22", lines: [line(svc, d)]),
                    inCenter ? facilityProfessionalClaim(facility, pos: "24", lines: [facilityLine])
                             : institutionalClaim(facility, billType: "131", lines: [facilityLine])]
        add(e)
    }

    mutating func outpatient(_ year: Int, _ ys: Int, _ ye: Int) {
        let a = age(ye)
        guard a >= 18 else { return }
        // Other specialists (dermatology, ophthalmology, gastroenterology, orthopedics, general surgery).
        for _ in 0..<rng.count(a >= 65 ? 1.1 : 0.7) {
            guard let d = day(ys, ye) else { continue }
            let k = rng.weighted([0.3, a >= 60 ? 0.3 : 0.1, 0.15, 0.15, 0.1])
            let sp = [Specialty.dermatology, .ophthalmology, .gastroenterology, .orthopedics, .generalSurgery][k]
            let reason = [DX.actinicKeratosis, .cataract, .gerd, .meniscusTear, .inguinalHernia][k]
            let idx = specialistVisit(sp, d, primary: reason, svc: rng.chance(0.7) ? .estModerate : .newModerate, extra: k == 0 && rng.chance(0.5) ? [.skinDestruction] : [])
            _ = idx
        }
        // Outpatient surgery: 4 % a year at 18-44, 8 % at 45-64, 10 % at 65+.
        if rng.chance(a < 45 ? 0.04 : a < 65 ? 0.08 : 0.10), let d = day(ys, ye) {
            var options: [(Svc, DX, Specialty, Double)] = [(.kneeArthroscopy, .meniscusTear, .orthopedics, 1), (.upperEndoscopy, .gerd, .gastroenterology, 1.2),
                                                           (.herniaRepair, .inguinalHernia, .generalSurgery, 0.8), (.cholecystectomy, .gallstones, .generalSurgery, 0.6),
                                                           (.carpalTunnelRelease, .carpalTunnel, .orthopedics, 0.6)]
            if a >= 60 { options.append((.cataractSurgery, .cataract, .ophthalmology, 2.5)) }
            let pick = options[rng.weighted(options.map(\.3))]
            surgery(pick.0, d, pick.1, pick.2)
        }
        if rng.chance(0.05), let d = day(ys, ye) { imaging(.mriBrain, d, primary: .headache) }
        if rng.chance(0.06), let d = day(ys, ye) { imaging(.chestXray, d, primary: p.copd ? .copd : .chestPain) }
        if rng.chance(a >= 65 ? 0.08 : 0.04), let d = day(ys, ye) { imaging(.ctAbdomen, d, primary: .abdominalPain) }
        if rng.chance(0.05), let d0 = day(ys, ye) {
            // A course of physical therapy.
            let provider = usual(.orthopedics)
            for k in 0..<rng.int(6...10) {
                let d = d0 + k * 7
                guard d <= ye, covered(d) else { break }
                let minute = rng.int(8 * 60...17 * 60)
                var e = Encounter(kind: .therapy, start: d, startMinute: minute, end: d, endMinute: minute + 45, svc: .therapeuticExercise,
                                  dx: [.lowBackPain], provider: provider)
                e.ehr = false
                e.claims = [professionalClaim(provider, pos: "11", lines: [line(.therapeuticExercise, d, units: 3)])]
                add(e)
            }
        }
    }

    // MARK: Emergency department

    mutating func emergency(_ year: Int, _ ys: Int, _ ye: Int) {
        let medicaid = plan(ys)?.type == .medicaid || plan(ye)?.type == .medicaid
        let n = rng.count(p.edRate * (medicaid ? 1.5 : 1))
        for _ in 0..<n {
            guard let d = day(ys, ye, business: false) else { continue }
            _ = edVisit(d, admitted: false)
        }
    }

    /// A reason for an emergency visit: an exacerbation of a chronic condition, or an acute
    /// problem (about a third of them treatable in primary care).
    mutating func edReason(_ d: Int) -> DX {
        var options: [(DX, Double)] = [(.uri, 0.10), (.pharyngitis, 0.05), (.uti, 0.08), (.lowBackPain, 0.07), (.headache, 0.06),
                                       (.chestPain, 0.15), (.abdominalPain, 0.15), (.ankleSprain, 0.10)]
        if age(d) >= 65 { options.append((.fall, 0.10)) }
        if p.chf { options.append((.chf, 0.25)) }
        if p.copd { options.append((.copdExacerbation, 0.25)) }
        if p.asthma { options.append((.asthmaExacerbation, 0.2)) }
        if p.dm { options.append((.t2dmHyperglycemia, 0.1)) }
        return options[rng.weighted(options.map(\.1))].0
    }

    mutating func edVisit(_ d: Int, admitted: Bool, reason: DX? = nil) -> Int {
        let primary = reason ?? edReason(d)
        let serious: Bool = [.chf, .copdExacerbation, .chestPain, .fall, .asthmaExacerbation].contains(primary)
        let level: Svc = serious ? (rng.chance(0.6) ? .ed5 : .ed4) : [Svc.ed3, .ed4, .ed5][rng.weighted([0.5, 0.4, 0.1])]
        let minute = rng.int(0...1380)
        let stay = rng.int(120...420)
        let endDay = d + (minute + stay) / 1440
        let hospital = usualFacility(.hospital, salt: rng.below(3))
        let physician = usual(.emergency)
        var e = Encounter(kind: .emergency, start: d, startMinute: minute, end: endDay, endMinute: (minute + stay) % 1440, svc: level,
                          dx: diagnoses(primary: primary, d, max: 3), provider: physician, facility: hospital)
        e.snomedType = ("4525004", "Emergency department patient visit (procedure)")
        if !admitted {
            let facilityBase: Int = level == .ed3 ? 90_000 : level == .ed4 ? 150_000 : 250_000
            var lines = [line(level, d, revenue: "0450", facility: true, base: facilityBase)]
            if rng.chance(0.5) { lines.append(line(.cmp, d, revenue: "0301", facility: true, base: 8_000)) }
            if rng.chance(0.3) { lines.append(line(.chestXray, d, revenue: "0324", facility: true, base: 25_000)) }
            e.claims = [institutionalClaim(hospital, billType: "131", lines: lines),
                        professionalClaim(physician, pos: "23", lines: [line(level, d)])]
            if [.uri, .pharyngitis, .uti].contains(primary) && rng.chance(0.6) { prescribeAcute(d, physician) }
        }
        let idx = add(e)
        // Vitals in the ED run high; the BP measure drops readings taken here.
        if age(d) >= 18 && rng.chance(0.85) { bloodPressure(idx, d, minute + 15, sys: p.bpSys + 12, dia: p.bpDia + 6) }
        return idx
    }

    // MARK: Inpatient stays

    mutating func admissionReason(_ d: Int) -> Admission {
        let a = age(d)
        var options: [(Admission, Double)] = []
        if p.chf { options += [(.heartFailure, 3), (.heartFailureMCC, 1.5)] }
        if p.copd { options.append((.copd, 3)) }
        if p.dm { options.append((.diabetes, 0.8)) }
        if p.cad { options.append((.ami, 1.5)) }
        if a >= 65 {
            options += [(.pneumonia, 1.5), (.sepsis, 1.2), (.uti, 1.0), (.stroke, 0.8), (.hipFracture, p.frailty.isEmpty ? 0.5 : 2)]
        } else {
            options += [(.pneumonia, 0.8), (.sepsis, 0.4), (.uti, 0.4), (.giBleed, 0.3)]
        }
        if a >= 50 { options += [(.kneeReplacement, 0.7), (.giBleed, 0.5)] }
        return options[rng.weighted(options.map(\.1))].0
    }

    mutating func inpatient(_ year: Int, _ ys: Int, _ ye: Int) {
        var n = rng.count(p.ipRate * (plan(ys)?.type == .medicaid ? 1.2 : 1))
        if m.death >= ys && m.death <= ye && p.deathInHospital { n = max(0, n - 1) }
        for _ in 0..<n {
            guard let d = day(ys, ye - 2, business: false) else { continue }
            stay(admit: d, reason: admissionReason(d), chain: 0)
        }
        if p.delivery >= ys && p.delivery <= ye && covered(p.delivery) {
            stay(admit: p.delivery, reason: .delivery, chain: 0)
        }
        if m.death >= ys && m.death <= ye && p.deathInHospital {
            let reason = admissionReason(m.death)
            let los = rng.int(reason.stay)
            let admit = max(ys, m.death - los)
            if covered(admit) { stay(admit: admit, reason: reason, chain: 0, dies: true) }
        }
    }

    /// One acute stay, and what follows it: a transfer, a readmission within 30 days, post-acute care.
    mutating func stay(admit: Int, reason: Admission, chain: Int, transferIn: Bool = false, dies: Bool = false,
                       disposition forced: Disposition? = nil, discharge fixedDischarge: Int? = nil) {
        let a = age(admit)
        var discharge = fixedDischarge ?? min(admit + rng.int(reason.stay), Window.end)
        if dies { discharge = max(admit, m.death) }
        if m.death >= 0 && discharge > m.death { discharge = m.death }
        let viaED = !reason.elective && reason != .delivery && !transferIn && rng.chance(0.6)
        var disposition: Disposition
        if let forced { disposition = forced }
        else if dies || (m.death >= 0 && discharge == m.death) { disposition = .expired }
        else if reason == .delivery || reason == .kneeReplacement { disposition = reason == .kneeReplacement && rng.chance(0.3) ? .homeHealth : .home }
        else if a >= 65 { disposition = [Disposition.home, .homeHealth, .snf, .transfer, .leftAMA][rng.weighted([0.62, 0.16, 0.17, 0.03, 0.01])] }
        else { disposition = [Disposition.home, .homeHealth, .snf, .transfer, .leftAMA][rng.weighted([0.86, 0.06, 0.02, 0.04, 0.02])] }
        if disposition == .transfer && chain > 2 { disposition = .home }

        // The hospital: usually the member's own; a transfer goes to another one.
        let hospital = usualFacility(.hospital, salt: transferIn ? 7 : rng.below(2))
        let admitMinute = rng.int(0...1380)
        let dischargeMinute = disposition == .expired ? rng.int(0...1439) : rng.int(10 * 60...16 * 60)
        var e = Encounter(kind: .inpatient, start: admit, startMinute: admitMinute, end: discharge,
                          endMinute: discharge == admit ? max(dischargeMinute, min(1439, admitMinute + 120)) : dischargeMinute,
                          svc: nil, dx: diagnoses(primary: reason.principal, admit, max: 6), provider: usual(.hospitalist), facility: hospital)
        if reason == .delivery { e.dx.append(.singleLiveBirth) }
        e.disposition = disposition
        e.admission = reason
        e.admitSource = transferIn ? "4" : viaED ? "7" : reason.elective ? "2" : "1"
        e.admitType = viaED ? "1" : reason.elective ? "3" : "2"
        e.snomedType = viaED ? ("183452005", "Emergency hospital admission (procedure)") : ("32485007", "Hospital admission (procedure)")

        // Facility claim: the DRG price spread over revenue lines.
        let los = max(1, discharge - admit)
        let total = price(reason.price, admit, facility: true)
        var parts: [(String, Int, Int)] = [("0120", 52, los), ("0250", 15, 1), ("0300", 12, 1)]  // revenue, percent, units
        if viaED { parts.append(("0450", 6, 1)) }
        if reason.surgical { parts.append(("0360", 25, 1)) }
        let weight = parts.reduce(0) { $0 + $1.1 }
        var lines: [Line] = []
        var assigned = 0
        for (k, part) in parts.enumerated() {
            let cents = k == parts.count - 1 ? total - assigned : total * part.1 / weight
            assigned += cents
            lines.append(revenueLine(part.0, admit, end: discharge, units: part.2, allowed: cents))
        }
        var claim = institutionalClaim(hospital, billType: "111", lines: lines)
        claim.drg = Int(reason.rawValue)
        if let proc = reason.procedure { claim.procedure = proc; claim.procedureDay = admit }
        let hospitalist = usual(.hospitalist)
        var pro = [line(.hospitalInitial, admit)]
        if los > 1 { pro.append(line(.hospitalSubsequent, admit + 1, units: los - 1, end: discharge - 1)) }
        if disposition != .expired { pro.append(line(.hospitalDischarge, discharge)) }
        e.claims = [claim, professionalClaim(hospitalist, pos: "21", lines: pro)]
        let idx = add(e)
        if let proc = reason.procedure { perform(proc, admit, encounter: idx) }
        if a >= 18 && rng.chance(0.7) { bloodPressure(idx, admit, min(1439, admitMinute + 20), sys: p.bpSys + 8, dia: p.bpDia + 4) }

        // What follows.
        switch disposition {
        case .transfer:
            stay(admit: discharge, reason: reason, chain: chain + 1, transferIn: true)
        case .snf:
            skilledNursing(discharge, days: rng.int(10...30))
        case .homeHealth:
            homeHealth(discharge + rng.int(1...3))
        default: break
        }
        if disposition != .expired && disposition != .transfer && chain < 3 && rng.chance(reason.readmissionRate) {
            let back = discharge + rng.int(2...30)
            if back < Window.end - 1 && covered(back) {
                let again = rng.chance(0.6) ? reason : admissionReason(back)
                stay(admit: back, reason: again == .delivery || again == .kneeReplacement ? .sepsis : again, chain: chain + 1)
            }
        }
    }

    mutating func skilledNursing(_ start: Int, days: Int) {
        var end = min(start + days, Window.end)
        if m.death >= 0 { end = min(end, m.death) }
        guard end > start, covered(start) else { return }
        let snf = usualFacility(.snf)
        var e = Encounter(kind: .snf, start: start, startMinute: rng.int(12 * 60...18 * 60), end: end, endMinute: rng.int(9 * 60...15 * 60),
                          svc: nil, dx: diagnoses(primary: nil, start, max: 5), provider: usual(.hospitalist), facility: snf)
        if e.dx.isEmpty { e.dx = [.muscleWeakness] }
        e.claims = [institutionalClaim(snf, billType: "211", lines: [revenueLine("0191", start, end: end, units: end - start,
                                                                              allowed: price(Svc.snfDay.professionalPrice * (end - start), start, facility: true))])]
        add(e)
    }

    /// A 30-day home health period with skilled nursing visits (a frailty encounter code, G0299).
    mutating func homeHealth(_ start: Int) {
        let end = min(start + 29, Window.end)
        guard end > start, covered(start), alive(end) else { return }
        let agency = usualFacility(.homeHealth)
        let visits = rng.int(6...10)
        var e = Encounter(kind: .homeHealth, start: start, startMinute: rng.int(9 * 60...15 * 60), end: end, endMinute: rng.int(9 * 60...15 * 60),
                          svc: .homeHealthNurse, dx: diagnoses(primary: nil, start, max: 4), provider: pcp(start), facility: agency)
        if e.dx.isEmpty { e.dx = [.muscleWeakness] }
        e.claims = [institutionalClaim(agency, billType: "329", lines: [line(.homeHealthNurse, start, units: visits, end: end, revenue: "0551", facility: true)])]
        add(e)
    }

    // MARK: Screening

    mutating func screenings() {
        for d in p.mammograms {
            let minute = rng.int(8 * 60...16 * 60)
            var enc = -1
            if d >= Window.start && covered(d) {
                let fac = usualFacility(.imaging)
                var e = Encounter(kind: .imaging, start: d, startMinute: minute, end: d, endMinute: minute + 30, svc: .mammogram,
                                  dx: [.screeningMammogram], provider: usual(.radiology), facility: fac)
                e.ehr = false
                e.claims = [facilityProfessionalClaim(fac, rendering: usual(.radiology), pos: "11", lines: [line(.mammogram, d)])]
                enc = add(e)
            }
            observe(.mammogram, d, minute, encounter: -1, enc >= 0 ? 1 : 0)
        }
        for (kind, d) in p.crc { crcScreen(kind, d) }
    }

    mutating func crcScreen(_ kind: Screening, _ d: Int) {
        let claimable = d >= Window.start && covered(d)
        let minute = rng.int(8 * 60...15 * 60)
        switch kind {
        case .colonoscopy, .sigmoidoscopy:
            let procKind: ProcKind = kind == .colonoscopy ? .colonoscopy : .sigmoidoscopy
            var enc = -1
            if claimable {
                let gi = usual(.gastroenterology)
                let svc: Svc = kind == .sigmoidoscopy ? .sigmoidoscopy : [Svc.colonoscopy, .colonoscopyBiopsy, .colonoscopySnare][rng.weighted([0.6, 0.25, 0.15])]
                let asc = usualFacility(.surgeryCenter)
                var e = Encounter(kind: .ambulatorySurgery, start: d, startMinute: minute, end: d, endMinute: minute + 90, svc: svc,
                                  dx: [.screeningColon], provider: gi, facility: asc)
                e.claims = [professionalClaim(gi, pos: "24", lines: [line(svc, d)]),
                            facilityProfessionalClaim(asc, pos: "24", lines: [line(svc, d, modifier: "SG", base: Int(Double(svc.professionalPrice) * 1.6))])]
                enc = add(e)
            }
            perform(procKind, d, encounter: enc)
        case .fit, .sdna:
            let positive = rng.chance(kind == .fit ? 0.05 : 0.12)
            observe(kind == .fit ? .fit : .sdna, d, minute, encounter: -1, positive ? 1 : 0)
            if claimable { labOnly(d, kind == .fit ? .fit : .sdna) }
            if positive, let f = day(d + 20, min(Window.end, d + 90)), f > d { crcScreen(.colonoscopy, f) }
        case .ctColonography:
            observe(.ctColonography, d, minute)
            if claimable { imaging(.ctColonography, d, primary: .screeningColon) }
        }
    }

    mutating func labOnly(_ d: Int, _ svc: Svc) {
        let lab = usualFacility(.laboratory)
        var e = Encounter(kind: .lab, start: d, startMinute: 600, end: d, endMinute: 610, svc: svc, dx: [.screeningColon], provider: pcp(d))
        e.ehr = false
        e.claims = [facilityProfessionalClaim(lab, pos: "81", lines: [line(svc, d)])]
        add(e)
    }

    /// Prenatal visits with an obstetrician.
    mutating func prenatal() {
        guard p.delivery >= 0 else { return }
        let start = p.delivery - 266
        for k in 0..<8 {
            let d = start + 56 + k * 26
            guard d >= Window.start, d <= Window.end, d < p.delivery, covered(d) else { continue }
            _ = specialistVisit(.obstetrics, d, primary: .pregnancySupervision, svc: .estLow, bp: true)
        }
    }

    // MARK: Hospice, palliative care, dialysis, infusions, frailty

    mutating func hospiceCare() {
        guard let (hs, he) = p.hospice else { return }
        let agency = usualFacility(.hospice)
        let svc: Svc = p.nursingHome ? .hospiceNursingFacility : rng.chance(0.85) ? .hospiceRoutineHome : .hospiceFacility
        // A third of hospice stays start with a discharge from hospital to hospice.
        if hs > Window.start + 10 && rng.chance(0.33) && covered(hs - 4) {
            let reason = admissionReason(hs - 4)
            stay(admit: hs - rng.int(2...5), reason: reason == .delivery || reason == .kneeReplacement ? .sepsis : reason, chain: 9,
                 disposition: svc == .hospiceFacility ? .hospiceFacility : .hospiceHome, discharge: hs)
        }
        for i in m.spans.indices where m.spans[i].end >= hs && m.spans[i].start <= he { m.spans[i].hospice = true }
        var month = Cal.monthIndex(max(hs, Window.start))
        let last = Cal.monthIndex(min(he, Window.end))
        var k = 0
        while month <= last {
            let s = max(hs, Cal.monthStart(month)), e = min(he, Cal.monthEnd(month))
            if covered(s) {
                var enc = Encounter(kind: .hospice, start: s, startMinute: 9 * 60, end: e, endMinute: 17 * 60, svc: svc,
                                    dx: diagnoses(primary: nil, s, max: 3), provider: usual(.palliative), facility: agency)
                if enc.dx.isEmpty { enc.dx = [.debility] }
                enc.snomedType = ("385765002", "Hospice care management (procedure)")
                let billType = hs >= Cal.monthStart(month) && he <= Cal.monthEnd(month) ? "811" : k == 0 ? "812" : he <= Cal.monthEnd(month) ? "814" : "813"
                enc.claims = [institutionalClaim(agency, billType: billType,
                                                 lines: [line(svc, s, units: e - s + 1, end: e, revenue: "0651", facility: true)])]
                add(enc)
                k += 1
            }
            month += 1
        }
    }

    mutating func palliativeCare() {
        guard p.palliative else { return }
        var first = true
        for year in Window.years where year == 2025 || rng.chance(0.5) {
            for _ in 0..<rng.int(2...4) {
                guard let d = day(Cal.day(year, 1, 1), Cal.day(year, 12, 31)) else { continue }
                let idx = specialistVisit(.palliative, d, primary: .palliative, svc: .estHigh, kind: .palliative,
                                          snomed: ("305686008", "Seen by palliative care physician (finding)"))
                if first { perform(.palliativeCare, d, encounter: idx); first = false }
            }
        }
    }

    mutating func dialysis() {
        guard p.esrd else { return }
        let unit = usualFacility(.dialysis)
        let nephrologist = usual(.nephrology)
        for month in Cal.monthIndex(Window.start)...Cal.monthIndex(Window.end) {
            let s = Cal.monthStart(month), e = min(Cal.monthEnd(month), m.death >= 0 ? m.death : Window.end)
            guard e >= s, covered(s) else { continue }
            let sessions = min(13, (e - s + 1) * 13 / 30)
            guard sessions > 0 else { continue }
            var enc = Encounter(kind: .dialysis, start: s, startMinute: 7 * 60, end: e, endMinute: 11 * 60, svc: .esrdMonthly,
                                dx: [.esrd, .dialysisStatus] + diagnoses(primary: nil, s, max: 2).filter { $0 != .esrd && $0 != .dialysisStatus },
                                provider: nephrologist, facility: unit)
            enc.claims = [institutionalClaim(unit, billType: "721", lines: [line(.dialysisUnlisted, s, units: sessions, end: e, revenue: "0821", facility: true)]),
                          professionalClaim(nephrologist, pos: "65", lines: [line(.esrdMonthly, e)])]
            let idx = add(enc)
            perform(.hemodialysis, s, end: e, encounter: idx)
        }
    }

    mutating func oncology() {
        guard let c = m.problems.first(where: { $0.dx == .breastCancer || $0.dx == .lungCancer }) else { return }
        let oncologist = usual(.oncology)
        let hospital = usualFacility(.hospital)
        var d = max(c.onset + 30, Window.start)
        var cycles = 0
        while d <= Window.end && cycles < 40 {
            if covered(d) {
                var e = Encounter(kind: .infusion, start: d, startMinute: 9 * 60, end: d, endMinute: 11 * 60, svc: .chemoAdmin,
                                  dx: [c.dx], provider: oncologist, facility: hospital)
                e.claims = [institutionalClaim(hospital, billType: "131", lines: [
                    line(.chemoAdmin, d, revenue: "0335", facility: true),
                    line(.pembrolizumab, d, units: 200, revenue: "0636", facility: true),
                ])]
                add(e)
            }
            d += 21
            cycles += 1
        }
    }

    mutating func frailtyServices() {
        for form in p.frailty {
            switch form {
            case .diagnosis:
                break  // on the problem list and on visit claims
            case .homeHealth:
                if let d = day(Window.mpStart, Window.end - 30) { homeHealth(d) }
                if rng.chance(0.5), let d = day(Window.start, Window.mpStart - 31) { homeHealth(d) }
            case .device:
                guard let d = day(Window.mpStart, Window.end) else { continue }
                let wheelchair = rng.chance(0.4)
                let supplier = usualFacility(.dme)
                var e = Encounter(kind: .dme, start: d, startMinute: 600, end: d, endMinute: 630, svc: wheelchair ? .wheelchair : .walker,
                                  dx: diagnoses(primary: .reducedMobility, d, max: 3), provider: pcp(d), facility: supplier)
                e.ehr = false
                e.claims = [facilityProfessionalClaim(supplier, pos: "12", lines: [line(wheelchair ? .wheelchair : .walker, d)])]
                add(e)
                observe(.equipment, d, 600, encounter: -1, wheelchair ? 1 : 0)
            case .symptom:
                if let d = day(Window.mpStart, Window.end) { observe(.frailtySymptom, d, 610) }
            }
        }
    }

    /// A housing-status assessment for long-term nursing home residents.
    mutating func nursingHome() {
        guard p.nursingHome else { return }
        if let d = day(Window.mpStart, Window.end) { observe(.housingStatus, d, 14 * 60, encounter: -1, 1) }
        if rng.chance(0.5), let d = day(Window.start, Window.mpStart - 1) { observe(.housingStatus, d, 14 * 60, encounter: -1, 1) }
    }

    /// Procedures from before the window (EHR history only).
    mutating func history() {
        if p.colectomy { perform(.totalColectomy, rng.int(Cal.day(2008, 1, 1)...Cal.day(2023, 12, 31))) }
        if p.mastectomy == .bilateralProcedure, let h = m.problems.first(where: { $0.dx == .breastCancerHistory }) {
            perform(.bilateralMastectomy, h.onset + 20)
        }
    }

    // MARK: Pharmacy

    mutating func prescribeAcute(_ d: Int, _ prescriber: Int) {
        let drug: Drug = rng.chance(0.6) ? .amoxicillin : .azithromycin
        let days = drug == .amoxicillin ? 10 : 5
        fill(drug, d, days: days, refills: 0, prescriber: prescriber, mail: false)
    }

    mutating func fill(_ drug: Drug, _ d: Int, days: Int, refills: Int, prescriber: Int, mail: Bool) {
        guard covered(d) else { return }
        let qty = drug.packageUnits.map { max(1, $0 * days / 30) } ?? drug.unitsPerDay * (drug == .azithromycin ? 6 / days : days)
        let pharmacy = mail ? Directory.mailPharmacy : (m.index &* 13 &+ (mail ? 1 : 0)) % 5
        let pharmacyRef = FacilityKind.pharmacy.rawValue * 100_000 + pharmacy % dir.facilities[FacilityKind.pharmacy.rawValue].count
        let allowed = drug.isAcute ? price(drug.costPer30Days, d, drug: true) : price(drug.costPer30Days * days / 30, d, drug: true)
        m.fills.append(Fill(drug: drug, day: d, daysSupply: days, quantity: qty, refills: refills, prescriber: prescriber,
                            pharmacy: pharmacyRef, inNetwork: !rng.chance(0.02), allowed: allowed))
    }

    /// Maintenance drugs by condition, filled every 30 or 90 days with adherence gaps.
    mutating func pharmacy() {
        var drugs: [Drug] = []
        func maybe(_ d: Drug, _ chance: Double) { if rng.chance(chance) { drugs.append(d) } }
        if p.dm {
            if p.dmType1 { drugs.append(.insulinGlargine) } else {
                maybe(.metformin, 0.8); maybe(.insulinGlargine, 0.25); maybe(.empagliflozin, 0.22); maybe(.semaglutide, 0.18)
            }
        }
        if p.htn {
            let before = drugs.count
            maybe(.lisinopril, 0.45); maybe(.amlodipine, 0.35); maybe(.losartan, 0.22); maybe(.hydrochlorothiazide, 0.18)
            if drugs.count == before && rng.chance(0.8) { drugs.append(.lisinopril) }
        }
        if p.lipid || p.cad || (p.dm && age(Window.end) >= 40) { maybe(.atorvastatin, 0.65) }
        if p.chf { maybe(.furosemide, 0.8); maybe(.carvedilol, 0.6); maybe(.sacubitrilValsartan, 0.3); if !p.dm { maybe(.empagliflozin, 0.2) } }
        if p.afib { maybe(.apixaban, 0.7) }
        if p.copd { maybe(.tiotropium, 0.45); maybe(.albuterol, 0.7) }
        if p.asthma { maybe(.albuterol, 0.85); maybe(.fluticasone, 0.4) }
        if p.depression { if rng.chance(0.55) { drugs.append(.sertraline) } else { maybe(.escitalopram, 0.8) } }
        if p.dementia { maybe(.donepezil, 0.55); maybe(.memantine, 0.25) }
        if p.autoimmune != nil { maybe(.adalimumab, 0.6) }
        if !p.dm && p.obese && age(Window.end) >= 18 { maybe(.semaglutide, 0.15) }
        let adherent = rng.chance(0.7)
        let mail = rng.chance(0.2)
        for drug in drugs {
            let condition = startDay(for: drug)
            var d = max(condition, Window.start) + rng.int(0...20)
            let days = drug == .adalimumab ? 28 : (mail || rng.chance(0.3)) && !drug.isBrand ? 90 : 30
            let prescriber = drug == .adalimumab ? usual(p.autoimmune == .psoriasis ? .dermatology : p.autoimmune == .crohns ? .gastroenterology : .orthopedics) : drug == .apixaban ? usual(.cardiology) : pcp(d)
            var n = 0
            while d <= Window.end {
                if !alive(d) { break }
                let fills = days == 90 ? 4 : 12
                fill(drug, d, days: days, refills: fills - 1 - n % fills, prescriber: prescriber, mail: mail && days == 90)
                n += 1
                d += days + (adherent ? rng.int(0...5) : rng.int(3...40))
            }
        }
    }

    /// When the condition that a drug treats began (the earliest matching problem).
    func startDay(for drug: Drug) -> Int {
        let dx: [DX]
        switch drug {
        case .metformin, .insulinGlargine, .empagliflozin, .semaglutide: dx = [.t2dm, .t2dmCKD, .t2dmHyperglycemia, .t1dm, .obesity, .chf, .chfSystolic, .chfDiastolic]
        case .lisinopril, .amlodipine, .losartan, .hydrochlorothiazide: dx = [.hypertension]
        case .atorvastatin: dx = [.hyperlipidemia, .cad, .t2dm, .t2dmCKD, .t2dmHyperglycemia, .t1dm]
        case .furosemide, .carvedilol, .sacubitrilValsartan: dx = [.chf, .chfSystolic, .chfDiastolic]
        case .apixaban: dx = [.afib]
        case .tiotropium, .albuterol, .fluticasone: dx = [.copd, .emphysema, .asthma]
        case .sertraline, .escitalopram: dx = [.depression, .depressionRecurrent]
        case .donepezil, .memantine: dx = [.alzheimers, .dementia]
        case .adalimumab: dx = [.rheumatoid, .psoriasis, .crohns]
        case .amoxicillin, .azithromycin: dx = []
        }
        return m.problems.filter { dx.contains($0.dx) }.map(\.onset).min() ?? Window.start
    }
}

extension Directory {
    /// The mail-order pharmacy (the last pharmacy).
    static let mailPharmacy = 5
}
