"""Crisis levels, escalation, incidents, situation reports and patient triage.

Its models arrive with the crisis work; the app is registered now so the layout of the
design holds from the start.
"""
