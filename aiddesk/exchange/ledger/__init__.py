"""旧台账: books no program wrote, read as offices keep them."""
