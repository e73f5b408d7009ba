/// A member's clinical profile: which conditions they have (at documented prevalence by age),
/// the special situations the measures exclude on, their screening history and their target
/// lab and vital values. Events are generated from it (Clinical.swift). Every rate here is
/// listed in docs/synth.md.

enum FrailtyForm: UInt8 { case diagnosis, homeHealth, device, symptom }
enum Mastectomy: UInt8 { case none, bilateralDiagnosis, bilateralProcedure, leftAndRight, leftOnly, unspecifiedRight }
enum Screening: UInt8 { case colonoscopy, fit, sdna, ctColonography, sigmoidoscopy }

struct Profile {
    var dm = false, dmType1 = false, htn = false, lipid = false, obese = false
    var ckd = 0                      // 0 none; 3, 4, 5; 6 = end-stage renal disease (dialysis)
    var esrd: Bool { ckd == 6 }
    var transplant = false
    var copd = false, emphysema = false, chf = false, cad = false, afib = false
    var depression = false, asthma = false, dementia = false
    var colonCancer = false, breastCancerActive = false, lungCancerActive = false
    var autoimmune: DX? = nil          // rheumatoid arthritis, psoriasis or Crohn's disease
    var frailty: [FrailtyForm] = []
    var nursingHome = false
    var palliative = false
    var delivery = -1                // day of delivery (may fall after the window)
    var mastectomy = Mastectomy.none
    var colectomy = false
    var mammograms: [Int] = []
    var crc: [(Screening, Int)] = []
    var a1cBase = 0                  // tenths of a percent
    var a1cTested = [true, true]     // 2024, 2025
    var a1cNoResult = false          // the last 2025 test has no result
    var bpSys = 118, bpDia = 74
    var noVisit = [false, false]
    var visitRate = 2.0
    var edRate = 0.3
    var ipRate = 0.03
    var deathInHospital = false
    var hospice: (Int, Int)? = nil
    var continuous = false
    var forcePlan: Int? = nil
    var scenario = false
    var emergencyOnly = false        // a scenario member with no ambulatory care at all

    var chronicCount: Int {
        [dm, htn, lipid, ckd > 0, copd, chf, cad, afib, depression, asthma, dementia, autoimmune != nil].filter { $0 }.count
    }
    var majorCount: Int { [chf, copd, ckd >= 4, dementia, breastCancerActive, lungCancerActive, colonCancer].filter { $0 }.count }
    var advancedIllness: Bool { chf || emphysema || ckd >= 5 || dementia }
}

enum ClinicalRates {
    /// Diabetes prevalence by age at 2025-12-31 (under 18: type 1 only).
    static func diabetes(_ a: Int) -> Double { a < 18 ? 0.003 : a < 45 ? 0.04 : a < 65 ? 0.14 : a < 75 ? 0.23 : 0.22 }
    static func hypertension(_ a: Int) -> Double { a < 18 ? 0 : a < 40 ? 0.08 : a < 60 ? 0.27 : a < 75 ? 0.48 : 0.58 }
    static func hyperlipidemia(_ a: Int) -> Double { a < 18 ? 0 : a < 40 ? 0.06 : a < 65 ? 0.28 : 0.48 }
    static func ckd(_ a: Int) -> Double { a < 18 ? 0 : a < 65 ? 0.02 : a < 75 ? 0.09 : 0.15 }
    static func copd(_ a: Int) -> Double { a < 40 ? 0 : a < 65 ? 0.04 : 0.10 }
    static func chf(_ a: Int) -> Double { a < 45 ? 0 : a < 65 ? 0.012 : a < 75 ? 0.045 : 0.10 }
    static func cad(_ a: Int) -> Double { a < 45 ? 0 : a < 65 ? 0.04 : a < 75 ? 0.11 : 0.17 }
    static func afib(_ a: Int) -> Double { a < 50 ? 0 : a < 65 ? 0.01 : a < 75 ? 0.05 : 0.10 }
    static func depression(_ a: Int) -> Double { a < 12 ? 0 : a < 65 ? 0.09 : 0.07 }
    static func asthma(_ a: Int) -> Double { a < 2 ? 0 : a < 18 ? 0.08 : 0.07 }
    static func dementia(_ a: Int) -> Double { a < 65 ? 0 : a < 75 ? 0.03 : a < 85 ? 0.10 : 0.25 }
    static func obesity(_ a: Int) -> Double { a < 18 ? 0.04 : 0.12 }  // coded obesity
    static func frailty(_ a: Int) -> Double { a < 50 ? 0 : a < 66 ? 0.01 : a < 75 ? 0.07 : a < 85 ? 0.16 : 0.33 }
    static func nursingHome(_ a: Int) -> Double { a < 66 ? 0 : a < 75 ? 0.015 : a < 85 ? 0.04 : 0.12 }
    /// Annual mortality by age.
    static func mortality(_ a: Int) -> Double { a < 1 ? 0.005 : a < 45 ? 0.001 : a < 65 ? 0.004 : a < 75 ? 0.015 : a < 85 ? 0.04 : 0.11 }
    /// Office visits per year (before chronic conditions add 0.8 each, up to 4).
    static func visits(_ a: Int, female: Bool) -> Double {
        a < 2 ? 6 : a < 18 ? 2.0 : a < 45 ? (female ? 2.8 : 1.8) : a < 65 ? 3.0 : 4.5
    }
    /// Chance of no office visit at all in a year (halved with any chronic condition).
    static func noVisit(_ a: Int) -> Double { a < 18 ? 0.10 : a < 45 ? 0.25 : a < 65 ? 0.15 : 0.07 }
    /// Treat-and-release emergency visits per year.
    static func ed(_ a: Int) -> Double { a < 18 ? 0.28 : a < 65 ? 0.25 : a < 75 ? 0.36 : 0.52 }
    /// Acute inpatient admissions per year (deliveries and readmissions come on top).
    static func inpatient(_ a: Int) -> Double { a < 18 ? 0.01 : a < 45 ? 0.022 : a < 65 ? 0.045 : a < 75 ? 0.14 : a < 85 ? 0.22 : 0.30 }
}

extension MemberGenerator {
    /// A day for the onset of a condition: most are prevalent (before 2024), some new in the
    /// window (`incident`).
    func onset(_ m: Member, adult: Bool, incident: Double = 0.12, _ rng: inout Xoshiro256) -> Int {
        let earliest = max(adult ? Cal.addYears(m.birth, 18) : m.birth + 180, Cal.day(2003, 1, 1))
        let cut = Window.start - 1
        if earliest > cut || rng.chance(incident) {
            let lo = max(earliest, Window.start, m.birth + 30)
            return lo >= Window.end ? Window.end : rng.int(lo...Window.end)
        }
        return rng.int(earliest...cut)
    }

    func profile(_ m: inout Member, _ rng: inout Xoshiro256) -> Profile {
        var p = Profile()
        let a = m.age(on: Window.mpEnd)
        let female = m.sex == .female
        func add(_ dx: DX, _ day: Int, abated: Int = -1, site: UInt8 = 0) {
            m.problems.append(ProblemCondition(dx: dx, onset: day, abated: abated, bodySite: site))
        }

        p.obese = rng.chance(ClinicalRates.obesity(a))
        p.dm = rng.chance(ClinicalRates.diabetes(a) * (p.obese ? 1.6 : 0.92))
        p.dmType1 = p.dm && (a < 18 || rng.chance(0.06))
        p.htn = rng.chance(min(0.85, ClinicalRates.hypertension(a) * (p.dm ? 1.4 : 1)))
        p.lipid = rng.chance(min(0.8, ClinicalRates.hyperlipidemia(a) * (p.dm ? 1.5 : 1)))
        if rng.chance(min(0.6, ClinicalRates.ckd(a) * (p.dm ? 2 : 1) * (p.htn ? 1.5 : 1))) {
            p.ckd = [3, 4, 5, 6][rng.weighted([0.80, 0.12, 0.03, 0.05])]
        }
        p.transplant = p.ckd >= 4 && rng.chance(0.08)
        p.copd = rng.chance(ClinicalRates.copd(a))
        p.emphysema = p.copd && rng.chance(0.25)
        p.cad = rng.chance(ClinicalRates.cad(a))
        p.chf = rng.chance(min(0.5, ClinicalRates.chf(a) * (p.cad ? 2 : 1) * (p.htn ? 1.3 : 1)))
        p.afib = rng.chance(ClinicalRates.afib(a))
        p.depression = rng.chance(ClinicalRates.depression(a) * (female ? 1.3 : 0.7))
        p.asthma = rng.chance(ClinicalRates.asthma(a))
        p.dementia = rng.chance(ClinicalRates.dementia(a))
        // Autoimmune disease (1.5 % of adults): rheumatoid arthritis, psoriasis, Crohn's disease.
        if a >= 18 && rng.chance(0.015) { p.autoimmune = [DX.rheumatoid, .psoriasis, .crohns][rng.weighted([0.5, 0.3, 0.2])] }
        p.colonCancer = a >= 46 && rng.chance(a >= 65 ? 0.006 : 0.003)
        p.colectomy = a >= 46 && rng.chance(0.001)
        p.breastCancerActive = female && a >= 40 && rng.chance(0.004)
        p.lungCancerActive = a >= 55 && rng.chance(p.copd ? 0.008 : 0.002)

        if p.dm {
            let code: DX = p.dmType1 ? .t1dm : p.ckd > 0 && rng.chance(0.5) ? .t2dmCKD : rng.chance(0.22) ? .t2dmHyperglycemia : .t2dm
            add(code, onset(m, adult: !p.dmType1, &rng))
        }
        if p.htn { add(.hypertension, onset(m, adult: true, &rng)) }
        if p.lipid { add(.hyperlipidemia, onset(m, adult: true, &rng)) }
        if p.obese { add(.obesity, onset(m, adult: false, incident: 0.2, &rng)) }
        if p.ckd > 0 {
            add([.ckd3, .ckd4, .ckd5, .esrd][p.ckd - 3], onset(m, adult: true, &rng))
            if p.esrd { add(.dialysisStatus, onset(m, adult: true, &rng)) }
        }
        if p.transplant { add(.kidneyTransplantStatus, onset(m, adult: true, &rng)) }
        if p.copd { add(p.emphysema ? .emphysema : .copd, onset(m, adult: true, &rng)) }
        if p.chf { add([DX.chf, .chfSystolic, .chfDiastolic][rng.below(3)], onset(m, adult: true, &rng)) }
        if p.cad { add(.cad, onset(m, adult: true, &rng)) }
        if p.afib { add(.afib, onset(m, adult: true, &rng)) }
        if p.depression {
            let start = onset(m, adult: false, incident: 0.2, &rng)
            // About 15 % of episodes resolved (abated) before the end of the window.
            let end = start + rng.int(120...400)
            add(rng.chance(0.3) ? .depressionRecurrent : .depression, start, abated: rng.chance(0.15) && end < Window.end ? end : -1)
        }
        if p.asthma { add(.asthma, onset(m, adult: false, &rng)) }
        if p.dementia { add(rng.chance(0.5) ? .alzheimers : .dementia, onset(m, adult: true, incident: 0.2, &rng)) }
        if let d = p.autoimmune { add(d, onset(m, adult: true, &rng)) }
        if p.colonCancer { add(.colonCancer, onset(m, adult: true, incident: 0.15, &rng)) }
        if p.breastCancerActive { add(.breastCancer, onset(m, adult: true, incident: 0.5, &rng)) }
        if p.lungCancerActive { add(.lungCancer, onset(m, adult: true, incident: 0.6, &rng)) }

        // Breast cancer history and mastectomy (women 40+): 2 % have a history; of those a
        // quarter bilateral (half coded as diagnosis, half as procedure), 8 % right and left
        // unilateral, 30 % one side only (which does not exclude).
        if female && a >= 40 && rng.chance(0.02) {
            let when = rng.int(Cal.day(2005, 1, 1)...Cal.day(2023, 12, 31))
            add(.breastCancerHistory, when)
            switch rng.weighted([0.125, 0.125, 0.08, 0.2, 0.1, 0.37]) {
            case 0: p.mastectomy = .bilateralDiagnosis; add(.bilateralMastectomyStatus, when + 30)
            case 1: p.mastectomy = .bilateralProcedure
            case 2: p.mastectomy = .leftAndRight; add(.rightMastectomyStatus, when + 30); add(.leftMastectomyStatus, when + 400)
            case 3: p.mastectomy = .leftOnly; add(.leftMastectomyStatus, when + 30)
            case 4: p.mastectomy = .unspecifiedRight; add(.unspecifiedMastectomyStatus, when + 30, site: 2)
            default: break
            }
        }

        // Pregnancy: women 18-44, 4.5 % a year, delivering between March 2024 and March 2026.
        if female && a >= 18 && a <= 45 && rng.chance(0.09) {
            p.delivery = rng.int(Cal.day(2024, 3, 1)...Cal.day(2026, 3, 31))
            let start = p.delivery - 266
            add(.pregnancySupervision, start, abated: p.delivery <= Window.end ? p.delivery : -1)
        }

        // Frailty (diagnosis on claims, home health nursing visits, a walker or wheelchair, or a
        // frailty symptom), mostly in the old.
        if rng.chance(ClinicalRates.frailty(a) * (p.dementia ? 1.8 : 1)) {
            var forms: [FrailtyForm] = [[.diagnosis, .homeHealth, .device, .symptom][rng.weighted([0.55, 0.2, 0.15, 0.1])]]
            if rng.chance(0.3) { forms.append(.diagnosis) }
            p.frailty = forms
            if forms.contains(.diagnosis) {
                add([DX.reducedMobility, .muscleWeakness, .oxygenDependence, .bedConfinement, .fall][rng.weighted([0.35, 0.3, 0.15, 0.05, 0.15])],
                    rng.int(Window.start...Window.end))
            }
        }
        p.nursingHome = rng.chance(ClinicalRates.nursingHome(a) * (p.dementia ? 3 : 1))
        p.palliative = a >= 18 && rng.chance(a >= 65 ? (p.advancedIllness ? 0.04 : 0.006) : 0.0008)

        // Screening history.
        screeningHistory(&p, m, a, &rng)

        // Glycemic status: baseline HbA1c for people with diabetes; 86 % tested each year, and
        // 1.5 % of those tested in 2025 have a last test without a result.
        if p.dm {
            switch rng.weighted([0.60, 0.24, 0.16]) {
            case 0: p.a1cBase = rng.int(60...79)
            case 1: p.a1cBase = rng.int(80...90)
            default: p.a1cBase = rng.int(91...125)
            }
            p.a1cTested = [rng.chance(0.84), rng.chance(0.86)]
            p.a1cNoResult = p.a1cTested[1] && rng.chance(0.015)
        } else {
            p.a1cBase = rng.int(48...61)
        }
        // Blood pressure: 66 % of people with hypertension are controlled on average; readings
        // vary around these means (see Clinical.swift).
        if p.htn {
            if rng.chance(0.66) {
                p.bpSys = Int(rng.normal(125, 5)); p.bpDia = Int(rng.normal(77, 4))
            } else if rng.chance(0.8) {
                p.bpSys = Int(rng.normal(149, 6)); p.bpDia = Int(rng.normal(90, 5))
            } else {
                p.bpSys = Int(rng.normal(134, 4)); p.bpDia = Int(rng.normal(94, 3))
            }
        } else {
            p.bpSys = Int(rng.normal(117, 7)); p.bpDia = Int(rng.normal(74, 5))
        }

        // Utilization.
        let chronic = p.chronicCount
        p.visitRate = ClinicalRates.visits(a, female: female) + 0.8 * Double(min(chronic, 5))
        let nv = ClinicalRates.noVisit(a) * (chronic > 0 ? 0.5 : 1)
        p.noVisit = [rng.chance(nv), rng.chance(nv)]
        p.edRate = ClinicalRates.ed(a) + 0.08 * Double(chronic)
        p.ipRate = ClinicalRates.inpatient(a) + 0.07 * Double(p.majorCount)
        return p
    }

    /// Mammograms (women) and colorectal cancer screening (46+), as dates.
    func screeningHistory(_ p: inout Profile, _ m: Member, _ a: Int, _ rng: inout Xoshiro256) {
        let windowStart = Cal.day(2023, 10, 1)
        if m.sex == .female && a >= 40 {
            // Screened in the 27-month window: 45 % at 40-49, 72 % at 50-74, 35 % at 75+.
            let rate = a < 50 ? 0.45 : a < 75 ? 0.72 : 0.35
            if rng.chance(rate) {
                // The latest in 2024-2025 (85 %) or October-December 2023.
                let latest = rng.chance(0.85) ? rng.int(Window.start...Window.end) : rng.int(windowStart...(Window.start - 1))
                p.mammograms.append(latest)
                if rng.chance(0.5) { p.mammograms.append(latest - rng.int(330...760)) }
            } else if rng.chance(0.35) {
                // Lapsed: last mammogram before the window.
                p.mammograms.append(rng.int(Cal.day(2021, 1, 1)...(windowStart - 1)))
            }
        }
        if a >= 46 {
            // Up to date: 35 % at 46-49, 68 % at 50-75, 50 % older.
            let rate = a < 50 ? 0.35 : a <= 75 ? 0.68 : 0.50
            let decadeAgo = Cal.day(2016, 1, 1)
            if rng.chance(rate) {
                switch rng.weighted([0.68, 0.18, 0.10, 0.02, 0.02]) {
                case 0: p.crc.append((.colonoscopy, rng.int(max(decadeAgo, Cal.addYears(m.birth, 45))...Window.end)))
                case 1: p.crc.append((.fit, rng.int(Window.mpStart...Window.end)))
                case 2: p.crc.append((.sdna, rng.int(Cal.day(2023, 1, 1)...Window.end)))
                case 3: p.crc.append((.ctColonography, rng.int(Cal.day(2021, 1, 1)...Window.end)))
                default: p.crc.append((.sigmoidoscopy, rng.int(Cal.day(2021, 1, 1)...Window.end)))
                }
            } else if rng.chance(0.25) {
                // Out of date: an old colonoscopy, or a FIT in 2024 only.
                if rng.chance(0.6) && a >= 56 {
                    p.crc.append((.colonoscopy, rng.int(Cal.day(2010, 1, 1)...Cal.day(2015, 12, 31))))
                } else {
                    p.crc.append((.fit, rng.int(Window.start...(Window.mpStart - 1))))
                }
            }
        }
    }

    /// Death in 2024 or 2025, hospice before some deaths, and long hospice stays.
    func lifeEvents(_ m: inout Member, _ p: inout Profile, _ rng: inout Xoshiro256) {
        var multiplier = 1.0
        if p.chf || p.dementia || p.esrd || p.breastCancerActive || p.lungCancerActive { multiplier *= 2 }
        if p.nursingHome { multiplier *= 1.5 }
        for year in Window.years {
            let a = Cal.age(birth: m.birth, on: Cal.day(year, 12, 31))
            let lo = max(Cal.day(year, 1, 1), m.birth + 1)
            if a < 0 || lo > Cal.day(year, 12, 31) { continue }
            if rng.chance(ClinicalRates.mortality(a) * multiplier) {
                m.death = rng.int(lo...Cal.day(year, 12, 31))
                break
            }
        }
        let a = m.age(on: Window.mpEnd)
        if m.death >= 0 {
            // Half of deaths at 65+ (a fifth under 65) come after hospice; a fifth die in hospital.
            if rng.chance(a >= 65 ? 0.5 : 0.2) {
                let start = max(m.death - rng.int(3...90), Window.start)
                p.hospice = (start, m.death)
            } else if rng.chance(a >= 75 ? 0.35 : 0.2) {
                p.deathInHospital = true
            }
        } else if a >= 75 && rng.chance(0.004) {
            // Alive after a long hospice stay (discharged alive).
            let start = rng.int(Window.start...(Window.end - 200))
            p.hospice = (start, start + rng.int(60...180))
        }
    }
}
