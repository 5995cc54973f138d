"""`corridor demo`: the main job (filled in below)."""

def demo() -> None:
    """Run the demo."""
