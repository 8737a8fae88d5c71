"""The citizen help desk: a knowledge base of common questions and a matcher for what people type."""
