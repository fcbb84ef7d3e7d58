//! X.509 for the emulator: certificate ids, parsing, issuing and verifying.
