"""The Qt desktop application (imported only by GUI commands)."""
