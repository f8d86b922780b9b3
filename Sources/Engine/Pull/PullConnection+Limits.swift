extension PullConnection {
    /// The longest UID set one pullimap command carries (the `\Seen` and `\Deleted` UID STOREs,
    /// UID EXPUNGE), in bytes of its wire form. A set of scattered UIDs can be long and servers
    /// limit command lines: RFC 7162 §4 asks clients to keep them to about 8192 octets, and the
    /// rest of these commands is a few dozen. (interimap's store keeps its sets shorter,
    /// `IMAPMailStore.uidSetBytesPerCommand`, as its commands carry more besides the set.)
    static let uidSetBytesPerCommand = 8192
}
