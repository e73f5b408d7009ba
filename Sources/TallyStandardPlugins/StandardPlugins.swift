import ClaimsCSVPlugin
import FHIRPlugin
import ReportsPlugin
import SynthPlugin
import TallyEngine
import TestCasesPlugin
import ValueSetsPlugin

/// The plugins the standard `tally` is built with: the one list, used by the executable and by
/// anyone building their own `tally` with more plugins.
///
///     TallyCommandLine.main(plugins: TallyStandardPlugins.all + [MyPlugin()])
public enum TallyStandardPlugins {
    public static var all: [any TallyPlugin] {
        [ValueSetsPlugin(), ReportsPlugin(), FHIRPlugin(), ClaimsCSVPlugin(), SynthPlugin(), TestCasesPlugin()]
    }
}
