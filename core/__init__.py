"""The audit domain in pure Python: grades, roles, dates, rules, statistics.

Nothing here imports streamlit or touches the database, so every rule can be
unit-tested in milliseconds and reused from the command line.
"""
