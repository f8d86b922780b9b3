// Fake IMAP server: see DESIGN.md.
