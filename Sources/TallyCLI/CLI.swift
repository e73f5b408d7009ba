public enum TallyCLIMarker {}
