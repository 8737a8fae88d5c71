"""Reading what people type: Vietnamese with or without diacritics."""
