//! Music21-style corpus paths: the built-in corpus and `MUSIC_MCP_CORPUS` folders.
