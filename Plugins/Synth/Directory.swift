/// Providers, practices, facilities and plans of a run. Built once from the member count and the
/// seed; members refer to its entries by index.

enum Specialty: Int, CaseIterable {
    case primaryCare, cardiology, endocrinology, nephrology, pulmonology, gastroenterology
    case radiology, emergency, hospitalist, psychology, oncology, orthopedics, obstetrics, palliative
    case dermatology, ophthalmology, generalSurgery

    var name: String {
        switch self {
        case .primaryCare: return "family medicine"
        case .cardiology: return "cardiology"
        case .endocrinology: return "endocrinology"
        case .nephrology: return "nephrology"
        case .pulmonology: return "pulmonology"
        case .gastroenterology: return "gastroenterology"
        case .radiology: return "radiology"
        case .emergency: return "emergency medicine"
        case .hospitalist: return "hospitalist"
        case .psychology: return "psychology"
        case .oncology: return "medical oncology"
        case .orthopedics: return "orthopedic surgery"
        case .obstetrics: return "obstetrics and gynecology"
        case .palliative: return "hospice and palliative medicine"
        case .dermatology: return "dermatology"
        case .ophthalmology: return "ophthalmology"
        case .generalSurgery: return "general surgery"
        }
    }
}

enum FacilityKind: Int, CaseIterable {
    case hospital, surgeryCenter, laboratory, imaging, snf, homeHealth, hospice, dialysis, pharmacy, dme

    var label: String {
        switch self {
        case .hospital: return "Hospital"
        case .surgeryCenter: return "Surgery Center"
        case .laboratory: return "Laboratory"
        case .imaging: return "Imaging"
        case .snf: return "Skilled Nursing"
        case .homeHealth: return "Home Health"
        case .hospice: return "Hospice"
        case .dialysis: return "Dialysis"
        case .pharmacy: return "Pharmacy"
        case .dme: return "Medical Supply"
        }
    }
}

struct Provider {
    var npi: String
    var first: String
    var last: String
    var specialty: Specialty
    var practice: Int        // index into practices, -1 for specialists outside the ACO
    var tin: String
    var inNetwork: Bool
    var name: String { "\(first) \(last) MD" }
}

struct Practice {
    var id: String
    var name: String
    var tin: String
    var organization: String
}

struct Facility {
    var npi: String
    var name: String
    var kind: FacilityKind
    var tin: String
    var inNetwork: Bool
}

struct Plan {
    var payer: String
    var type: PayerType
    var plan: String
    var sopt: String
    var soptDisplay: String
    var memberPrefix: String
    /// Allowed-amount factors relative to the base prices in Codes.swift (percent): professional, facility, drugs.
    var professionalFactor: Int
    var facilityFactor: Int
    var drugFactor: Int

    /// A row of `Directory.plans`, in its column order.
    init(_ payer: String, _ type: PayerType, _ plan: String, _ sopt: String, _ soptDisplay: String, _ memberPrefix: String,
         _ professionalFactor: Int, _ facilityFactor: Int, _ drugFactor: Int) {
        self.payer = payer; self.type = type; self.plan = plan; self.sopt = sopt; self.soptDisplay = soptDisplay
        self.memberPrefix = memberPrefix
        self.professionalFactor = professionalFactor; self.facilityFactor = facilityFactor; self.drugFactor = drugFactor
    }
}

final class Directory: @unchecked Sendable {
    let pcps: [Provider]
    let practices: [Practice]
    let specialists: [[Provider]]    // by Specialty raw value (primaryCare empty)
    let facilities: [[Facility]]     // by FacilityKind raw value
    let plans: [Plan]

    /// Plan indices.
    static let commercialPPO = 0, commercialHMO = 1, commercialEPO = 2
    static let medicareHMO = 3, medicarePPO = 4, medicaid = 5, dualSNP = 6

    static let groups: [(String, String)] = [
        ("G1001", "Riverside Manufacturing"), ("G1002", "Summit County Schools"),
        ("G1003", "Metro Transit Authority"), ("G1004", "Northfield Credit Union"),
        ("G1005", "Buckeye Logistics"), ("G1006", "City of Lakewood"),
        ("G1007", "Harmon Retail Group"), ("G1008", "Valley Engineering, Inc."),
    ]

    init(members: Int, seed: UInt64) {
        var rng = Xoshiro256(seed: seed, stream: 0xD1EC_7084)
        // One row per plan, in plan-index order; SOPT: the source of payment typology code; IDs: the
        // member ID prefix; allowed-amount factors in percent (professional, facility, drugs).
        plans = [
            //   payer                         type         plan                      SOPT   SOPT display                                IDs    prof% fac% drug%
            Plan("Buckeye Health Plan",        .commercial, "Buckeye PPO",            "512", "Commercial Managed Care - PPO",            "BHP", 135,  165, 100),
            Plan("Buckeye Health Plan",        .commercial, "Buckeye HMO",            "511", "Commercial Managed Care - HMO",            "BHH", 125,  150, 95),
            Plan("Lakeshore Insurance",        .commercial, "Lakeshore EPO",          "514", "Exclusive Provider Organization",          "LSE", 140,  170, 100),
            Plan("Buckeye Medicare Advantage", .medicare,   "Buckeye MA HMO",         "111", "Medicare HMO",                             "BMA", 88,   88,  90),
            Plan("Lakeshore Medicare",         .medicare,   "Lakeshore MA PPO",       "112", "Medicare PPO",                             "LSM", 90,   90,  92),
            Plan("Heartland Community Care",   .medicaid,   "Heartland Medicaid HMO", "211", "Medicaid HMO",                             "HCC", 70,   75,  80),
            Plan("Buckeye Medicare Advantage", .medicare,   "Buckeye Dual Complete",  "141", "Dual Eligible Special Needs Plan (D-SNP)", "BMD", 88,   88,  90),
        ]

        // About one primary care provider per 200 members, in practices of 3 to 8.
        let pcpCount = max(1, (members + 199) / 200)
        var pcps: [Provider] = []
        var practices: [Practice] = []
        let organizations = ["Riverbend ACO", "Lakeside Health Partners", "Tri-County Physician Network"]
        var serial = 0
        while pcps.count < pcpCount {
            let size = min(rng.int(3...8), pcpCount - pcps.count)
            let p = practices.count
            let city = Names.cities[p % Names.cities.count].city
            let practiceName = "\(city) \(Names.practiceWords[rng.below(Names.practiceWords.count)]) \(p + 1)"
            let tin = Directory.tin(7_000_000 + p)
            practices.append(Practice(id: "PRAC" + Directory.pad(p + 1, 5), name: practiceName, tin: tin,
                                      organization: organizations[(p / 4) % organizations.count]))
            for _ in 0..<size {
                serial += 1
                pcps.append(Provider(npi: Directory.npi(120_000_000 + serial * 7), first: rng.pick(Names.providerFirst),
                                     last: rng.pick(Names.last), specialty: .primaryCare, practice: p, tin: tin, inNetwork: true))
            }
        }
        self.pcps = pcps
        self.practices = practices

        // Specialists: about one per 1,500 members per specialty (at least three); a fifth of them
        // are out of network.
        let perSpecialty = max(3, members / 1500)
        var specialists: [[Provider]] = [[]]
        for sp in Specialty.allCases.dropFirst() {
            var list: [Provider] = []
            for k in 0..<perSpecialty {
                serial += 1
                list.append(Provider(npi: Directory.npi(120_000_000 + serial * 7), first: rng.pick(Names.providerFirst),
                                     last: rng.pick(Names.last), specialty: sp, practice: -1,
                                     tin: Directory.tin(7_500_000 + sp.rawValue * 1000 + k % 1000), inNetwork: k % 5 != 4))
            }
            specialists.append(list)
        }
        self.specialists = specialists

        // Facilities scale with the panel: one hospital per 25,000 members (at least four; the
        // fourth of each four is out of network), and so on.
        let scale = max(1, members / 25_000)
        var facilities: [[Facility]] = []
        var fserial = 0
        for kind in FacilityKind.allCases {
            let n: Int
            switch kind {
            case .hospital: n = 4 * scale
            case .pharmacy: n = 6 * scale
            case .surgeryCenter, .laboratory, .imaging, .homeHealth, .hospice, .dialysis: n = 2 * scale
            case .snf: n = 3 * scale
            case .dme: n = scale
            }
            var list: [Facility] = []
            for k in 0..<n {
                fserial += 1
                let city = Names.cities[(k * 3 + kind.rawValue) % Names.cities.count].city
                let name = kind == .hospital
                    ? "\(city) \(["General Hospital", "Medical Center", "Memorial Hospital", "Regional Hospital"][k % 4])"
                    : "\(city) \(kind.label)\(n > 1 ? " \(k + 1)" : "")"
                let outOfNetwork = (kind == .hospital && k % 4 == 3) || (kind != .hospital && kind != .pharmacy && k % 6 == 5)
                list.append(Facility(npi: Directory.npi(180_000_000 + fserial * 11), name: name, kind: kind,
                                     tin: Directory.tin(8_000_000 + fserial), inNetwork: !outOfNetwork))
            }
            facilities.append(list)
        }
        self.facilities = facilities
    }

    /// A ten-digit NPI: the nine-digit base and its Luhn check digit (with the 80840 prefix).
    static func npi(_ base: Int) -> String {
        var digits: [Int] = []
        var x = base
        for _ in 0..<9 { digits.append(x % 10); x /= 10 }   // rightmost first
        var sum = 24
        for (i, d) in digits.enumerated() {
            if i % 2 == 0 { let dd = d * 2; sum += dd / 10 + dd % 10 } else { sum += d }
        }
        let check = (10 - sum % 10) % 10
        return String(base) + String(check)
    }

    static func tin(_ n: Int) -> String { "8" + pad(n % 100_000_000, 8) }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    func specialist(_ sp: Specialty, _ rng: inout Xoshiro256) -> Int {
        rng.below(specialists[sp.rawValue].count)
    }

    func facility(_ kind: FacilityKind, _ rng: inout Xoshiro256) -> Int {
        rng.below(facilities[kind.rawValue].count)
    }
}

/// Provider reference: PCPs are `0..<pcps.count`; a specialist is encoded as
/// `pcps.count + specialty * stride + index`.
extension Directory {
    var specialistStride: Int { specialists[1].count }

    func ref(_ sp: Specialty, _ index: Int) -> Int { pcps.count + sp.rawValue * specialistStride + index }

    func provider(_ ref: Int) -> Provider {
        if ref < pcps.count { return pcps[ref] }
        let r = ref - pcps.count
        return specialists[r / specialistStride][r % specialistStride]
    }

    func randomSpecialist(_ sp: Specialty, _ rng: inout Xoshiro256) -> Int { ref(sp, rng.below(specialistStride)) }

    /// Facility reference: `kind * 100_000 + index`.
    func fac(_ kind: FacilityKind, _ rng: inout Xoshiro256, inNetworkOnly: Bool = false) -> Int {
        let list = facilities[kind.rawValue]
        var i = rng.below(list.count)
        if inNetworkOnly && !list[i].inNetwork { i = (i + 1) % list.count }
        return kind.rawValue * 100_000 + i
    }

    func facility(_ ref: Int) -> Facility { facilities[ref / 100_000][ref % 100_000] }
}

/// Names and places (fictional people; real Ohio cities with their county and ZIP code).
enum Names {
    static let femaleFirst = ["Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
                              "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
                              "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Amy",
                              "Maria", "Sofia", "Aaliyah", "Mei", "Priya", "Olivia", "Emma", "Ava", "Isabella", "Harper"]
    static let maleFirst = ["James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Christopher",
                            "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Andrew", "Paul", "Joshua",
                            "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason", "Edward", "Jeffrey", "Ryan",
                            "Jose", "Luis", "DeShawn", "Wei", "Arjun", "Liam", "Noah", "Elijah", "Mateo", "Lucas"]
    static let last = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
                       "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
                       "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
                       "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
                       "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
                       "Patel", "Kim", "Chen", "O'Brien", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson"]
    static let providerFirst = ["Dana", "Alex", "Jordan", "Morgan", "Taylor", "Casey", "Jamie", "Robin", "Avery", "Quinn",
                                "Priya", "Samuel", "Grace", "Omar", "Elena", "Victor", "Hannah", "Raj", "Nora", "Felix"]
    static let middleInitials = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "W"]
    static let streets = ["Maple St", "Oak Ave", "High St", "Main St", "Elm St", "Park Ave", "Walnut St", "Cedar Ln",
                          "Lincoln Ave", "Washington St", "Church St", "Spring St", "Broad St", "Sycamore Dr", "Hillcrest Rd",
                          "Lakeview Dr", "Riverside Dr", "Chestnut St", "Jefferson Ave", "Cherry St"]
    static let practiceWords = ["Family Medicine", "Primary Care", "Internal Medicine", "Community Health", "Medical Group"]
    static let cities: [(city: String, state: String, zip: String, county: String, lat: String, lon: String, area: String)] = [
        ("Columbus", "OH", "43215", "Franklin", "39.9612", "-82.9988", "614"),
        ("Dayton", "OH", "45402", "Montgomery", "39.7589", "-84.1916", "937"),
        ("Cincinnati", "OH", "45202", "Hamilton", "39.1031", "-84.5120", "513"),
        ("Cleveland", "OH", "44113", "Cuyahoga", "41.4993", "-81.6944", "216"),
        ("Toledo", "OH", "43604", "Lucas", "41.6528", "-83.5379", "419"),
        ("Akron", "OH", "44308", "Summit", "41.0814", "-81.5190", "330"),
        ("Springfield", "OH", "45502", "Clark", "39.9242", "-83.8088", "937"),
        ("Lancaster", "OH", "43130", "Fairfield", "39.7137", "-82.5993", "740"),
        ("Newark", "OH", "43055", "Licking", "40.0581", "-82.4013", "740"),
        ("Delaware", "OH", "43015", "Delaware", "40.2987", "-83.0680", "740"),
        ("Marion", "OH", "43302", "Marion", "40.5887", "-83.1285", "740"),
        ("Chillicothe", "OH", "45601", "Ross", "39.3331", "-82.9824", "740"),
    ]
    /// OMB race categories: (Tuva text, OMB code, weight).
    static let races: [(text: String, code: String, display: String, weight: Double)] = [
        ("white", "2106-3", "White", 0.60),
        ("black or african american", "2054-5", "Black or African American", 0.13),
        ("asian", "2028-9", "Asian", 0.06),
        ("american indian or alaska native", "1002-5", "American Indian or Alaska Native", 0.01),
        ("native hawaiian or other pacific islander", "2076-8", "Native Hawaiian or Other Pacific Islander", 0.005),
        ("other race", "2131-1", "Other Race", 0.075),
        ("unknown", "", "", 0.12),
    ]
    static let ethnicities: [(text: String, code: String, display: String, weight: Double)] = [
        ("hispanic or latino", "2135-2", "Hispanic or Latino", 0.18),
        ("not hispanic or latino", "2186-5", "Not Hispanic or Latino", 0.75),
        ("unknown", "", "", 0.07),
    ]
}
