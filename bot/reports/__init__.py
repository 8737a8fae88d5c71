"""Reports: periodic and ad-hoc reports collected in chat, with reminders and escalation."""
