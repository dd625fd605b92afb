"""Hand-tuned SQL behind typed functions, one module per aggregate.

Services keep the use cases and their transactions; a function here runs its statements
in the caller's transaction (it never commits) and returns plain typed values. Only
models and core are imported here.
"""
