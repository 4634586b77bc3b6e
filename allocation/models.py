"""Real-time allocation: census signals, forecasts, backfill and redeployment.

Its models arrive with the real-time allocation work; the app is registered now so the
layout of the design holds from the start.
"""
