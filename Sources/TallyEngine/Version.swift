public enum TallyEngineVersion { public static let string = "0.1.0" }
