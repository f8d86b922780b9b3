// Fake LMTP/SMTP receiver: see DESIGN.md.
