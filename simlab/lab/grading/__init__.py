"""The grader behind ``simlab grade`` and ``simlab lab release``.

* :mod:`~simlab.lab.grading.spec`: a lab's lab.yaml and each student's parameters;
* :mod:`~simlab.lab.grading.answers`: answers.json, plain JSON data only;
* :mod:`~simlab.lab.grading.api`: what checks.py is written with (``@check``, ``Result``);
* :mod:`~simlab.lab.grading.sims`: the simulations checks run;
* :mod:`~simlab.lab.grading.runner`: executes a notebook in its own process;
* :mod:`~simlab.lab.grading.grader`: per submission, execute then check;
* :mod:`~simlab.lab.grading.outputs`: CSV gradebook, feedback, Gradescope / PrairieLearn JSON;
* :mod:`~simlab.lab.grading.release`: the student's copy, solutions stripped.

docs/instructor-guide.md explains the design and how to use it.
"""
