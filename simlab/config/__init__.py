"""Scenario files and real-world configuration readers.

Will hold the YAML scenario loader (validated, errors pointing at file and line) and the readers
for keepalived.conf and FreeBSD rc.conf / sysctl.conf that turn them into :mod:`simlab.core`
configs.

The readers, each a hand-written parser on the standard library, are:

* :mod:`simlab.config.keepalived`: keepalived.conf -> ``KeepalivedConf`` whose instances carry a
  :class:`~simlab.core.vrrp_config.VrrpConfig`;
* :mod:`simlab.config.freebsd`: rc.conf, sysctl.conf, loader.conf -> ``FreeBsdHost`` whose vhids
  carry a :class:`~simlab.core.carp_config.CarpConfig`, and ``ifconfig`` command lines;
* :mod:`simlab.config.sysctl` (both systems' sysctl.conf) and :mod:`simlab.config.linux` (the
  Linux keys a keepalived host depends on);
* :mod:`simlab.config.errors`: ``Diagnostic`` and ``ConfigError``, shared by every reader, which
  reports all the problems of a file at once, each with file, line and what was expected.
"""
