"""The citizen credit credential (issue 16): signed yes/no claims a person shows as a QR code."""
