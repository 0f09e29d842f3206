"""The one place boto3 is touched: clients, failures classified into the operator's words,
the bounded run.
"""
