"""Request and response shapes of the API (XCreate / XRead / XUpdate)."""
