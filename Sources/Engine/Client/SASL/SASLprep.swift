import Foundation

/// SASLprep (RFC 4013), the stringprep profile SCRAM applies to user names and passwords
/// (RFC 5802 §2.2 "Normalize"), so that a password typed with another Unicode composition
/// still derives the same key.
enum SASLprep {
    /// The prepared string, or nil when it holds a character RFC 4013 §2.3 prohibits
    /// (controls, private use, non-characters, surrogates...). ASCII without controls, the
    /// common case, is returned unchanged.
    static func prepare(_ text: String) -> String? {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return text }
        var mapped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if mappedToNothing(scalar.value) { continue }           // RFC 4013 §2.1, table B.1
            mapped.append(nonASCIISpace(scalar.value) ? " " : scalar) // table C.1.2 to SPACE
        }
        // RFC 4013 §2.2: Unicode normalization form KC.
        let normalized = String(mapped).precomposedStringWithCompatibilityMapping
        for scalar in normalized.unicodeScalars where prohibited(scalar.value) { return nil }
        return normalized
    }

    static func mappedToNothing(_ v: UInt32) -> Bool {
        [0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF].contains(v)
            || (0xFE00...0xFE0F).contains(v)
    }

    static func nonASCIISpace(_ v: UInt32) -> Bool {
        [0x00A0, 0x1680, 0x202F, 0x205F, 0x3000].contains(v) || (0x2000...0x200B).contains(v)
    }

    /// Tables C.2.1, C.2.2, C.3, C.4, C.5, C.8 (control, private use, non-character, surrogate
    /// and change-display code points); the unassigned code points of A.1 are allowed, as
    /// RFC 4013 §2.5 permits for stored strings' queries.
    static func prohibited(_ v: UInt32) -> Bool {
        v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x06DD || v == 0x070F || v == 0x180E
            || (0x200C...0x200F).contains(v) || (0x2028...0x202E).contains(v) || (0x2060...0x2063).contains(v)
            || (0x206A...0x206F).contains(v) || v == 0xFEFF || (0xFFF9...0xFFFC).contains(v)
            || (0x1D173...0x1D17A).contains(v) || (0xE000...0xF8FF).contains(v) || (0xF0000...0x10FFFF).contains(v)
            || (0xFDD0...0xFDEF).contains(v) || (v & 0xFFFE) == 0xFFFE || (0xD800...0xDFFF).contains(v)
            || (0x0340...0x0341).contains(v)
    }
}
