"""The web desk's thin layer: the /web chat command and the HTTP routes."""
