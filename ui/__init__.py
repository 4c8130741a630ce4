"""Streamlit glue shared by the pages: sign-in, the role guard, common widgets."""
