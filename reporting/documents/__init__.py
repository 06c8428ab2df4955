"""Reporting's documents: the scoreboard and an indicator as PDFs (`exports`), the annual IP development
report and the mid-term performance self-assessment built in the background (`reports`, `jobs`, `tasks`),
charts drawn on the server (`charts`), figures in words (`display`), HTML to PDF (`pdf`)."""
