"""Scanner modules and keyboard wedges: code readers beside the camera (drivers/reader.py)."""
