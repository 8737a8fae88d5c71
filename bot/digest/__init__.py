"""The Director's digest: tasks, reports, platform figures, as text, chart and spreadsheet."""
