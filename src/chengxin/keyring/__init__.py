"""Key rotation: re-encrypting stored ciphertexts, re-keying persons to a new hash secret."""
