/// Fixed members at the start of every panel (members 1-18), so that even a small panel has
/// members in and out of each population of CMS125, CMS130, CMS122 and CMS165 for 2025: in the
/// initial population or not, excluded or not, in the numerator or not. The rest of the panel
/// reaches every branch at the documented rates. docs/synth.md lists each scenario.
enum Scenarios {
    static let count = 18

    static let descriptions: [String] = [
        "woman 60: mammogram 2025, colonoscopy 2020, diabetes with HbA1c 6.5, controlled hypertension (numerators of CMS125, CMS130, CMS165; not CMS122)",
        "woman 58: no mammogram, no colorectal screening, HbA1c 11.5, uncontrolled hypertension (denominators only; CMS122 numerator)",
        "woman 70: hospice during 2025, diabetes and hypertension (excluded from all four)",
        "woman 64: bilateral mastectomy, colon cancer, end-stage renal disease on dialysis, diabetes with no HbA1c in 2025 (excluded from CMS125, CMS130, CMS165; CMS122 numerator)",
        "man 50: diabetes and hypertension, no office visit in 2024 or 2025, emergency visits only (not in any initial population)",
        "man 72: frailty diagnosis and heart failure in 2025, diabetes and hypertension (advanced illness and frailty: excluded from CMS130, CMS122, CMS165)",
        "man 83: frailty diagnosis, no advanced illness, hypertension (CMS165 exclusion for 81 and older with frailty)",
        "woman 68: long-term nursing home resident, diabetes and hypertension (excluded from all four)",
        "woman 30: pregnant in 2025 with hypertension (CMS165 exclusion)",
        "man 72: palliative care in 2025, diabetes and hypertension (excluded from CMS130, CMS122, CMS165)",
        "woman 55: last mammogram August 2023 (outside the window), FIT in 2025 (CMS125 denominator only; CMS130 numerator)",
        "man 47: diabetes, last 2025 HbA1c without a result, sDNA-FIT in 2024 (CMS122 numerator by a missing result; CMS130 numerator)",
        "man 40: hypertension first diagnosed September 2025 (not in the CMS165 initial population)",
        "girl 10 (in no measure)",
        "woman 74: HbA1c 7.5, colonoscopy 2014 (too old), mammogram 2024 (CMS122 not numerator; CMS130 denominator only; CMS125 numerator)",
        "man 67: controlled hypertension in the office, high readings in the emergency department (CMS165 numerator)",
        "woman 69: right and left unilateral mastectomies (CMS125 exclusion)",
        "man 60: total colectomy, hypertension with a kidney transplant (CMS130 and CMS165 exclusions)",
    ]

    static func apply(_ index: Int, _ m: inout Member, _ p: inout Profile, _ g: MemberGenerator, _ rng: inout Xoshiro256) {
        var q = Profile()
        q.scenario = true
        q.continuous = true
        q.visitRate = 4
        q.edRate = 0.2
        q.ipRate = 0
        q.bpSys = 112; q.bpDia = 70
        q.a1cBase = 54
        m.death = -1
        m.problems = []
        func person(_ sex: Sex, _ age: Int) {
            m.sex = sex
            m.birth = Cal.day(2025 - age, 6, 15)
            m.first = m.first % 40
        }
        func dx(_ code: DX, _ y: Int, _ mo: Int, _ d: Int, site: UInt8 = 0) {
            m.problems.append(ProblemCondition(dx: code, onset: Cal.day(y, mo, d), bodySite: site))
        }
        func diabetes(_ a1c: Int) { q.dm = true; q.a1cBase = a1c; dx(.t2dm, 2015, 3, 2) }
        func hypertension(controlled: Bool) {
            q.htn = true
            dx(.hypertension, 2018, 5, 20)
            if controlled { q.bpSys = 112; q.bpDia = 70 } else { q.bpSys = 165; q.bpDia = 100 }
        }
        switch index {
        case 0:
            person(.female, 60); diabetes(65); hypertension(controlled: true)
            q.mammograms = [Cal.day(2025, 4, 14)]; q.crc = [(.colonoscopy, Cal.day(2020, 9, 8))]
        case 1:
            person(.female, 58); diabetes(115); hypertension(controlled: false)
        case 2:
            person(.female, 70); diabetes(70); hypertension(controlled: true)
            q.hospice = (Cal.day(2025, 3, 3), Cal.day(2025, 12, 31)); q.forcePlan = Directory.medicareHMO
            q.mammograms = [Cal.day(2024, 11, 5)]
        case 3:
            person(.female, 64); diabetes(72); hypertension(controlled: true)
            q.a1cTested = [true, false]
            q.mastectomy = .bilateralDiagnosis; dx(.breastCancerHistory, 2012, 2, 1); dx(.bilateralMastectomyStatus, 2012, 3, 1)
            q.colonCancer = true; dx(.colonCancer, 2019, 7, 1)
            q.ckd = 6; dx(.esrd, 2021, 1, 10); dx(.dialysisStatus, 2021, 2, 1); q.forcePlan = Directory.medicarePPO
        case 4:
            person(.male, 50); diabetes(80); hypertension(controlled: false)
            q.noVisit = [true, true]; q.edRate = 1.5; q.emergencyOnly = true
        case 5:
            person(.male, 72); diabetes(75); hypertension(controlled: true)
            q.chf = true; dx(.chf, 2025, 2, 11)
            q.frailty = [.diagnosis]; dx(.muscleWeakness, 2025, 1, 20); q.forcePlan = Directory.medicareHMO
        case 6:
            person(.male, 83); hypertension(controlled: true)
            q.frailty = [.diagnosis]; dx(.reducedMobility, 2024, 10, 2); q.forcePlan = Directory.medicareHMO
        case 7:
            person(.female, 68); diabetes(70); hypertension(controlled: true)
            q.nursingHome = true; q.forcePlan = Directory.dualSNP
        case 8:
            person(.female, 30); hypertension(controlled: true)
            q.delivery = Cal.day(2025, 9, 20)
            m.problems.append(ProblemCondition(dx: .pregnancySupervision, onset: q.delivery - 266, abated: q.delivery))
        case 9:
            person(.male, 72); diabetes(68); hypertension(controlled: true)
            q.palliative = true; q.forcePlan = Directory.medicarePPO
        case 10:
            person(.female, 55)
            q.mammograms = [Cal.day(2023, 8, 15)]; q.crc = [(.fit, Cal.day(2025, 5, 6))]
        case 11:
            person(.male, 47); diabetes(78)
            q.a1cNoResult = true; q.crc = [(.sdna, Cal.day(2024, 6, 3))]
        case 12:
            person(.male, 40); q.htn = true; dx(.hypertension, 2025, 9, 10)
        case 13:
            person(.female, 10); q.visitRate = 2
        case 14:
            person(.female, 74); diabetes(75)
            q.crc = [(.colonoscopy, Cal.day(2014, 5, 5))]; q.mammograms = [Cal.day(2024, 2, 27)]; q.forcePlan = Directory.medicareHMO
        case 15:
            person(.male, 67); hypertension(controlled: true); q.edRate = 2; q.forcePlan = Directory.medicarePPO
        case 16:
            person(.female, 69)
            q.mastectomy = .leftAndRight; dx(.breastCancerHistory, 2010, 1, 5)
            dx(.rightMastectomyStatus, 2010, 3, 1); dx(.leftMastectomyStatus, 2016, 4, 1); q.forcePlan = Directory.medicareHMO
        default:
            person(.male, 60); hypertension(controlled: true)
            q.colectomy = true
            q.transplant = true; dx(.kidneyTransplantStatus, 2016, 8, 1)
        }
        if q.forcePlan == nil { q.forcePlan = m.age(on: Window.mpEnd) >= 65 ? Directory.medicareHMO : Directory.commercialPPO }
        p = q
    }
}
