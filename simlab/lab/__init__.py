"""The teaching layer on top of everything else.

Will hold the notebook widgets and the grader behind ``simlab grade``.
"""
