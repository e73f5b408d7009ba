import ClaimsCSVPlugin
import FHIRPlugin
import PanelCachePlugin
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
    /// Loaders are tried in this order when no `--input-format` is given: the panel cache comes
    /// before FHIR, so a cache file is recognised by its magic bytes whatever its name ends with.
    public static var all: [any TallyPlugin] {
        [ValueSetsPlugin(), ReportsPlugin(), PanelCachePlugin(), FHIRPlugin(), ClaimsCSVPlugin(), SynthPlugin(), TestCasesPlugin()]
    }
}
