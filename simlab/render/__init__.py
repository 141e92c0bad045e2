"""What people read and look at, made from traces and results.

Will hold look-alikes of ``ifconfig`` and syslog output, tables and plotly figures.
"""
