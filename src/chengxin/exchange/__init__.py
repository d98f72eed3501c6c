"""Exchange between platforms (issue 17)."""
