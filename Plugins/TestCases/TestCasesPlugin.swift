import TallyEngine

/// Hand-written measure test cases: `*.tests.yaml` files beside a measure, run by `tally test
/// PATH...`. The format is documented in `docs/testing.md`.
public struct TestCasesPlugin: TallyPlugin {
    public init() {}
    public var name: String { "test-cases" }
    public var summary: String { "hand-written measure test cases (*.tests.yaml) for tally test" }

    public func register(into registry: inout PluginRegistry) {
        registry.add(testFileReader: YAMLTestFileReader(), from: name)
    }
}
