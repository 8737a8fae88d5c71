"""Reminders owed in the future, kept in the database and swept when due."""
