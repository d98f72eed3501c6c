"""Identity documents of persons and codes of organisations: pure validation rules."""
