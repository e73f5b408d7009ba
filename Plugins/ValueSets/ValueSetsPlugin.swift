public enum ValueSetsPluginMarker {}
