/// The care setting of a medical claim, derived from its bill type, places of service, revenue
/// codes, HCPCS/CPT codes and modifiers. The first rule that matches wins:
///
/// | setting | rule | encounter class |
/// |---|---|---|
/// | inpatient | bill type 11x or 12x; or a room-and-board revenue code (0100–0219) on a claim with an admission date; or place of service 21, 51, 61 | IMP |
/// | snf | bill type 21x; or place of service 31 | NONAC |
/// | hospice | bill type 81x, 82x; or place of service 34 | HH |
/// | home_health | bill type 32x, 33x, 34x; or place of service 12 | HH |
/// | emergency | revenue 045x (but 0456) or 0981; or place of service 23; or CPT 99281–99285 | EMER |
/// | telehealth | place of service 02 or 10; or modifier 95, GT, GQ or 93 | VR |
/// | urgent_care | revenue 0456; or place of service 20 | AMB |
/// | ambulance | revenue 054x; or place of service 41, 42 | AMB |
/// | office | place of service 11, 49, 50, 71, 72 | AMB |
/// | lab | place of service 81 | AMB |
/// | outpatient | any other institutional claim; or place of service 19, 22, 24 | AMB |
/// | other | anything else | AMB |
///
/// Inpatient is tested first so that an admission through the emergency department stays one
/// inpatient encounter. Room-and-board codes are 01xx–021x rather than all of 01xx–02xx because
/// 022x–029x are ancillary services (pharmacy, supplies, therapy) billed on outpatient claims too.
enum CareSetting: String, CaseIterable, Sendable {
    case inpatient, snf, hospice, homeHealth = "home_health", emergency, telehealth, urgentCare = "urgent_care", ambulance,
         office, lab, outpatient, other

    /// The FHIR encounter class (v3 ActCode) of the setting.
    var encounterClass: String {
        switch self {
        case .inpatient: return "IMP"
        case .snf: return "NONAC"
        case .hospice, .homeHealth: return "HH"
        case .emergency: return "EMER"
        case .telehealth: return "VR"
        case .urgentCare, .ambulance, .office, .lab, .outpatient, .other: return "AMB"
        }
    }

    /// What a claim says about where care happened: flags and small bit sets, so deriving a
    /// setting allocates nothing.
    struct Evidence: Sendable {
        /// An institutional claim (claim_type institutional, or a bill type present).
        var institutional = false
        /// The bill type's facility type and classification digits (11 for bill type 111 or 0111).
        var billType: Int?
        var hasAdmission = false
        /// A room-and-board revenue code (0100–0219).
        var roomAndBoardRevenue = false
        /// An emergency-room revenue code (045x but 0456, or 0981).
        var emergencyRevenue = false
        /// The urgent-care revenue code 0456.
        var urgentCareRevenue = false
        /// An ambulance revenue code (054x).
        var ambulanceRevenue = false
        /// A line has CPT 99281–99285 (emergency department visit).
        var emergencyVisitCode = false
        /// A line has a telehealth modifier (95, GT, GQ, 93).
        var telehealthModifier = false
        /// Places of service 0–127 seen, as bits.
        var places = PlaceSet()

        /// Notes a revenue code (as a number: 450 for 0450).
        mutating func add(revenue r: Int) {
            if (100...219).contains(r) { roomAndBoardRevenue = true }
            if (450...459).contains(r) || r == 981 { if r == 456 { urgentCareRevenue = true } else { emergencyRevenue = true } }
            if (540...549).contains(r) { ambulanceRevenue = true }
        }

        /// Notes a place of service (as a number: 2 for 02).
        mutating func add(placeOfService p: Int) { places.insert(p) }
    }

    /// A set of place-of-service codes (0–127).
    struct PlaceSet: Sendable {
        var low: UInt64 = 0, high: UInt64 = 0
        init() {}
        init(_ codes: [Int]) { for c in codes { insert(c) } }
        mutating func insert(_ c: Int) {
            if (0..<64).contains(c) { low |= 1 << UInt64(c) } else if (64..<128).contains(c) { high |= 1 << UInt64(c - 64) }
        }
        func intersects(_ other: PlaceSet) -> Bool { low & other.low != 0 || high & other.high != 0 }
    }

    static let inpatientPlaces = PlaceSet([21, 51, 61]), snfPlaces = PlaceSet([31]), hospicePlaces = PlaceSet([34])
    static let homeHealthPlaces = PlaceSet([12]), emergencyPlaces = PlaceSet([23]), telehealthPlaces = PlaceSet([2, 10])
    static let urgentCarePlaces = PlaceSet([20]), ambulancePlaces = PlaceSet([41, 42]), officePlaces = PlaceSet([11, 49, 50, 71, 72])
    static let labPlaces = PlaceSet([81]), outpatientPlaces = PlaceSet([19, 22, 24])

    static func derive(_ e: Evidence) -> CareSetting {
        let bill = e.billType ?? -1
        let p = e.places
        if bill == 11 || bill == 12 || (e.hasAdmission && e.roomAndBoardRevenue) || p.intersects(inpatientPlaces) { return .inpatient }
        if bill == 21 || p.intersects(snfPlaces) { return .snf }
        if bill == 81 || bill == 82 || p.intersects(hospicePlaces) { return .hospice }
        if bill == 32 || bill == 33 || bill == 34 || p.intersects(homeHealthPlaces) { return .homeHealth }
        if e.emergencyRevenue || p.intersects(emergencyPlaces) || e.emergencyVisitCode { return .emergency }
        if p.intersects(telehealthPlaces) || e.telehealthModifier { return .telehealth }
        if e.urgentCareRevenue || p.intersects(urgentCarePlaces) { return .urgentCare }
        if e.ambulanceRevenue || p.intersects(ambulancePlaces) { return .ambulance }
        if p.intersects(officePlaces) { return .office }
        if p.intersects(labPlaces) { return .lab }
        if e.institutional || p.intersects(outpatientPlaces) { return .outpatient }
        return .other
    }

    /// The setting of a clinical encounter (encounter.csv) from its `encounter_type` text, such as
    /// "acute inpatient", "emergency department", "office visit": matched on words.
    static func fromEncounterType(_ text: String) -> CareSetting {
        let t = text.lowercased()
        if t.contains("skilled nursing") || t.contains("snf") { return .snf }
        if t.contains("hospice") { return .hospice }
        if t.contains("home health") { return .homeHealth }
        if t.contains("inpatient") { return .inpatient }
        if t.contains("emergency") || t == "ed" { return .emergency }
        if t.contains("tele") || t.contains("virtual") { return .telehealth }
        if t.contains("urgent") { return .urgentCare }
        if t.contains("ambulance") { return .ambulance }
        if t.contains("office") { return .office }
        if t.contains("lab") { return .lab }
        if t.contains("outpatient") || t.contains("ambulatory") || t.contains("dialysis") || t.contains("clinic") { return .outpatient }
        return .other
    }
}
