"""Scenario files and real-world configuration readers.

Will hold the YAML scenario loader (validated, errors pointing at file and line) and the readers
for keepalived.conf and FreeBSD rc.conf / sysctl.conf that turn them into :mod:`simlab.core`
configs.
"""
