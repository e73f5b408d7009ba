/// Text for HTML and SVG (reports, coverage pages): `& < > " '` escaped, and control characters
/// HTML does not allow replaced by U+FFFD.
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // Control characters other than tab and line breaks are not allowed in HTML text.
            if c.value < 0x20 && c != "\n" && c != "\t" && c != "\r" || (0x7F...0x9F).contains(c.value) {
                out += "\u{FFFD}"
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }
    return out
}
