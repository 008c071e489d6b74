"""Page in progress (replaced by the real page in the next commits)."""
from ui import components

selection = components.current_selection()
components.page_header("portrait", selection)
