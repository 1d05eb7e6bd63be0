"""Discord rendering: embeds and components. No rules live here."""
