extension ProviderProfile {
    /// Courier-IMAP: plain IMAP4rev1 with UIDPLUS and IDLE (its CHILDREN and NAMESPACE too; the
    /// fake leaves out THREAD, SORT, QUOTA and ACL, which it does not implement). No quirk is
    /// reproduced: I found no report of one that matters to a synchronizer.
    public static let courier = ProviderProfile(
        name: "courier",
        capabilities: ["IMAP4rev1", "UIDPLUS", "CHILDREN", "NAMESPACE", "IDLE"])
}
