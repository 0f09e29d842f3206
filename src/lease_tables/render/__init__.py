"""Writing outputs: IAM policies, templates, text and JSON, the terminal. Pure but for the
terminal.
"""
