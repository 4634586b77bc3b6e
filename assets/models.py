"""Equipment: types, items, lifecycle states, location, usage and maintenance.

Its models arrive with the equipment work; the app is registered now so the layout of
the design holds from the start.
"""
