"""The seat engine: Lua scripts on Redis, arming a term, grabs and their persistence."""
